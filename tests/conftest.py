"""Shared fixtures: action test doubles, a database per test, the trained test model,
and the running servers for end-to-end tests."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"

# Tests never use a developer's database, secrets or the network.
os.environ.setdefault("KOMPIS_ENV", "test")
os.environ["RASA_TELEMETRY_ENABLED"] = "false"


@pytest.fixture(autouse=True)
def sqlite_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A fresh, migrated SQLite database for each test that does not use the servers.

    Tests never touch a developer's database (var/kompis.db).
    """
    if "stack" in request.fixturenames:
        yield os.environ.get("DATABASE_URL", "")
        return
    from bot.storage import db

    url = f"sqlite:///{tmp_path / 'kompis.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    db.reset()
    db.upgrade(url)
    yield url
    db.reset()


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (its own browser download fails here).

    Module-scoped: Playwright's sync API runs an event loop, and the asyncio tests of the
    next module need none to be running.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make install-browser installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class FakeTracker:
    """Enough of rasa_sdk's Tracker for unit tests of actions."""

    def __new__(cls, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        from rasa_sdk import Tracker

        def make(
            slots: Optional[Dict[str, Any]] = None,
            intent: str = "greet",
            text: str = "",
            entities: Optional[List[Dict[str, Any]]] = None,
            ranking: Optional[List[Dict[str, Any]]] = None,
            extra: Optional[Dict[str, Any]] = None,
        ) -> Tracker:
            latest = {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": entities or [],
                "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
                **(extra or {}),
            }
            return Tracker(
                sender_id="test-" + uuid.uuid4().hex[:8],
                slots=dict(slots or {}),
                latest_message=latest,
                events=[],
                paused=False,
                followup_action=None,
                active_loop={},
                latest_action_name="action_listen",
            )

        return make(*args, **kwargs)


@pytest.fixture()
def dispatcher():  # type: ignore[no-untyped-def]
    from rasa_sdk.executor import CollectingDispatcher

    return CollectingDispatcher()


@pytest.fixture()
def domain() -> Dict[str, Any]:
    import yaml

    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def uttered(dispatcher: Any) -> List[str]:
    """Response names an action uttered, in order."""
    return [m.get("response") for m in dispatcher.messages]


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# ---------------------------------------------------------------------------------------
# Servers for end-to-end tests: the real Rasa server, action server and web app, started
# by the same code as `make run`, on test ports, with the test model and a fresh database
# (PostgreSQL when it runs here, as in CI; otherwise a SQLite file).

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_PORTS = {"RASA_PORT": "15005", "ACTION_PORT": "15055", "WEB_PORT": "18080"}


def postgres_available() -> bool:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_ADMIN_URL, future=True, connect_args={"connect_timeout": 2})
        with engine.connect() as c:
            c.execute(sa.text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def fresh_postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    import sqlalchemy as sa

    if not postgres_available():
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL} (CI runs it)")
    name = "kompis_test_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(PG_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as c:
        c.execute(sa.text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def test_model() -> Path:
    """The model `make run` serves (trained once per change of its inputs; cached in models/)."""
    from bot.training import ensure_model

    return ensure_model(quiet=True)


class RunningStack:
    """Addresses and helpers for the servers started for a test session."""

    def __init__(self, stack: Any, env: Dict[str, str], log_dir: Path):
        self.stack = stack
        self.env = env
        self.log_dir = log_dir
        self.rasa_url = f"http://127.0.0.1:{env['RASA_PORT']}"
        self.web_url = f"http://127.0.0.1:{env['WEB_PORT']}"
        self.token = env["RASA_TOKEN"]
        self.database_url = env["DATABASE_URL"]

    def service(self, name: str) -> Any:
        return next(s for s in self.stack.services if s.name == name)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))

    def everything_stored(self) -> str:
        """Every row of every table, and every log line: what a privacy scan reads."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.database_url, future=True)
        rows = []
        with engine.connect() as c:
            for table in sa.inspect(engine).get_table_names():
                rows += [
                    " ".join(str(v) for v in row) for row in c.execute(sa.text(f"select * from {table}"))
                ]
        engine.dispose()
        return "\n".join(rows) + "\n" + self.logs()


def _session_env(database_url: str, log_dir: Path) -> Dict[str, str]:
    from bot.settings import generate_secret

    return {
        **TEST_PORTS,
        "KOMPIS_ENV": "test",
        "DATABASE_URL": database_url,
        "RASA_TOKEN": "test-" + generate_secret(16),
        "PSEUDONYM_KEY": generate_secret(64),
        "SESSION_SECRET": generate_secret(32),
        "TELEGRAM_WEBHOOK_SECRET": generate_secret(24),
        "PUBLIC_URL": f"http://127.0.0.1:{TEST_PORTS['WEB_PORT']}",
        "WEB_ORIGINS": f"http://127.0.0.1:{TEST_PORTS['WEB_PORT']},http://localhost:{TEST_PORTS['WEB_PORT']}",
        "QUICK_EXIT_URL": f"http://127.0.0.1:{TEST_PORTS['WEB_PORT']}/healthz",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[Any]:
    """The local fake of Telegram's Bot API (tests/fake_telegram.py)."""
    from tests.fake_telegram import FakeTelegram

    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def stack(
    test_model: Path, fresh_postgres_url: str, fake_telegram: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    """The three servers, running on test ports against a fresh PostgreSQL database,
    with Telegram in long-polling mode against the fake Bot API."""
    from bot.launcher import Stack, child_env, prepare_database, services
    from bot.storage import db
    from tests.fake_telegram import TOKEN

    log_dir = tmp_path_factory.mktemp("logs")
    env = _session_env(fresh_postgres_url, log_dir)
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake_telegram.base_url)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    db.reset()
    prepare_database()
    running = Stack(services(test_model, log_dir), env=child_env(env))
    try:
        running.start(timeout=300)
    except RuntimeError:
        running.stop()
        logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in log_dir.glob("*.log"))
        raise RuntimeError(f"servers did not start:\n{logs}") from None
    yield RunningStack(running, env, log_dir)
    running.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    db.reset()
