"""Settings are read from the environment, fail fast, and never show secrets."""

from __future__ import annotations

import logging

import pytest

from config import ConfigError, Secret, SecretURL, load, node_urls


def test_every_url_has_a_working_local_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("POSTGRES_URL", "MYSQL_URL", "MONGO_URL", "REDIS_URL", "RABBITMQ_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = load()
    assert settings.postgres_url.reveal().startswith("postgresql://")
    assert settings.mysql_url.reveal().startswith("mysql://")
    assert settings.mongo_url.reveal().startswith("mongodb://")
    assert settings.redis_url.reveal().startswith("redis://")
    assert settings.rabbitmq_url.reveal().startswith("amqp://")
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


def test_the_export_ttl_defaults_to_a_day_and_must_be_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXPORT_TTL_SECONDS", raising=False)
    assert load().export_ttl_seconds == 86400
    monkeypatch.setenv("EXPORT_TTL_SECONDS", "120")
    assert load().export_ttl_seconds == 120
    for bad in ("0", "-5", "a day"):
        monkeypatch.setenv("EXPORT_TTL_SECONDS", bad)
        with pytest.raises(ConfigError, match="EXPORT_TTL_SECONDS"):
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


def test_a_secret_prints_a_mask_however_it_is_formatted() -> None:
    secret = Secret("s3cr3t-value-that-must-not-leak")
    percent = "%s %r" % (secret, secret)  # noqa: UP031 - the formatting a log line does
    shown = [str(secret), repr(secret), f"{secret}", f"{secret!r}", percent]
    assert all("s3cr3t" not in text for text in shown)
    assert str(secret) == "**********"
    assert repr(secret) == "Secret('**********')"


def test_a_secret_logged_with_percent_s_shows_the_mask(caplog: pytest.LogCaptureFixture) -> None:
    logging.getLogger("tests.config").warning("key is %s", Secret("s3cr3t-value-that-must-not-leak"))
    assert caplog.messages == ["key is **********"]


def test_a_secret_is_read_through_reveal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "s3cr3t-value-that-must-not-leak")
    monkeypatch.setenv("TMDB_API_KEY", "tmdb-key")
    settings = load()
    assert settings.secret_key.reveal() == "s3cr3t-value-that-must-not-leak"
    assert settings.tmdb_api_key.reveal() == "tmdb-key"
    assert not isinstance(settings.secret_key, str)


def test_an_unset_secret_is_empty_and_false(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMDB_API_KEY", raising=False)
    settings = load()
    assert settings.tmdb_api_key.reveal() == ""
    assert not settings.tmdb_api_key
    assert Secret("x") and Secret("x") == Secret("x") and Secret("x") != Secret("y")


def test_a_connection_url_prints_its_password_masked_however_it_is_formatted(caplog: pytest.LogCaptureFixture) -> None:
    url = SecretURL("postgresql://app:hunter2@db:5432/movieverse")
    percent = "%s %r" % (url, url)  # noqa: UP031 - the formatting a log line does
    shown = [str(url), repr(url), f"{url}", f"{url!r}", percent]
    assert all("hunter2" not in text for text in shown)
    assert str(url) == "postgresql://app:****@db:5432/movieverse"
    logging.getLogger("tests.config").warning("connecting to %s", url)
    assert caplog.messages == ["connecting to postgresql://app:****@db:5432/movieverse"]
    assert url.reveal() == "postgresql://app:hunter2@db:5432/movieverse" and not isinstance(url, str)


def test_cors_origins_are_star_or_bare_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load().cors_origins == ("*",)
    monkeypatch.setenv("CORS_ORIGINS", "https://app.example/, http://127.0.0.1:3000,*")
    assert load().cors_origins == ("https://app.example", "http://127.0.0.1:3000", "*")
    for bad in ("app.example", "https://app.example/path", "ftp://app.example", "https://app.example?x=1"):
        monkeypatch.setenv("CORS_ORIGINS", bad)
        with pytest.raises(ConfigError, match="CORS_ORIGINS"):
            load()


def test_queues_are_quorum_unless_the_setting_says_classic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RABBITMQ_QUEUE_TYPE", raising=False)
    assert load().rabbitmq_queue_type == "quorum"
    monkeypatch.setenv("RABBITMQ_QUEUE_TYPE", "Classic")
    assert load().rabbitmq_queue_type == "classic"
    monkeypatch.setenv("RABBITMQ_QUEUE_TYPE", "mirrored")
    with pytest.raises(ConfigError, match="RABBITMQ_QUEUE_TYPE must be quorum or classic"):
        load()


def test_a_cluster_url_names_each_node_with_the_same_login_and_vhost() -> None:
    assert node_urls("amqp://u:p@a:5672/v") == ["amqp://u:p@a:5672/v"]
    assert node_urls("amqp://u:p@a:5672,b:5673,c/v?heartbeat=5") == [
        "amqp://u:p@a:5672/v?heartbeat=5", "amqp://u:p@b:5673/v?heartbeat=5", "amqp://u:p@c/v?heartbeat=5"]
    assert node_urls(" amqp://u:p@a/v; amqp://w:q@b:1/x\n") == ["amqp://u:p@a/v", "amqp://w:q@b:1/x"]
