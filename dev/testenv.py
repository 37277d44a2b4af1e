"""The test namespaces: databases, Redis db, vhost and Firebase namespace that tests use."""

from __future__ import annotations

import os

# The Firebase emulator ignores `?ns=`, so tests get an emulator of their own on another port.
TEST_ENV = {
    "MOVIEVERSE_ENV": "test",
    "POSTGRES_URL": "postgresql://movieverse:movieverse@127.0.0.1:5432/movieverse_test",
    "MYSQL_URL": "mysql://movieverse:movieverse@127.0.0.1:3306/movieverse_test",
    "MONGO_URL": "mongodb://127.0.0.1:27017/movieverse_test",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672/movieverse_test",
    "FIREBASE_DATABASE_URL": "http://127.0.0.1:9001?ns=movieverse-test",
}


def faults_vhost(vhost: str) -> str:
    """The fault tests' RabbitMQ vhost: the test vhost's name with `_faults`, one no session worker serves
    (each test namespace, e.g. a second checkout's, has its own)."""
    return f"{vhost.strip('/') or 'movieverse_test'}_faults"


def faults_url(rabbitmq_url: str) -> str:
    """The test RabbitMQ URL with the fault tests' vhost."""
    base, _, vhost = rabbitmq_url.rpartition("/")
    return f"{base}/{faults_vhost(vhost)}"


# Benchmarks that write (bench/seed.py) get namespaces of their own, so they touch neither `make up` data nor tests.
BENCH_ENV = {
    "MOVIEVERSE_ENV": "test",
    "POSTGRES_URL": "postgresql://movieverse:movieverse@127.0.0.1:5432/movieverse_bench",
    "MYSQL_URL": "mysql://movieverse:movieverse@127.0.0.1:3306/movieverse_bench",
    "MONGO_URL": "mongodb://127.0.0.1:27017/movieverse_bench",
    "REDIS_URL": "redis://127.0.0.1:6379/2",
    "RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672/movieverse_bench",
    "FIREBASE_DATABASE_URL": "http://127.0.0.1:9002?ns=movieverse-bench",
}

ENVS = {"test": TEST_ENV, "bench": BENCH_ENV}


def apply(env: str = "test") -> None:
    """Point this process at the test (or bench) namespaces, unless the environment already chose others.

    A Redis Cluster has database 0 only: there the namespace is a key prefix, named after `env`."""
    for name, value in ENVS[env].items():
        os.environ.setdefault(name, value)
    cluster = os.environ.get("REDIS_CLUSTER", "").lower() in {"1", "true", "yes", "on"}
    if cluster or "+cluster://" in os.environ["REDIS_URL"]:
        os.environ.setdefault("REDIS_PREFIX", env)
