/* Kompis web chat.
 *
 * Privacy: the conversation is kept only in this page's memory. sessionStorage holds the
 * random session id and the chosen language, and the browser deletes it when the tab
 * closes. Quick exit clears both and leaves for a neutral site.
 * Nothing lost: every message gets a client id and stays in the outbox until the server
 * acknowledges that it stored it; after a reconnect unacknowledged messages are resent
 * (the server drops duplicates).
 */
(function () {
  "use strict";

  const TEXTS = JSON.parse(document.getElementById("ui-texts").textContent);
  const CONFIG = JSON.parse(document.getElementById("config").textContent);
  const LANGUAGES = JSON.parse(document.getElementById("languages").textContent);
  const RTL = new Set(LANGUAGES.filter((l) => l.direction === "rtl").map((l) => l.code));
  const CODES = LANGUAGES.map((l) => l.code);

  const $ = (id) => document.getElementById(id);
  const log = $("log");
  const input = $("input");
  const statusLine = $("status");
  const store = window.sessionStorage;

  let lang = store.getItem("kompis.lang");
  let sessionId = store.getItem("kompis.session");
  const outbox = new Map(); // client id -> {text, element}

  function t(key) {
    const table = TEXTS[lang] || TEXTS.sv || {};
    return table[key] || "";
  }

  function applyLanguage() {
    const code = lang || "sv";
    document.documentElement.lang = code;
    document.documentElement.dir = RTL.has(code) ? "rtl" : "ltr";
    document.title = t("web.title") || "Kompis";
    document.querySelectorAll("[data-text]").forEach((el) => {
      el.textContent = t(el.dataset.text);
    });
    input.placeholder = t("web.placeholder");
    const exit = $("quick-exit");
    exit.title = t("web.quick_exit_hint");
    exit.setAttribute("aria-label", t("web.quick_exit"));
    $("language-button").setAttribute("aria-label", t("web.choose_language"));
  }

  function randomId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /* Text with links made clickable, built from text nodes (never innerHTML). */
  function fillText(el, text) {
    const parts = String(text).split(/(https?:\/\/[^\s)]+|\b[a-z0-9.-]+\.se\b)/gi);
    parts.forEach((part, i) => {
      if (i % 2 === 1) {
        const a = document.createElement("a");
        a.href = part.startsWith("http") ? part : "https://" + part;
        a.textContent = part;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        el.appendChild(a);
      } else if (part) {
        el.appendChild(document.createTextNode(part));
      }
    });
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function addMessage(kind, text, language, who) {
    const el = document.createElement("div");
    el.className = "msg " + kind;
    el.dir = "auto";
    if (language) el.lang = language;
    if (who) {
      const w = document.createElement("span");
      w.className = "who";
      w.textContent = who;
      el.appendChild(w);
    }
    const body = document.createElement("span");
    fillText(body, text);
    el.appendChild(body);
    log.appendChild(el);
    scrollDown();
    return el;
  }

  function addButtons(buttons, language) {
    const row = document.createElement("div");
    row.className = "buttons";
    buttons.forEach((b) => {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.dir = "auto";
      if (language) btn.lang = language;
      btn.addEventListener("click", () => {
        row.querySelectorAll("button").forEach((x) => (x.disabled = true));
        const chosen = /^\/choose_language\{"language":"([a-z]{2})"\}$/.exec(b.payload);
        if (chosen && CODES.includes(chosen[1])) {
          lang = chosen[1];
          store.setItem("kompis.lang", lang);
          applyLanguage();
        }
        send(b.payload, b.title);
      });
      row.appendChild(btn);
    });
    log.appendChild(row);
    scrollDown();
  }

  function setStatus(text) {
    statusLine.textContent = text || "";
    statusLine.hidden = !text;
  }

  /* ---- socket ---- */
  const socketUrl = CONFIG.socketUrl || `${location.protocol}//${location.hostname}:${CONFIG.rasaPort}`;
  let socket = null;
  let confirmed = false;

  function connect() {
    socket = io(socketUrl, { transports: ["websocket"], reconnection: true, reconnectionDelayMax: 5000 });
    socket.on("connect", () => {
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", (id) => {
      const fresh = !sessionId;
      sessionId = id;
      store.setItem("kompis.session", id);
      confirmed = true;
      setStatus("");
      for (const [clientId, item] of outbox) emit(clientId, item.text);
      if (fresh && lang) send(`/choose_language{"language":"${lang}"}`, null);
    });
    socket.on("disconnect", () => {
      confirmed = false;
      setStatus(t("web.offline"));
    });
    socket.on("user_ack", (ack) => {
      const item = outbox.get(ack.client_id);
      if (item && item.element) item.element.classList.remove("pending");
      outbox.delete(ack.client_id);
    });
    socket.on("bot_uttered", (msg) => {
      const who = msg.sender === "staff" ? msg.staff_label || "" : null;
      if (msg.text) addMessage(who !== null ? "staff" : "bot", msg.text, msg.language, who);
      if (Array.isArray(msg.buttons) && msg.buttons.length) addButtons(msg.buttons, msg.language);
      if (msg.utter_action === "utter_forget_done") {
        // The server deleted the conversation: forget it here too, keep only this message.
        const last = log.lastElementChild;
        log.replaceChildren(last);
        store.removeItem("kompis.session");
        sessionId = null;
        socket.emit("session_request", { session_id: null });
      }
    });
  }

  function emit(clientId, text) {
    socket.emit("user_uttered", {
      message: text,
      session_id: sessionId,
      metadata: { client_id: clientId, ui_language: lang },
    });
  }

  function send(text, shown) {
    const clientId = randomId();
    const element = shown === null ? null : addMessage("user pending", shown || text, lang, null);
    outbox.set(clientId, { text, element });
    if (confirmed) emit(clientId, text);
    else setStatus(t("web.offline"));
  }

  /* ---- language picker ---- */
  function openPicker() {
    const lines = CODES.map((c) => (TEXTS[c] || {})["web.choose_language"]).filter(Boolean);
    $("picker-title").textContent = Array.from(new Set(lines)).join("\n");
    const browser = (navigator.language || "").slice(0, 2).toLowerCase();
    document.querySelectorAll(".lang").forEach((b) => {
      b.classList.toggle("suggested", b.dataset.code === browser);
    });
    $("picker").hidden = false;
  }

  document.querySelectorAll(".lang").forEach((button) => {
    button.addEventListener("click", () => {
      const changed = lang !== button.dataset.code;
      lang = button.dataset.code;
      store.setItem("kompis.lang", lang);
      applyLanguage();
      $("picker").hidden = true;
      if (!socket) connect();
      else if (changed || !log.children.length) send(`/choose_language{"language":"${lang}"}`, button.textContent);
      input.focus();
    });
  });
  $("language-button").addEventListener("click", openPicker);

  /* ---- quick exit: leave fast and leave nothing behind ---- */
  function quickExit() {
    try {
      store.clear();
      log.replaceChildren();
      input.value = "";
      if (socket) socket.disconnect();
    } finally {
      window.location.replace(CONFIG.quickExitUrl);
    }
  }
  $("quick-exit").addEventListener("click", quickExit);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && e.shiftKey) quickExit();
  });

  /* ---- composer ---- */
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      $("composer").requestSubmit();
    }
  });

  applyLanguage();
  if (lang && CODES.includes(lang)) connect();
  else openPicker();
})();
