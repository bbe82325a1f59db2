"""Every setting Kompis reads from the environment, in one place.

Each variable is documented in README.md and .env.example. In development
(`KOMPIS_ENV=development`, the default) missing secrets are generated once and kept
in `var/dev-secrets.env`, so `make run` works on a fresh machine. In production a
missing or placeholder secret stops the process at start-up.
"""

from __future__ import annotations

import base64
import functools
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DEV_SECRETS = VAR / "dev-secrets.env"

PLACEHOLDERS = {"", "change-me", "changeme", "secret", "xxx", "todo", "placeholder"}


class SettingsError(RuntimeError):
    """A setting is missing or invalid."""


def _secret_names() -> Dict[str, int]:
    """Secret variables and how many random bytes a generated one gets."""
    return {
        "RASA_TOKEN": 32,
        "PSEUDONYM_KEY": 64,  # AES-SIV-256 takes a 64-byte key
        "SESSION_SECRET": 32,
        "TELEGRAM_WEBHOOK_SECRET": 32,
    }


def _load_dev_secrets() -> Dict[str, str]:
    """Read, or create, the development secrets file."""
    values: Dict[str, str] = {}
    if DEV_SECRETS.exists():
        for line in DEV_SECRETS.read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    missing = {k: n for k, n in _secret_names().items() if k not in values}
    if missing:
        for key, nbytes in missing.items():
            raw = secrets.token_bytes(nbytes)
            values[key] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        VAR.mkdir(parents=True, exist_ok=True)
        text = "# Generated for development by bot/settings.py. Never use in production.\n"
        text += "".join(f"{k}={v}\n" for k, v in sorted(values.items()))
        DEV_SECRETS.write_text(text, encoding="utf-8")
        DEV_SECRETS.chmod(0o600)
    return values


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as e:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from e


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Kompis settings; build with `get_settings()`."""

    env: str
    database_url: str
    rasa_url: str
    rasa_host: str
    rasa_port: int
    rasa_token: str
    action_host: str
    action_port: int
    action_timeout: int
    web_host: str
    web_port: int
    public_url: str
    socket_url: str
    lock_store_url: Optional[str]
    pseudonym_key: bytes
    session_secret: str
    telegram_token: Optional[str]
    telegram_webhook_url: Optional[str]
    telegram_webhook_secret: str
    telegram_api_base_url: str
    log_level: str
    retention_days: int
    question_log_retention_days: int
    content_max_age_days: int
    model_dir: Path
    web_origins: tuple = ()
    extra: Dict[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def action_url(self) -> str:
        return f"http://{self.action_host}:{self.action_port}/webhook"


def _secret(name: str, dev: Dict[str, str], production: bool) -> str:
    value = os.environ.get(name, "")
    if value.strip().lower() in PLACEHOLDERS:
        if production:
            raise SettingsError(f"{name} is missing or a placeholder; set a real secret (see .env.example)")
        value = dev[name]
    return value


def _decode_key(raw: str) -> bytes:
    padded = raw + "=" * (-len(raw) % 4)
    try:
        key = base64.urlsafe_b64decode(padded)
    except ValueError as e:
        raise SettingsError("PSEUDONYM_KEY must be url-safe base64") from e
    if len(key) not in (32, 48, 64):
        raise SettingsError("PSEUDONYM_KEY must decode to 32, 48 or 64 bytes (AES-SIV)")
    return key


def _load_dotenv(path: Path) -> None:
    """Values from a .env file, for variables the environment does not set already."""
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment (and .env, if present) once per process."""
    _load_dotenv(ROOT / ".env")
    env = os.environ.get("KOMPIS_ENV", "development").strip().lower()
    production = env == "production"
    dev = {} if production else _load_dev_secrets()
    default_db = f"sqlite:///{VAR / 'kompis.db'}"
    database_url = os.environ.get("DATABASE_URL") or default_db
    if database_url.startswith("sqlite:///") and not production:
        Path(database_url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    rasa_host = os.environ.get("RASA_HOST", "0.0.0.0")
    rasa_port = _int("RASA_PORT", 5005)
    web_port = _int("WEB_PORT", 8080)
    telegram_token = os.environ.get("TELEGRAM_BOT_TOKEN") or None
    return Settings(
        env=env,
        database_url=database_url,
        rasa_url=os.environ.get("RASA_URL", f"http://127.0.0.1:{rasa_port}"),
        rasa_host=rasa_host,
        rasa_port=rasa_port,
        rasa_token=_secret("RASA_TOKEN", dev, production),
        action_host=os.environ.get("ACTION_HOST", "127.0.0.1"),
        action_port=_int("ACTION_PORT", 5055),
        action_timeout=_int("ACTION_TIMEOUT", 10),
        web_host=os.environ.get("WEB_HOST", "0.0.0.0"),
        web_port=web_port,
        public_url=os.environ.get("PUBLIC_URL", f"http://localhost:{web_port}"),
        socket_url=os.environ.get("SOCKET_URL", ""),
        lock_store_url=os.environ.get("LOCK_STORE_URL") or None,
        pseudonym_key=_decode_key(_secret("PSEUDONYM_KEY", dev, production)),
        session_secret=_secret("SESSION_SECRET", dev, production),
        telegram_token=telegram_token,
        telegram_webhook_url=os.environ.get("TELEGRAM_WEBHOOK_URL") or None,
        telegram_webhook_secret=_secret("TELEGRAM_WEBHOOK_SECRET", dev, production),
        telegram_api_base_url=os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot"),
        log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        retention_days=_int("RETENTION_DAYS", 30),
        question_log_retention_days=_int("QUESTION_LOG_RETENTION_DAYS", 90),
        content_max_age_days=_int("CONTENT_MAX_AGE_DAYS", 365),
        model_dir=Path(os.environ.get("MODEL_DIR", str(ROOT / "models"))),
        web_origins=_origins(web_port),
    )


def _origins(web_port: int) -> tuple:
    """Origins allowed to open the web chat's socket (the page's own address)."""
    raw = os.environ.get("WEB_ORIGINS", "")
    if raw.strip():
        return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    public = os.environ.get("PUBLIC_URL", "").rstrip("/")
    local = (f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}")
    return tuple(dict.fromkeys([o for o in (public, *local) if o]))


def generate_secret(nbytes: int = 32) -> str:
    """A new random secret, for `.env` files."""
    return base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).decode().rstrip("=")
