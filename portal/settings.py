"""The one reader of the environment.

Everything else receives a `Settings` (or single values from it) as an argument. A missing or
malformed value raises `ConfigError` whose message names the variable and what it expects; the
CLI prints that one line and exits.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from starlette.config import Config, EnvironError
from starlette.datastructures import Secret

VAR_DIR = Path(os.environ.get("CRENEAU_VAR_DIR", "var"))


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class RateLimit:
    count: int  # 0 turns the limit off
    period_seconds: int

    @classmethod
    def parse(cls, name: str, raw: str) -> RateLimit:
        raw = raw.strip()
        if raw == "0":
            return cls(0, 1)
        match = re.fullmatch(r"(\d+)\s*/\s*(second|minute|hour)", raw)
        if not match:
            raise ConfigError(f"{name}: expected 'N/second', 'N/minute', 'N/hour' or '0', got {raw!r}")
        period = {"second": 1, "minute": 60, "hour": 3600}[match.group(2)]
        return cls(int(match.group(1)), period)


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: Secret
    base_url: str
    email_backend: str = "file"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: Secret = Secret("")
    smtp_tls: str = "starttls"
    mail_from: str = "Créneau <no-reply@localhost>"
    # The SMTP server offers SMTPUTF8: addresses with an accented mailbox name can be sent to.
    smtp_utf8: bool = False
    dkim_domain: str = ""
    dkim_selector: str = ""
    dkim_private_key: Secret = Secret("")  # the PEM read from DKIM_PRIVATE_KEY_FILE
    sms_backend: str = "file"
    vonage_api_key: str = ""
    vonage_api_secret: Secret = Secret("")
    vonage_signature_secret: Secret = Secret("")
    vonage_from: str = "Creneau"
    vonage_rest_host: str = ""
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: Secret = Secret("")
    oidc_provider_name: str = ""  # shown as "Se connecter avec …"; the issuer's host when empty
    booking_rate_limit: RateLimit = field(default_factory=lambda: RateLimit(20, 3600))
    var_dir: Path = VAR_DIR
    frame_ancestors: str = "'self'"
    # Behind a reverse proxy: uvicorn reads the client IP from X-Forwarded-For, trusting only the
    # proxies in FORWARDED_ALLOW_IPS (uvicorn's own setting, default 127.0.0.1).
    trust_forwarded_for: bool = False
    # Run the outbox worker and calendar sync inside `creneau serve`: default on SQLite only.
    inline_workers: bool | None = None
    # uvicorn's access log (a line per request, secret paths redacted): off by default, it cost a
    # cheap request a fifth of its CPU; the reverse proxy in front usually logs requests anyway.
    access_log: bool = False
    # Larger request bodies answer 413 before they are read (a booking is under 2 KiB).
    max_request_bytes: int = 64 * 1024
    # External calendars on loopback, private or link-local addresses (refused by default: a
    # calendar address must not reach the server's own network).
    calendar_allow_internal: bool = False
    # Privacy centre: how long a one-time link (and the session it opens) lasts, and the throttles
    # of link requests (per address, per client IP).
    privacy_link_minutes: int = 30
    privacy_link_rate_limit: RateLimit = field(default_factory=lambda: RateLimit(3, 3600))
    privacy_ip_rate_limit: RateLimit = field(default_factory=lambda: RateLimit(20, 3600))
    # Retention: message files under var/outbox/ (the file backends) are deleted after this many days.
    outbox_file_days: int = 7
    # The privacy notice's processors, per deployment (who hosts, who sends SMS and e-mail).
    privacy_hosting: str = ""
    privacy_sms_provider: str = ""
    privacy_email_relay: str = ""
    # Back-office sessions end after this long without a request, and this long after sign-in.
    admin_session_idle_minutes: int = 30
    admin_session_absolute_hours: int = 12

    @property
    def run_inline_workers(self) -> bool:
        return self.is_sqlite if self.inline_workers is None else self.inline_workers

    @property
    def utf8_mailboxes(self) -> bool:
        """Whether an address like zoé@exemple.fr can be sent to (files and memory always can)."""
        return self.email_backend != "smtp" or self.smtp_utf8

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"


def _choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    if raw not in choices:
        raise ConfigError(f"{name}: expected one of {', '.join(choices)}, got {raw!r}")
    return raw


def _database_url(raw: str) -> str:
    if raw.startswith("sqlite://"):
        return raw
    scheme = urlsplit(raw).scheme
    if scheme in ("postgres", "postgresql", "asyncpg"):
        return "postgres://" + raw.split("://", 1)[1]
    raise ConfigError(f"DATABASE_URL: expected 'sqlite://PATH' or 'postgres://user:pass@host:5432/db', got {raw!r}")


def _behind_pooler(database_url: str, pooler: str) -> str:
    """A pooler in transaction mode (PgBouncer) hands each transaction to any server connection:
    asyncpg's named prepared statements then vanish ("prepared statement … does not exist").
    Its statement cache off, asyncpg sends unnamed statements, which work there."""
    if pooler == "none":
        return database_url
    if not database_url.startswith("postgres://"):
        raise ConfigError("DATABASE_POOLER: 'transaction' needs a postgres:// DATABASE_URL (the pooler's address)")
    if "statement_cache_size=" in database_url:
        return database_url
    return database_url + ("&" if "?" in database_url else "?") + "statement_cache_size=0"


def _base_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"BASE_URL: expected an absolute http(s) URL, got {raw!r}")
    return raw.rstrip("/")


# CSP source expressions `frame-ancestors` takes: 'self', a scheme (`https:`), or a host with an
# optional scheme, `*.` wildcard, port and path. Anything else (a `;`, a quote, a line break) would
# change the header's meaning rather than the list of sites.
_CSP_SOURCE = re.compile(
    r"'self'|[a-z][a-z0-9+.-]*:"
    r"|(?:[a-z][a-z0-9+.-]*://)?(?:\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(?:[0-9]{1,5}|\*))?"
    r"(?:/[a-z0-9._~!$&()*+=:@%/-]*)?",
    re.IGNORECASE)
_HOST_PORT = re.compile(r"(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?", re.IGNORECASE)
# An SMS sender: up to 11 letters, digits or spaces, or a phone number of up to 15 digits.
_SMS_SENDER = re.compile(r"[A-Za-z0-9 ]{1,11}|\+?[0-9]{1,15}")


def _frame_ancestors(raw: str) -> str:
    sources = raw.split()
    if raw.split() == ["'none'"]:
        return raw
    if not sources or any(not _CSP_SOURCE.fullmatch(source) for source in sources) or raw != raw.strip(" ") \
            or any(character in raw for character in "\r\n\t"):
        raise ConfigError(f"FRAME_ANCESTORS: expected CSP sources separated by spaces, e.g. \"'self' "
                          f"https://www.cabinet.fr\" ('none' alone), got {raw!r}")
    return raw


def _vonage_rest_host(raw: str) -> str:
    if raw and not _HOST_PORT.fullmatch(raw):
        raise ConfigError(f"VONAGE_REST_HOST: expected a host name, with an optional port (no https://), got {raw!r}")
    return raw


def _vonage_from(raw: str) -> str:
    if not _SMS_SENDER.fullmatch(raw):
        raise ConfigError(f"VONAGE_FROM: expected at most 11 letters, digits or spaces, or a number of at most 15 "
                          f"digits, got {raw!r}")
    return raw


def _port(config: Config, name: str, default: int) -> int:
    value = _int(config, name, default)
    if not 1 <= value <= 65535:
        raise ConfigError(f"{name}: expected a port between 1 and 65535, got {value}")
    return value


def _var_dir(config: Config) -> Path:
    """Created when something is first written there (the generated secret, SQLite, file outbox)."""
    var_dir = Path(config("CRENEAU_VAR_DIR", default=str(VAR_DIR)))
    if var_dir.exists() and not var_dir.is_dir():
        raise ConfigError(f"CRENEAU_VAR_DIR: {str(var_dir)!r} is not a directory")
    return var_dir


def _secret_key(config: Config, var_dir: Path) -> Secret:
    """SECRET_KEY from the environment, else generated once into var/secret_key."""
    value = config("SECRET_KEY", default="")
    if value:
        if len(value) < 32:
            raise ConfigError("SECRET_KEY: expected at least 32 characters")
        return Secret(value)
    path = var_dir / "secret_key"
    try:
        if not path.exists():
            var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return Secret(path.read_text().strip())
    except OSError as exc:
        raise ConfigError(f"CRENEAU_VAR_DIR: cannot write the generated secret key to {str(path)!r} "
                          f"({exc.strerror}); set SECRET_KEY or a writable CRENEAU_VAR_DIR") from None


def _int(config: Config, name: str, default: int) -> int:
    try:
        return config(name, cast=int, default=default)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number") from None


def _max_request_bytes(config: Config) -> int:
    value = _int(config, "MAX_REQUEST_BYTES", 64 * 1024)
    if not 4096 <= value <= 16 * 1024 * 1024:
        raise ConfigError(f"MAX_REQUEST_BYTES: expected a number of bytes between 4096 and 16777216, got {value}")
    return value


def _bounded(config: Config, name: str, default: int, low: int, high: int) -> int:
    value = _int(config, name, default)
    if not low <= value <= high:
        raise ConfigError(f"{name}: expected a whole number between {low} and {high}, got {value}")
    return value


def _bool(config: Config, name: str, default: bool | None) -> bool | None:
    raw = config(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}: expected true or false, got {raw!r}")


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | None = ".env") -> Settings:
    """Read and validate every setting. `environ` defaults to the process environment."""
    env = dict(os.environ if environ is None else environ)
    env_path = env_file if env_file and Path(env_file).is_file() else None
    config = Config(env_path, environ=env)
    try:
        return _build(config, env)
    except EnvironError as exc:  # pragma: no cover - starlette's own message names the variable
        raise ConfigError(str(exc)) from None


def _build(config: Config, env: Mapping[str, str]) -> Settings:
    var_dir = _var_dir(config)
    email_backend = _choice("EMAIL_BACKEND", config("EMAIL_BACKEND", default="file"), ("smtp", "file", "memory"))
    sms_backend = _choice("SMS_BACKEND", config("SMS_BACKEND", default="file"), ("vonage", "file", "memory"))
    settings = Settings(
        database_url=_behind_pooler(
            _database_url(config("DATABASE_URL", default=f"sqlite://{var_dir}/creneau.sqlite3")),
            _choice("DATABASE_POOLER", config("DATABASE_POOLER", default="none"), ("none", "transaction")),
        ),
        secret_key=_secret_key(config, var_dir),
        base_url=_base_url(config("BASE_URL", default="http://127.0.0.1:8000")),
        email_backend=email_backend,
        smtp_host=config("SMTP_HOST", default=""),
        smtp_port=_port(config, "SMTP_PORT", 25),
        smtp_username=config("SMTP_USERNAME", default=""),
        smtp_password=Secret(config("SMTP_PASSWORD", default="")),
        smtp_tls=_choice("SMTP_TLS", config("SMTP_TLS", default="starttls"), ("starttls", "tls", "none")),
        mail_from=config("MAIL_FROM", default="" if email_backend == "smtp" else "Créneau <no-reply@localhost>"),
        smtp_utf8=bool(_bool(config, "SMTP_UTF8", False)),
        dkim_domain=config("DKIM_DOMAIN", default="").strip(),
        dkim_selector=config("DKIM_SELECTOR", default="").strip(),
        dkim_private_key=_dkim_key(config),
        sms_backend=sms_backend,
        vonage_api_key=config("VONAGE_API_KEY", default=""),
        vonage_api_secret=Secret(config("VONAGE_API_SECRET", default="")),
        vonage_signature_secret=Secret(config("VONAGE_SIGNATURE_SECRET", default="")),
        vonage_from=_vonage_from(config("VONAGE_FROM", default="Creneau")),
        vonage_rest_host=_vonage_rest_host(config("VONAGE_REST_HOST", default="").strip()),
        oidc_issuer=config("OIDC_ISSUER", default=""),
        oidc_client_id=config("OIDC_CLIENT_ID", default=""),
        oidc_client_secret=Secret(config("OIDC_CLIENT_SECRET", default="")),
        oidc_provider_name=config("OIDC_PROVIDER_NAME", default="")[:60],
        booking_rate_limit=RateLimit.parse("BOOKING_RATE_LIMIT", config("BOOKING_RATE_LIMIT", default="20/hour")),
        var_dir=var_dir,
        frame_ancestors=_frame_ancestors(config("FRAME_ANCESTORS", default="'self'")),
        trust_forwarded_for=bool(_bool(config, "TRUST_FORWARDED_FOR", False)),
        inline_workers=_bool(config, "INLINE_WORKERS", None),
        access_log=bool(_bool(config, "ACCESS_LOG", False)),
        max_request_bytes=_max_request_bytes(config),
        calendar_allow_internal=bool(_bool(config, "CALENDAR_ALLOW_INTERNAL", False)),
        privacy_link_minutes=_bounded(config, "PRIVACY_LINK_MINUTES", 30, 5, 24 * 60),
        privacy_link_rate_limit=RateLimit.parse("PRIVACY_LINK_RATE_LIMIT",
                                                config("PRIVACY_LINK_RATE_LIMIT", default="3/hour")),
        privacy_ip_rate_limit=RateLimit.parse("PRIVACY_IP_RATE_LIMIT", config("PRIVACY_IP_RATE_LIMIT", default="20/hour")),
        outbox_file_days=_bounded(config, "OUTBOX_FILE_DAYS", 7, 0, 3650),
        privacy_hosting=config("PRIVACY_HOSTING", default=""),
        privacy_sms_provider=config("PRIVACY_SMS_PROVIDER", default=""),
        privacy_email_relay=config("PRIVACY_EMAIL_RELAY", default=""),
        admin_session_idle_minutes=_bounded(config, "ADMIN_SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
        admin_session_absolute_hours=_bounded(config, "ADMIN_SESSION_ABSOLUTE_HOURS", 12, 1, 7 * 24),
    )
    _require_backend_settings(settings)
    return settings


def _dkim_key(config: Config) -> Secret:
    path = config("DKIM_PRIVATE_KEY_FILE", default="").strip()
    if not path:
        return Secret("")
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConfigError(f"DKIM_PRIVATE_KEY_FILE: cannot read {path!r} ({exc.strerror})") from None
    if "PRIVATE KEY-----" not in text:
        raise ConfigError(f"DKIM_PRIVATE_KEY_FILE: expected a PEM private key in {path!r}")
    return Secret(text)


def _mail_from_address(raw: str) -> str:
    _, address = parseaddr(raw)
    return address if "@" in address and not address.endswith("@localhost") else ""


def _require_backend_settings(settings: Settings) -> None:
    if settings.email_backend == "smtp" and not settings.smtp_host:
        raise ConfigError("SMTP_HOST: required when EMAIL_BACKEND=smtp")
    if settings.email_backend == "smtp" and not _mail_from_address(settings.mail_from):
        raise ConfigError("MAIL_FROM: required when EMAIL_BACKEND=smtp, e.g. 'Cabinet des Lilas <rdv@cabinet-des-lilas.fr>' "
                          "(an address of a domain you send for, not @localhost)")
    if settings.mail_from and "@" not in parseaddr(settings.mail_from)[1]:
        raise ConfigError(f"MAIL_FROM: expected an address, e.g. 'Cabinet des Lilas <rdv@cabinet-des-lilas.fr>', "
                          f"got {settings.mail_from!r}")
    dkim = (settings.dkim_domain, settings.dkim_selector, str(settings.dkim_private_key))
    if any(dkim) and not all(dkim):
        missing = [name for name, value in zip(("DKIM_DOMAIN", "DKIM_SELECTOR", "DKIM_PRIVATE_KEY_FILE"), dkim)
                   if not value]
        raise ConfigError(f"{missing[0]}: required with the other DKIM settings (DKIM_DOMAIN, DKIM_SELECTOR, "
                          "DKIM_PRIVATE_KEY_FILE)")
    if settings.sms_backend == "vonage":
        if not settings.vonage_api_key:
            raise ConfigError("VONAGE_API_KEY: required when SMS_BACKEND=vonage")
        if not str(settings.vonage_api_secret):
            raise ConfigError("VONAGE_API_SECRET: required when SMS_BACKEND=vonage")
    oidc = {"OIDC_ISSUER": settings.oidc_issuer, "OIDC_CLIENT_ID": settings.oidc_client_id,
            "OIDC_CLIENT_SECRET": str(settings.oidc_client_secret)}
    if any(oidc.values()):
        missing = [name for name, value in oidc.items() if not value]
        if missing:
            raise ConfigError(f"{missing[0]}: required when any OIDC_* setting is set")
        if urlsplit(settings.oidc_issuer).scheme not in ("http", "https"):
            raise ConfigError(f"OIDC_ISSUER: expected the provider's https URL, got {settings.oidc_issuer!r}")
