"""Settings are read from the environment, fail fast, and never show secrets."""

from __future__ import annotations

import pytest

from config import ConfigError, load


def test_every_url_has_a_working_local_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("POSTGRES_URL", "MYSQL_URL", "MONGO_URL", "REDIS_URL", "RABBITMQ_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = load()
    assert settings.postgres_url.startswith("postgresql://")
    assert settings.mysql_url.startswith("mysql://")
    assert settings.mongo_url.startswith("mongodb://")
    assert settings.redis_url.startswith("redis://")
    assert settings.rabbitmq_url.startswith("amqp://")
    assert settings.port == 8000
    assert settings.mongo_url_given is False


def test_environment_variables_override_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("MONGO_URL", "mongodb://db.example:27017/x")
    settings = load()
    assert (settings.port, settings.web_concurrency) == (9123, 3)
    assert settings.mongo_url_given is True


def test_a_malformed_number_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(ConfigError, match="PORT"):
        load()


def test_production_refuses_to_start_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOVIEVERSE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load()


def test_secrets_and_passwords_never_appear_in_the_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "s3cr3t-value-that-must-not-leak")
    monkeypatch.setenv("POSTGRES_URL", "postgresql://app:hunter2@db:5432/movieverse")
    text = repr(load())
    assert "s3cr3t-value-that-must-not-leak" not in text
    assert "hunter2" not in text
    assert "postgresql://app:****@db:5432/movieverse" in text
