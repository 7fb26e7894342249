"""Settings read once from the environment and passed explicitly from then on.

Nothing else in the code base reads environment variables: the CLI and the web app build a
`Settings` and hand it (or what it yields, such as an engine) to whoever needs it.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from datetime import time
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
    # reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or networks);
    # from anyone else those headers are ignored, so a client cannot pick its own address
    trusted_proxies: tuple[str, ...] = ()
    # the mailroom's scanned files: a page or a file larger than this is refused before it is decoded
    # (a tiny file can claim billions of pixels); A4 at 300 dpi is 8.7 million pixels, A3 17.5 million
    scan_max_pixels: int = 40_000_000  # per page
    scan_max_side: int = 12_000  # pixels along a page's longer side
    scan_max_pages: int = 500  # per file
    # municipalities' files (target lists, payment results), through the drop, the web or the CLI:
    # refused before they are parsed when larger, with a longer row or with more header columns
    upload_max_bytes: int = 1 << 30  # 1 GiB; Yokohama's 3.8 million residents come to about 600 MB
    row_max_chars: int = 1 << 16  # characters in one row; a real row has a few hundred
    header_max_columns: int = 200  # the default mapping has 19
    # telephony (Twilio): webhooks are verified against the public base URL Twilio calls
    public_base_url: str = "http://127.0.0.1:8000"
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_number: str = ""
    interpreter_numbers: dict[str, str] = field(default_factory=dict)  # language → interpreter line (E.164)
    # the agents' softphones (Voice JavaScript SDK): an API key signs their access tokens, and the
    # TwiML app answers the calls they place
    twilio_api_key_sid: str = ""
    twilio_api_key_secret: str = field(default="", repr=False)
    twilio_twiml_app_sid: str = ""
    escalation_number: str = ""  # the line an agent transfers a call to when it needs a senior (E.164)
    # routing (callcenter/agents/routing.py): a caller in a language no free agent speaks goes to the
    # interpreter conference after this long in the queue; a longer expected wait is offered a callback
    queue_fallback_s: int = 60
    callback_offer_wait_s: int = 180
    # periodic jobs (secretariat/core/jobs/schedule.py), at these times of day on Japan's clock; None:
    # not on the schedule. From the environment both are on unless SECRETARIAT_SCHEDULE=off; a Settings
    # built in code (tests, tools) leaves them off, so nothing acts on its store unasked
    expiry_at: time | None = None  # 期限切れ of every programme past its deadline and the post's grace
    reminders_at: time | None = None  # 督促状 of every programme whose reminder window is open

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
                   twilio_number=env.get("SECRETARIAT_TWILIO_NUMBER", ""), interpreter_numbers=interpreters,
                   twilio_api_key_sid=env.get("SECRETARIAT_TWILIO_API_KEY_SID", ""),
                   twilio_api_key_secret=env.get("SECRETARIAT_TWILIO_API_KEY_SECRET", ""),
                   twilio_twiml_app_sid=env.get("SECRETARIAT_TWILIO_TWIML_APP_SID", ""),
                   escalation_number=env.get("SECRETARIAT_ESCALATION_NUMBER", ""),
                   queue_fallback_s=_positive(env, "SECRETARIAT_QUEUE_FALLBACK_S", cls.queue_fallback_s),
                   callback_offer_wait_s=_positive(env, "SECRETARIAT_CALLBACK_OFFER_WAIT_S", cls.callback_offer_wait_s),
                   trusted_proxies=_parse_proxies(env.get("SECRETARIAT_TRUSTED_PROXIES", "")),
                   scan_max_pixels=_positive(env, "SECRETARIAT_SCAN_MAX_PIXELS", cls.scan_max_pixels),
                   scan_max_side=_positive(env, "SECRETARIAT_SCAN_MAX_SIDE", cls.scan_max_side),
                   scan_max_pages=_positive(env, "SECRETARIAT_SCAN_MAX_PAGES", cls.scan_max_pages),
                   upload_max_bytes=_positive(env, "SECRETARIAT_UPLOAD_MAX_BYTES", cls.upload_max_bytes),
                   row_max_chars=_positive(env, "SECRETARIAT_ROW_MAX_CHARS", cls.row_max_chars),
                   header_max_columns=_positive(env, "SECRETARIAT_HEADER_MAX_COLUMNS", cls.header_max_columns),
                   **_schedule_times(env))


DEFAULT_EXPIRY_AT = "05:30"
DEFAULT_REMINDERS_AT = "06:00"


def _schedule_times(env: dict[str, str]) -> dict[str, time | None]:
    """SECRETARIAT_EXPIRY_AT / SECRETARIAT_REMINDERS_AT: `HH:MM` (JST) or `off`;
    SECRETARIAT_SCHEDULE=off turns every periodic job off."""
    switch = env.get("SECRETARIAT_SCHEDULE", "on").strip().lower()
    if switch not in ("on", "off"):
        raise ValueError(f"SECRETARIAT_SCHEDULE: {switch!r} is neither on nor off")
    if switch == "off":
        return dict(expiry_at=None, reminders_at=None)
    return dict(expiry_at=_time_of_day(env, "SECRETARIAT_EXPIRY_AT", DEFAULT_EXPIRY_AT),
                reminders_at=_time_of_day(env, "SECRETARIAT_REMINDERS_AT", DEFAULT_REMINDERS_AT))


def _time_of_day(env: dict[str, str], name: str, default: str) -> time | None:
    value = env.get(name, "").strip() or default
    if value.lower() == "off":
        return None
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not a time of day (HH:MM) nor off") from None


def _parse_proxies(value: str) -> tuple[str, ...]:
    """`10.0.0.5, 10.1.0.0/16` → ("10.0.0.5", "10.1.0.0/16"); anything that is not an address or a
    network is refused at start rather than silently never matching."""
    entries = tuple(entry.strip() for entry in value.split(",") if entry.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"SECRETARIAT_TRUSTED_PROXIES: {entry!r} is not an IP address or network") from None
    return entries


def _positive(env: dict[str, str], name: str, default: int) -> int:
    """A whole number above zero (`40000000` or `40_000_000`), or `default` when unset; anything
    else is refused at start rather than read as no limit."""
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise ValueError(f"{name}: {value!r} is not a whole number above zero")
    return number


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
        import secrets  # here: every command reads the settings, and only a fresh install makes a key

        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()
