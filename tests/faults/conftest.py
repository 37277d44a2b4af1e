"""Fixtures of the fault tests: a RabbitMQ node and a Redis of their own, and the Procfile's commands."""

from __future__ import annotations

import contextlib
import re
import shlex
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from config import Settings
from tests.conftest import BIN, ROOT, Process, announce_outside_writes, child_env, start_server, start_worker
from tests.faults.servers import ThrowawayRabbitMQ, ThrowawayRedis


@pytest.fixture(scope="session")
def rabbit() -> Iterator[ThrowawayRabbitMQ]:
    """A RabbitMQ node only the fault tests use (a test may stop it; it is started again after)."""
    node = ThrowawayRabbitMQ().start()
    yield node
    node.remove()


@pytest.fixture
def broker(rabbit: ThrowawayRabbitMQ) -> Iterator[ThrowawayRabbitMQ]:
    """The fault tests' RabbitMQ node, running when the test starts and again when it ends."""
    if rabbit.proc is None:
        rabbit.start()
    yield rabbit
    if rabbit.proc is None:
        rabbit.start()


@pytest.fixture
def own_redis() -> Iterator[ThrowawayRedis]:
    """A Redis of this test's own, so its caches never mix with the session's."""
    server = ThrowawayRedis().start()
    yield server
    server.remove()


def procfile(name: str, **variables: str) -> list[str]:
    """The command line of a Procfile entry, as honcho would run it (with ${VAR:-default} expanded)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        entry, _, command = line.partition(":")
        if entry.strip() == name:
            command = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: variables.get(m[1], m[2]), command)
            args = shlex.split(command)
            return [str(BIN / args[0]) if (BIN / args[0]).exists() else args[0], *args[1:]]
    raise KeyError(name)


def start_entry(logs: Path, name: str, label: str, **env: str) -> Process:
    """Start a Procfile entry with the test namespaces plus the given environment."""
    return Process(procfile(name), child_env(**env), logs / f"{label}.log").start()


def wait_until(check: Callable[[], object], timeout: float = 30.0, step: float = 0.1) -> object:
    """Poll until check() returns something truthy; that value, or AssertionError at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout} s (last value {value!r})")
        time.sleep(step)


@contextlib.contextmanager
def web_and_worker(logs: Path, label: str, settings: Settings, **env: str) -> Iterator[httpx.Client]:
    """A worker and a web process of the test's own on the given environment, and a client of the web; stopped
    after, and the session's processes told of the writes made outside them."""
    worker = start_worker(logs, f"{label}-worker", **env)
    web, base = start_server(logs, **env)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            yield client
    finally:
        web.stop()
        worker.stop()
        announce_outside_writes(settings)
