"""Settings: every connection string and knob, read once from the environment.

Each setting is declared once, as a field of `Settings`: its environment variable, its local
default and the parser of the variable's text, side by side. A variable that is unset or empty
leaves the default.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

T = TypeVar("T")


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


class Secret:
    """A value that never shows itself: str(), repr(), `%s` and f-strings print a mask; reveal() reads it."""

    __slots__ = ("_value",)
    MASK = "**********"

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value itself, for the one call that needs it."""
        return self._value

    def __str__(self) -> str:
        return self.MASK

    def __repr__(self) -> str:
        return f"Secret({self.MASK!r})"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)


def redact(url: str) -> str:
    """The URL with its password replaced by stars."""
    url = str(url)
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":****@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class SecretURL(Secret):
    """A connection URL: str(), repr(), `%s` and f-strings print it with its password masked; reveal() reads it."""

    __slots__ = ()

    def __str__(self) -> str:
        return redact(self._value)

    def __repr__(self) -> str:
        return f"SecretURL({redact(self._value)!r})"


def node_urls(url: str) -> list[str]:
    """One URL per node of a URL naming a cluster: URLs separated by `;` (or spaces), or one URL with several
    `host:port` separated by commas (`amqp://user:pass@a:5672,b:5672/vhost`)."""
    urls = []
    for one in re.split(r"[;\s]+", url.strip()):
        parts = urlsplit(one)
        login, at, hosts = parts.netloc.rpartition("@")
        urls += [urlunsplit(parts._replace(netloc=f"{login}{at}{host}")) for host in hosts.split(",")]
    return urls


ROOT = Path(__file__).resolve().parent
KEY_FILE = ROOT / ".data" / "secret_key"


# Parsers: the value of a variable's text (`name` is the variable, for the error message).

def _text(name: str, raw: str) -> str:
    return raw


def _integer(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _positive(name: str, raw: str) -> int:
    value = _integer(name, raw)
    if value < 1:
        raise ConfigError(f"{name} must be a positive whole number of seconds, got {raw!r}")
    return value


def _number(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _flag(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in {"1", "true", "yes", "on"}:
        return True
    if word in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean, got {word!r}")


def _service_url(name: str, raw: str) -> SecretURL:
    if "://" not in raw:
        raise ConfigError(f"{name} must be a URL")
    return SecretURL(raw)


# MongoDB's write concern that waits for most of a replica set's voting members (a lone server: itself).
MAJORITY: str | int = "majority"


def _write_concern(name: str, raw: str) -> str | int:
    word = raw.strip().lower()
    if word == MAJORITY:
        return MAJORITY
    if re.fullmatch(r"[0-9]+", word) and int(word) >= 1:
        return int(word)
    raise ConfigError(f"{name} must be majority or the number of nodes that acknowledge a write (1 or more; "
                      f"0, unacknowledged writes, is refused), got {raw!r}")


def _secret_url(name: str, raw: str) -> SecretURL:
    return SecretURL(raw)


def _base_url(name: str, raw: str) -> str:
    return raw.rstrip("/")


def _origins(name: str, raw: str) -> tuple[str, ...]:
    origins = tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())
    for origin in origins:
        parts = urlsplit(origin)
        if origin != "*" and (parts.scheme not in ("http", "https") or not parts.netloc or parts.path
                              or parts.query or parts.fragment):
            raise ConfigError(f"{name} must be * or origins such as https://app.example, comma-separated; "
                              f"got {origin!r}")
    return origins


def _prefix(name: str, raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", raw):
        raise ConfigError(f"{name} must be 1 to 32 letters, digits, '-' or '_', got {raw!r}")
    return f"{raw}:"


QUEUE_TYPES = ("quorum", "classic")  # what RABBITMQ_QUEUE_TYPE may name


def _queue_type(name: str, raw: str) -> str:
    word = raw.strip().lower()
    if word not in QUEUE_TYPES:
        raise ConfigError(f"{name} must be quorum or classic, got {raw!r}")
    return word


def _upper(name: str, raw: str) -> str:
    return raw.upper()


def _secret(name: str, raw: str) -> Secret:
    return Secret(raw)


def _given(name: str, raw: str) -> bool:
    return True


def setting(variable: str, default: T, parse: Callable[[str, str], T]) -> T:
    """A field of `Settings`: read from `variable` by `parse`, `default` when the variable is unset or empty."""
    return field(default=default, metadata={"variable": variable, "parse": parse})


def _read(spec: Field[Any]) -> Any:
    variable = spec.metadata["variable"]
    raw = os.environ.get(variable)
    if raw is None or raw == "":
        return spec.default
    return spec.metadata["parse"](variable, raw)


def install_key(path: Path) -> str:
    """This install's development key: read from `path`, or created there once, atomically, owner-only.

    The key is written to a private temporary file and hard-linked into place, so processes that
    start together never see a half-written key: the first link wins and every process reads it.
    """
    with contextlib.suppress(FileNotFoundError):
        return _read_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable key; delete it to have a new one made")
    return key


@dataclass(frozen=True)
class Settings:
    """The whole configuration of one MovieVerse process."""

    env: str = setting("MOVIEVERSE_ENV", "development", _text)
    postgres_url: SecretURL = setting(
        "POSTGRES_URL", SecretURL("postgresql://movieverse:movieverse@127.0.0.1:5432/movieverse"), _service_url)
    mysql_url: SecretURL = setting(
        "MYSQL_URL", SecretURL("mysql://movieverse:movieverse@127.0.0.1:3306/movieverse"), _service_url)
    mongo_url: SecretURL = setting("MONGO_URL", SecretURL("mongodb://127.0.0.1:27017/movieverse"), _service_url)
    mongo_url_given: bool = setting("MONGO_URL", False, _given)  # whether MONGO_URL names a server
    # Acknowledgement every MongoDB write waits for; it wins over a `w=` in MONGO_URL (stores/mongo).
    mongo_write_concern: str | int = setting("MONGO_WRITE_CONCERN", MAJORITY, _write_concern)
    redis_url: SecretURL = setting("REDIS_URL", SecretURL("redis://127.0.0.1:6379/0"), _service_url)
    # A Redis Cluster: REDIS_CLUSTER=true, or a `redis+cluster://` (`rediss+cluster://`) REDIS_URL naming one node.
    redis_cluster: bool = setting("REDIS_CLUSTER", False, _flag)
    # Put before every Redis key and channel: namespaces that share a cluster (database 0 only) keep apart by it.
    redis_prefix: str = setting("REDIS_PREFIX", "", _prefix)
    rabbitmq_url: SecretURL = setting(
        "RABBITMQ_URL", SecretURL("amqp://guest:guest@127.0.0.1:5672/movieverse"), _service_url)
    # What new queues are declared as: quorum (replicated over the cluster's nodes) or classic (one node's).
    rabbitmq_queue_type: str = setting("RABBITMQ_QUEUE_TYPE", "quorum", _queue_type)
    firebase_database_url: str = setting("FIREBASE_DATABASE_URL", "http://127.0.0.1:9000?ns=movieverse", _text)
    firebase_credentials: str = setting("FIREBASE_CREDENTIALS", "", _text)
    smtp_url: SecretURL = setting("SMTP_URL", SecretURL("smtp://127.0.0.1:1025"), _secret_url)
    mail_from: str = setting("MAIL_FROM", "MovieVerse <no-reply@movieverse.local>", _text)
    public_url: str = setting("PUBLIC_URL", "http://127.0.0.1:8000", _base_url)
    # Required in production; elsewhere, when unset, this install's key (load()).
    secret_key: Secret = setting("SECRET_KEY", Secret(""), _secret)
    token_ttl_seconds: int = setting("TOKEN_TTL_SECONDS", 3600, _integer)
    reset_token_ttl_seconds: int = setting("RESET_TOKEN_TTL_SECONDS", 3600, _integer)
    host: str = setting("HOST", "127.0.0.1", _text)
    port: int = setting("PORT", 8000, _integer)
    web_concurrency: int = setting("WEB_CONCURRENCY", 2, _integer)
    worker_processes: int = setting("WORKER_PROCESSES", 1, _integer)
    worker_threads: int = setting("WORKER_THREADS", 4, _integer)
    request_max_size: int = setting("REQUEST_MAX_SIZE", 1024 * 1024, _integer)
    result_wait_seconds: float = setting("RESULT_WAIT_SECONDS", 1.5, _number)
    list_wait_seconds: float = setting("LIST_WAIT_SECONDS", 0.25, _number)
    cache_ttl_seconds: int = setting("CACHE_TTL_SECONDS", 300, _integer)
    result_ttl_seconds: int = setting("RESULT_TTL_SECONDS", 600, _integer)
    local_cache_size: int = setting("LOCAL_CACHE_SIZE", 4096, _integer)
    search_memory_limit: int = setting("SEARCH_MEMORY_LIMIT", 2_000_000, _integer)
    login_attempts: int = setting("LOGIN_ATTEMPTS", 5, _integer)
    login_attempts_per_address: int = setting("LOGIN_ATTEMPTS_PER_ADDRESS", 20, _integer)
    login_window_seconds: int = setting("LOGIN_WINDOW_SECONDS", 300, _integer)
    trust_forwarded: bool = setting("TRUST_FORWARDED", False, _flag)
    reset_attempts_per_address: int = setting("RESET_ATTEMPTS_PER_ADDRESS", 10, _integer)
    reset_attempts_per_email: int = setting("RESET_ATTEMPTS_PER_EMAIL", 3, _integer)
    reset_window_seconds: int = setting("RESET_WINDOW_SECONDS", 3600, _integer)
    rate_limit_reads: int = setting("RATE_LIMIT_READS", 600, _integer)
    rate_limit_writes: int = setting("RATE_LIMIT_WRITES", 60, _integer)
    rate_limit_window_seconds: int = setting("RATE_LIMIT_WINDOW_SECONDS", 60, _integer)
    # How long an export's files are kept for download (Redis), from the moment the export is done.
    export_ttl_seconds: int = setting("EXPORT_TTL_SECONDS", 86400, _positive)
    purge_second_pass_seconds: float = setting("PURGE_SECOND_PASS_SECONDS", 30.0, _number)
    tmdb_api_url: str = setting("TMDB_API_URL", "https://api.themoviedb.org/3", _base_url)
    tmdb_api_key: Secret = setting("TMDB_API_KEY", Secret(""), _secret)
    tmdb_concurrency: int = setting("TMDB_CONCURRENCY", 4, _integer)
    log_level: str = setting("LOG_LEVEL", "INFO", _upper)
    # `*`: any page may read the anonymous GETs; listed origins may also send tokens (front/cors.py).
    cors_origins: tuple[str, ...] = setting("CORS_ORIGINS", ("*",), _origins)

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))
        return f"Settings({shown})"

    @property
    def production(self) -> bool:
        """Whether this process runs with production safeguards."""
        return self.env == "production"


def load() -> Settings:
    """Read the settings from the environment, failing fast on a bad value."""
    settings = Settings(**{spec.name: _read(spec) for spec in fields(Settings)})
    key = settings.secret_key.reveal()
    if not key:
        if settings.production:
            raise ConfigError("SECRET_KEY is required when MOVIEVERSE_ENV=production")
        key = install_key(Path(os.environ.get("SECRET_KEY_FILE") or KEY_FILE))
    if settings.production and len(key) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters in production")
    return replace(settings, secret_key=Secret(key))


def read_setting(name: str) -> Any:
    """One setting, read from the environment alone: for a module constant that is fixed at import."""
    return _read(next(spec for spec in fields(Settings) if spec.name == name))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load()
