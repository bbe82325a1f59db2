/* Kompis staff console: live queue and ticket view (polls the JSON API every second). */
window.KompisStaff = (function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    });
    if (response.status === 401) { location.href = "/staff/login"; throw new Error("logged out"); }
    if (!response.ok) throw new Error(await response.text());
    return response.json();
  }

  function minutes(seconds) {
    const m = Math.floor(seconds / 60);
    return m < 1 ? `${seconds} s` : `${m} min`;
  }

  function queue() {
    const body = document.querySelector("#queue tbody");
    async function refresh() {
      try {
        const data = await api("GET", "/staff/api/queue");
        body.replaceChildren();
        document.getElementById("empty").hidden = data.tickets.length > 0;
        for (const t of data.tickets) {
          const tr = document.createElement("tr");
          tr.className = t.urgency;
          const cells = [minutes(t.waiting_seconds), t.urgency, `${t.language_name} (${t.language})`,
            t.topic || "–", t.channel, t.status + (t.claimed_by ? ` (${t.claimed_by})` : "")];
          for (const c of cells) {
            const td = document.createElement("td");
            td.textContent = c;
            tr.appendChild(td);
          }
          const td = document.createElement("td");
          const a = document.createElement("a");
          a.href = `/staff/tickets/${t.id}`;
          a.textContent = t.status === "queued" ? "Open" : "View";
          td.appendChild(a);
          tr.appendChild(td);
          body.appendChild(tr);
        }
      } catch (e) { console.warn(e); }
    }
    refresh();
    setInterval(refresh, 1000);
  }

  function ticket() {
    const section = document.querySelector(".ticket");
    const id = section.dataset.ticket;
    const transcript = document.getElementById("transcript");
    const status = document.getElementById("status");
    let last = 0;
    let polling = null;

    function add(m) {
      const div = document.createElement("div");
      div.className = `line ${m.who}`;
      div.dir = "auto";
      div.textContent = m.text;
      div.dataset.id = m.id;
      transcript.appendChild(div);
      transcript.scrollTop = transcript.scrollHeight;
    }

    async function poll() {
      try {
        const data = await api("GET", `/staff/api/tickets/${id}/messages?after=${last}`);
        for (const m of data.messages) { add(m); last = Math.max(last, m.id); }
        if (data.ticket.status !== "claimed") {
          status.textContent = `Ticket ${data.ticket.status}.`;
          clearInterval(polling);
        }
      } catch (e) { status.textContent = String(e.message || e); }
    }

    function start() {
      document.getElementById("claim").hidden = true;
      document.getElementById("conversation").hidden = false;
      poll();
      polling = setInterval(poll, 1000);
    }

    document.getElementById("claim").addEventListener("click", async () => {
      try { await api("POST", `/staff/api/tickets/${id}/claim`); start(); }
      catch (e) { status.textContent = String(e.message || e); }
    });
    document.getElementById("reply").addEventListener("submit", async (e) => {
      e.preventDefault();
      const box = document.getElementById("reply-text");
      const text = box.value.trim();
      if (!text) return;
      try { await api("POST", `/staff/api/tickets/${id}/reply`, { text }); box.value = ""; status.textContent = "Sent."; }
      catch (err) { status.textContent = String(err.message || err); }
    });
    document.querySelectorAll(".quick-reply").forEach((b) => b.addEventListener("click", () => {
      document.getElementById("reply-text").value = b.dataset.text;
    }));
    document.getElementById("transfer").addEventListener("click", async () => {
      const organisation = document.getElementById("transfer-to").value;
      try { await api("POST", `/staff/api/tickets/${id}/transfer`, { organisation }); status.textContent = "Transferred."; location.href = "/staff"; }
      catch (err) { status.textContent = String(err.message || err); }
    });
    document.getElementById("close").addEventListener("click", async () => {
      const outcome = document.getElementById("outcome").value;
      try { await api("POST", `/staff/api/tickets/${id}/close`, { outcome }); status.textContent = "Closed. Kompis has the chat again."; }
      catch (err) { status.textContent = String(err.message || err); }
    });
    if (section.dataset.claimed === "1") start();
  }

  return { queue, ticket };
})();
