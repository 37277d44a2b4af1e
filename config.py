"""Settings: every connection string and knob, read once from the environment."""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


class Secret(str):
    """A string that never shows itself in a repr or a log line."""

    def __repr__(self) -> str:
        return "Secret('**********')"


def redact(url: str) -> str:
    """The URL with its password replaced by stars."""
    url = str(url)
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":****@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class SecretURL(str):
    """A connection URL whose repr hides the password."""

    def __repr__(self) -> str:
        return f"SecretURL({redact(self)!r})"


ROOT = Path(__file__).resolve().parent
KEY_FILE = ROOT / ".data" / "secret_key"


def _get(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _int(name: str, default: int) -> int:
    raw = _get(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = _get(name, str(default))
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = _get(name, "1" if default else "0").strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean, got {raw!r}")


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

    env: str = "development"
    postgres_url: SecretURL = SecretURL("postgresql://movieverse:movieverse@127.0.0.1:5432/movieverse")
    mysql_url: SecretURL = SecretURL("mysql://movieverse:movieverse@127.0.0.1:3306/movieverse")
    mongo_url: SecretURL = SecretURL("mongodb://127.0.0.1:27017/movieverse")
    mongo_url_given: bool = False
    redis_url: SecretURL = SecretURL("redis://127.0.0.1:6379/0")
    rabbitmq_url: SecretURL = SecretURL("amqp://guest:guest@127.0.0.1:5672/movieverse")
    firebase_database_url: str = "http://127.0.0.1:9000?ns=movieverse"
    firebase_credentials: str = ""
    smtp_url: SecretURL = SecretURL("smtp://127.0.0.1:1025")
    mail_from: str = "MovieVerse <no-reply@movieverse.local>"
    public_url: str = "http://127.0.0.1:8000"
    secret_key: Secret = field(default=Secret(""))
    token_ttl_seconds: int = 3600
    reset_token_ttl_seconds: int = 3600
    host: str = "127.0.0.1"
    port: int = 8000
    web_concurrency: int = 2
    worker_processes: int = 1
    worker_threads: int = 4
    request_max_size: int = 1024 * 1024
    result_wait_seconds: float = 1.5
    list_wait_seconds: float = 0.25
    cache_ttl_seconds: int = 300
    result_ttl_seconds: int = 600
    local_cache_size: int = 4096
    search_memory_limit: int = 2_000_000
    login_attempts: int = 5
    login_attempts_per_address: int = 20
    login_window_seconds: int = 300
    trust_forwarded: bool = False
    reset_attempts_per_address: int = 10
    reset_attempts_per_email: int = 3
    reset_window_seconds: int = 3600
    rate_limit_reads: int = 600
    rate_limit_writes: int = 60
    rate_limit_window_seconds: int = 60
    purge_second_pass_seconds: float = 30.0
    tmdb_api_url: str = "https://api.themoviedb.org/3"
    tmdb_api_key: Secret = field(default=Secret(""))
    tmdb_concurrency: int = 4
    log_level: str = "INFO"

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))
        return f"Settings({shown})"

    @property
    def production(self) -> bool:
        """Whether this process runs with production safeguards."""
        return self.env == "production"


def load() -> Settings:
    """Read the settings from the environment, failing fast on a bad value."""
    env = _get("MOVIEVERSE_ENV", "development")
    defaults = Settings()
    secret = _get("SECRET_KEY", "")
    if not secret:
        if env == "production":
            raise ConfigError("SECRET_KEY is required when MOVIEVERSE_ENV=production")
        secret = install_key(Path(_get("SECRET_KEY_FILE", str(KEY_FILE))))
    if env == "production" and len(secret) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters in production")
    settings = Settings(
        env=env,
        postgres_url=SecretURL(_get("POSTGRES_URL", defaults.postgres_url)),
        mysql_url=SecretURL(_get("MYSQL_URL", defaults.mysql_url)),
        mongo_url=SecretURL(_get("MONGO_URL", defaults.mongo_url)),
        mongo_url_given=bool(os.environ.get("MONGO_URL")),
        redis_url=SecretURL(_get("REDIS_URL", defaults.redis_url)),
        rabbitmq_url=SecretURL(_get("RABBITMQ_URL", defaults.rabbitmq_url)),
        firebase_database_url=_get("FIREBASE_DATABASE_URL", defaults.firebase_database_url),
        firebase_credentials=_get("FIREBASE_CREDENTIALS", ""),
        smtp_url=SecretURL(_get("SMTP_URL", defaults.smtp_url)),
        mail_from=_get("MAIL_FROM", defaults.mail_from),
        public_url=_get("PUBLIC_URL", defaults.public_url).rstrip("/"),
        secret_key=Secret(secret),
        token_ttl_seconds=_int("TOKEN_TTL_SECONDS", defaults.token_ttl_seconds),
        reset_token_ttl_seconds=_int("RESET_TOKEN_TTL_SECONDS", defaults.reset_token_ttl_seconds),
        host=_get("HOST", defaults.host),
        port=_int("PORT", defaults.port),
        web_concurrency=_int("WEB_CONCURRENCY", defaults.web_concurrency),
        worker_processes=_int("WORKER_PROCESSES", defaults.worker_processes),
        worker_threads=_int("WORKER_THREADS", defaults.worker_threads),
        request_max_size=_int("REQUEST_MAX_SIZE", defaults.request_max_size),
        result_wait_seconds=_float("RESULT_WAIT_SECONDS", defaults.result_wait_seconds),
        list_wait_seconds=_float("LIST_WAIT_SECONDS", defaults.list_wait_seconds),
        cache_ttl_seconds=_int("CACHE_TTL_SECONDS", defaults.cache_ttl_seconds),
        result_ttl_seconds=_int("RESULT_TTL_SECONDS", defaults.result_ttl_seconds),
        local_cache_size=_int("LOCAL_CACHE_SIZE", defaults.local_cache_size),
        search_memory_limit=_int("SEARCH_MEMORY_LIMIT", defaults.search_memory_limit),
        login_attempts=_int("LOGIN_ATTEMPTS", defaults.login_attempts),
        login_attempts_per_address=_int("LOGIN_ATTEMPTS_PER_ADDRESS", defaults.login_attempts_per_address),
        login_window_seconds=_int("LOGIN_WINDOW_SECONDS", defaults.login_window_seconds),
        trust_forwarded=_bool("TRUST_FORWARDED", defaults.trust_forwarded),
        reset_attempts_per_address=_int("RESET_ATTEMPTS_PER_ADDRESS", defaults.reset_attempts_per_address),
        reset_attempts_per_email=_int("RESET_ATTEMPTS_PER_EMAIL", defaults.reset_attempts_per_email),
        reset_window_seconds=_int("RESET_WINDOW_SECONDS", defaults.reset_window_seconds),
        rate_limit_reads=_int("RATE_LIMIT_READS", defaults.rate_limit_reads),
        rate_limit_writes=_int("RATE_LIMIT_WRITES", defaults.rate_limit_writes),
        rate_limit_window_seconds=_int("RATE_LIMIT_WINDOW_SECONDS", defaults.rate_limit_window_seconds),
        purge_second_pass_seconds=_float("PURGE_SECOND_PASS_SECONDS", defaults.purge_second_pass_seconds),
        tmdb_api_url=_get("TMDB_API_URL", defaults.tmdb_api_url).rstrip("/"),
        tmdb_api_key=Secret(_get("TMDB_API_KEY", "")),
        tmdb_concurrency=_int("TMDB_CONCURRENCY", defaults.tmdb_concurrency),
        log_level=_get("LOG_LEVEL", defaults.log_level).upper(),
    )
    for name in ("postgres_url", "mysql_url", "mongo_url", "redis_url", "rabbitmq_url"):
        if "://" not in getattr(settings, name):
            raise ConfigError(f"{name.upper()} must be a URL")
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load()
