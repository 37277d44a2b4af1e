"""The Redis client: a cluster by REDIS_CLUSTER or a redis+cluster:// URL, and namespaces by prefix on one."""

from __future__ import annotations

from dataclasses import replace

import pytest
from redis.asyncio import Redis, RedisCluster

from cache import client
from config import ConfigError, SecretURL, Settings, load


def with_redis(settings: Settings, url: str, cluster: bool = False, prefix: str = "") -> Settings:
    return replace(settings, redis_url=SecretURL(url), redis_cluster=cluster, redis_prefix=prefix)


async def test_a_cluster_url_or_the_cluster_flag_builds_the_cluster_client(settings: Settings) -> None:
    for chosen in (with_redis(settings, "redis+cluster://127.0.0.1:7000"),
                   with_redis(settings, "redis://127.0.0.1:7000", cluster=True)):
        made = client.connect(chosen)
        assert isinstance(made, RedisCluster) and client.is_cluster(made) and client.database(made) == 0
        assert client.server_url(chosen) == "redis://127.0.0.1:7000"
        await made.aclose()
    single = client.connect(with_redis(settings, "redis://127.0.0.1:6379/3"))
    assert isinstance(single, Redis) and not client.is_cluster(single) and client.database(single) == 3
    await single.aclose()


def test_a_namespace_is_a_database_on_one_redis_and_a_prefix_on_a_cluster(settings: Settings) -> None:
    assert client.separate(with_redis(settings, "redis://127.0.0.1:6379/1"))
    assert not client.separate(with_redis(settings, "redis://127.0.0.1:6379/0"))
    assert not client.separate(with_redis(settings, "redis://127.0.0.1:6379"))
    assert not client.separate(with_redis(settings, "redis+cluster://127.0.0.1:7000"))
    assert client.separate(with_redis(settings, "redis+cluster://127.0.0.1:7000", prefix="test:"))


def test_the_prefix_must_be_a_short_plain_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PREFIX", "h5")
    assert load().redis_prefix == "h5:"
    for bad in ("a{b}", "a:b", "x" * 33, "sp ace"):
        monkeypatch.setenv("REDIS_PREFIX", bad)
        with pytest.raises(ConfigError, match="REDIS_PREFIX"):
            load()
    monkeypatch.setenv("REDIS_CLUSTER", "maybe")
    monkeypatch.delenv("REDIS_PREFIX")
    with pytest.raises(ConfigError, match="REDIS_CLUSTER"):
        load()
