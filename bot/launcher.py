"""`make run`: Kompis' three processes, started, watched and stopped together.

1. Rasa server (port RASA_PORT, 5005): NLU, dialogue, the channels, the HTTP API (token).
2. Action server (ACTION_HOST:ACTION_PORT, 127.0.0.1:5055): the custom actions.
3. Web app (WEB_PORT, 8080): the web chat and the staff console.

Before starting, it applies database migrations, loads the help directory, and trains
the model if its inputs changed. Ctrl-C stops all three; if one dies, the others are
stopped and the launcher says which one died, instead of running half-alive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot.settings import ROOT, get_settings


@dataclass
class Service:
    name: str
    cmd: List[str]
    health_url: str
    log: Optional[Path] = None
    process: Optional[subprocess.Popen] = None
    _log_file: Optional[object] = field(default=None, repr=False)

    @property
    def exit_code(self) -> Optional[int]:
        return self.process.returncode if self.process else None


def child_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """Environment for the three processes."""
    s = get_settings()
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONWARNINGS": "ignore",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "SANIC_ACCESS_LOG": "False",  # access logs would contain ?token=
            "ACTION_ENDPOINT_URL": s.action_url,
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra or {})
    return env


def services(model: Path, log_dir: Optional[Path] = None) -> List[Service]:
    """The three processes for a model."""
    s = get_settings()
    py = sys.executable
    origins = list(s.web_origins)
    rasa_cmd = [
        py, "-m", "rasa", "run",
        "--model", str(model),
        "--enable-api",
        "--auth-token", s.rasa_token,
        "--interface", s.rasa_host,
        "--port", str(s.rasa_port),
        "--credentials", str(ROOT / "credentials.yml"),
        "--endpoints", str(ROOT / "endpoints.yml"),
        "--cors", *origins,
    ]  # fmt: skip

    def log(name: str) -> Optional[Path]:
        return log_dir / f"{name}.log" if log_dir else None

    return [
        Service("action server", [py, "-m", "bot.action_server"],
                f"http://{s.action_host}:{s.action_port}/health", log("actions")),
        Service("Rasa server", rasa_cmd, f"http://127.0.0.1:{s.rasa_port}/", log("rasa")),
        Service("web app", [py, "-m", "bot.web"], f"http://127.0.0.1:{s.web_port}/healthz", log("web")),
    ]  # fmt: skip


class Stack:
    """Starts services, waits until each answers, and stops them all."""

    def __init__(self, services: List[Service], env: Optional[Dict[str, str]] = None):
        self.services = services
        self.env = env or child_env()

    def start(self, timeout: float = 240.0) -> None:
        for svc in self.services:
            self._spawn(svc)
        deadline = time.monotonic() + timeout
        for svc in self.services:
            self._wait_healthy(svc, deadline)

    def _spawn(self, svc: Service) -> None:
        out = None
        if svc.log:
            svc.log.parent.mkdir(parents=True, exist_ok=True)
            out = svc._log_file = open(svc.log, "ab")  # noqa: SIM115 (closed in stop)
        svc.process = subprocess.Popen(
            svc.cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )  # fmt: skip

    def kill(self, name: str) -> None:
        """Kill one service at once (SIGKILL), as a crash would."""
        svc = next(s for s in self.services if s.name == name)
        if svc.process and svc.process.poll() is None:
            os.killpg(svc.process.pid, signal.SIGKILL)
            svc.process.wait()

    def restart(self, name: str, timeout: float = 240.0) -> None:
        """Start a killed service again and wait until it answers."""
        svc = next(s for s in self.services if s.name == name)
        self._spawn(svc)
        self._wait_healthy(svc, time.monotonic() + timeout)

    def _wait_healthy(self, svc: Service, deadline: float) -> None:
        while time.monotonic() < deadline:
            dead = self.dead()
            if dead:
                raise RuntimeError(f"{dead.name} stopped while starting (exit code {dead.exit_code})")
            try:
                with urllib.request.urlopen(svc.health_url, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{svc.name} did not answer on {svc.health_url} in time")

    def dead(self) -> Optional[Service]:
        for svc in self.services:
            if svc.process is not None and svc.process.poll() is not None:
                return svc
        return None

    def stop(self, timeout: float = 20.0) -> None:
        for svc in reversed(self.services):
            if svc.process and svc.process.poll() is None:
                try:
                    os.killpg(svc.process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for svc in self.services:
            if svc.process is None:
                continue
            try:
                svc.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(svc.process.pid, signal.SIGKILL)
                svc.process.wait()
            if svc._log_file:
                svc._log_file.close()  # type: ignore[attr-defined]


def prepare_database() -> None:
    """Migrations and the help directory."""
    from bot import directory
    from bot.storage.db import upgrade

    upgrade()
    directory.load()


def prepare() -> Path:
    """Migrations, directory data and a trained model: everything the servers need."""
    from bot.training import ensure_model

    prepare_database()
    return ensure_model()


def main() -> int:
    s = get_settings()
    model = prepare()
    stack = Stack(services(model))
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print("Starting Kompis (the Rasa server needs about half a minute to load the model) ...")
    try:
        stack.start()
    except RuntimeError as e:
        print(f"\nKompis could not start: {e}", file=sys.stderr)
        stack.stop()
        return 1
    print(
        "\nKompis is running:\n"
        f"  web chat        {s.public_url}/\n"
        f"  staff console   {s.public_url}/staff\n"
        f"  Rasa server     http://localhost:{s.rasa_port}/  (HTTP API needs RASA_TOKEN)\n"
        f"  action server   http://{s.action_host}:{s.action_port}/  (loopback only)\n"
        + ("  Telegram        long polling\n" if s.telegram_token and not s.telegram_webhook_url else "")
        + "Press Ctrl-C to stop.\n",
        flush=True,
    )
    code = 0
    while not stopping:
        dead = stack.dead()
        if dead:
            print(f"\n{dead.name} stopped unexpectedly (exit code {dead.exit_code}); stopping Kompis.",
                  file=sys.stderr)  # fmt: skip
            code = 1
            break
        time.sleep(0.5)
    print("Stopping Kompis ...")
    stack.stop()
    print("Stopped.")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
