"""Settings read once from the environment and passed explicitly from then on.

Nothing else in the code base reads environment variables: the CLI and the web app build a
`Settings` and hand it (or what it yields, such as an engine) to whoever needs it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = "secretariat-data"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    session_hours: int = 10
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    # telephony (Twilio): webhooks are verified against the public base URL Twilio calls
    public_base_url: str = "http://127.0.0.1:8000"
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_number: str = ""
    interpreter_numbers: dict[str, str] = field(default_factory=dict)  # language → interpreter line (E.164)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, data_dir: Path | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        root = Path(data_dir or env.get("SECRETARIAT_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
        url = env.get("SECRETARIAT_DATABASE_URL") or sqlite_url(root / "secretariat.db")
        key = env.get("SECRETARIAT_SECRET_KEY") or _persistent_secret(root)
        interpreters = dict(pair.split("=", 1) for pair in env.get("SECRETARIAT_INTERPRETERS", "").split(",") if "=" in pair)
        return cls(data_dir=root, database_url=url, secret_key=key,
                   public_base_url=env.get("SECRETARIAT_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
                   twilio_account_sid=env.get("SECRETARIAT_TWILIO_ACCOUNT_SID", ""),
                   twilio_auth_token=env.get("SECRETARIAT_TWILIO_AUTH_TOKEN", ""),
                   twilio_number=env.get("SECRETARIAT_TWILIO_NUMBER", ""), interpreter_numbers=interpreters)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _persistent_secret(data_dir: Path) -> str:
    """A per-installation key for signing CSRF tokens, kept beside the embedded store.

    Generated on first use so a fresh install needs no set-up, and persisted so that
    restarting the server does not invalidate forms that staff have open.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "secret.key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()
