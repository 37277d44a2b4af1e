"""Shared fixtures: the test namespaces of every real service, a real web server and a real worker."""

from __future__ import annotations

import email
import email.message
import email.policy
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dev import testenv
from dev.processes import BIN, ROOT, Process, project_env
from tests.tmdb_fake import API_KEY, FakeTmdb

testenv.apply()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Every child process (web, workers) talks to a local TMDB-like server instead of the real one.
TMDB_PORT = free_port()
os.environ["TMDB_API_URL"] = f"http://127.0.0.1:{TMDB_PORT}/3"
os.environ["TMDB_API_KEY"] = API_KEY

from config import Settings, load  # noqa: E402
from stores import Stores  # noqa: E402
from stores.migrate import migrate  # noqa: E402


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    """Block until the URL answers at all."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# Tests and benchmarks raise the limits they do not test (tests/front/test_security.py tests them).
RAISED_LIMITS = {"RATE_LIMIT_READS": "1000000", "RATE_LIMIT_WRITES": "1000000", "LOGIN_ATTEMPTS_PER_ADDRESS": "100000",
                 "RESET_ATTEMPTS_PER_ADDRESS": "100000", "RESET_ATTEMPTS_PER_EMAIL": "1000",
                 "PURGE_SECOND_PASS_SECONDS": "2"}


def child_env(**overrides: str) -> dict[str, str]:
    """The environment for a child process: the test namespaces, raised limits, then overrides."""
    env = dict(os.environ)
    env.update(overrides)
    for name, value in RAISED_LIMITS.items():
        env.setdefault(name, value)
    return project_env(env)


def start_server(tmp: Path, **overrides: str) -> tuple[Process, str]:
    """A real `python -m front.server` on a free port; returns it and its base URL."""
    port = free_port()
    env = child_env(PORT=str(port), WEB_CONCURRENCY="1", PUBLIC_URL=f"http://127.0.0.1:{port}",
                    PROMETHEUS_MULTIPROC_DIR=str(tmp / f"metrics-{port}"), **overrides)
    proc = Process([sys.executable, "-m", "front.server"], env, tmp / f"web-{port}.log").start()
    base = f"http://127.0.0.1:{port}"
    wait_for_http(base + "/healthz")
    return proc, base


def start_worker(tmp: Path, name: str = "worker", queues: str = "interactive default bulk",
                 **overrides: str) -> Process:
    """A real Dramatiq worker process for the test namespaces."""
    args = [str(BIN / "dramatiq"), "actors", "--processes", "1", "--threads", "4",
            "--queues", *queues.split(), "--worker-shutdown-timeout", "4000"]
    return Process(args, child_env(**overrides), tmp / f"{name}.log").start()


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The test settings (test databases, Redis db 1, the test vhost)."""
    return load()


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's child processes write their logs."""
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
async def schema(settings: Settings) -> None:
    """The schemas of the test databases, applied once, and an empty test Redis database."""
    from cache import client

    assert client.separate(settings), "tests never use Redis database 0 (on a cluster: set REDIS_PREFIX)"
    client.clear_sync(settings)
    await migrate(settings)
    await forget_tmdb_films(settings)


async def forget_tmdb_films(settings: Settings) -> None:
    """Remove the films and people a TMDB sync test added (ids beyond every seeded one)."""
    from actors.tmdb import NEW_ID_BASE
    from stores import mongo

    db = await mongo.connect(settings)
    try:
        await db.movies.delete_many({"_id": {"$gt": NEW_ID_BASE}})
        await db.people.delete_many({"_id": {"$gt": NEW_ID_BASE}})
        await db.counters.delete_many({"_id": {"$in": ["movies", "people"]}})  # the sync's ids, not the feed's
    finally:
        await mongo.close(db)


class Mailbox:
    """A real SMTP server (aiosmtpd) on a free port, keeping every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.EmailMessage] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        """Keep the message."""
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def wait_for(self, to: str, subject: str, timeout: float = 20.0) -> email.message.EmailMessage:
        """The first message to that address whose subject contains the text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if to in str(message["To"]) and subject in str(message["Subject"]):
                    return message
            time.sleep(0.1)
        raise AssertionError(f"no mail to {to} about {subject!r}")


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """The SMTP server the session's worker sends mail to."""
    box = Mailbox()
    box.controller.start()
    yield box
    box.controller.stop()


@pytest.fixture(scope="session")
def worker(logs: Path, schema: None, mailbox: Mailbox) -> Iterator[Process]:
    """One real worker consuming every queue for the whole session."""
    proc = start_worker(logs, SMTP_URL=f"smtp://127.0.0.1:{mailbox.port}")
    yield proc
    proc.stop()


def announce_outside_writes(settings: Settings) -> None:
    """Tell the session's processes that the stores changed behind their back: what a test's stack with a
    Redis of its own wrote to the shared stores (reviews and the figures copied into films, say) was
    announced on that Redis only, so the session's caches and catalogue index never heard of it. As an
    operator would after such writes, drop every cached read and have every index load again."""
    import asyncio

    from cache import client, invalidate

    async def announce() -> None:
        redis = client.connect(settings)
        try:
            await invalidate.everything(redis)
        finally:
            await client.close(redis)

    asyncio.run(announce())


SEED = {"movies": 400, "users": 60, "reviews": 1500}
# A virtual host no session worker serves: tests start their own workers (or none) there.
FAULTS_VHOST = testenv.faults_url(os.environ["RABBITMQ_URL"])


def run_seed(env: dict[str, str] | None = None, timeout: float = 240, **sizes: int) -> str:
    """Run `python -m seeds` to completion with the given sizes; returns its output."""
    sizes = {**SEED, **sizes}
    args = [sys.executable, "-m", "seeds", *(f"--{k}={v}" for k, v in sizes.items()), f"--timeout={timeout}"]
    done = subprocess.run(args, cwd=ROOT, env=env or child_env(), capture_output=True, text=True,
                          timeout=timeout + 30)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def seeded(worker: Process) -> str:
    """The test stores filled by the real seed actors (400 films, 60 users, 1,500 reviews)."""
    return run_seed()


@pytest.fixture(scope="session")
def server(logs: Path, schema: None, worker: Process) -> Iterator[str]:
    """The base URL of a real web server for the whole session."""
    proc, base = start_server(logs)
    yield base
    proc.stop()


def account(http: httpx.Client, prefix: str = "u", password: str = "s3cret-pass") -> dict[str, Any]:
    """Register a fresh account and log in: its id, username, email, password and auth headers."""
    import uuid

    username = f"{prefix}_{uuid.uuid4().hex[:10]}"
    email_address = f"{username}@example.org"
    created = http.post("/api/users/", json={"username": username, "email": email_address, "password": password})
    assert created.status_code == 201, created.text
    token = http.post("/api/auth/token", json={"username": username, "password": password})
    assert token.status_code == 200, token.text
    return {"id": created.json()["id"], "username": username, "email": email_address, "password": password,
            "headers": {"Authorization": f"Bearer {token.json()['access_token']}"}}


@pytest.fixture(scope="session")
def http(server: str) -> Iterator[httpx.Client]:
    """An HTTP client on the session's web server."""
    with httpx.Client(base_url=server, timeout=30.0) as client:
        yield client


@pytest.fixture(scope="session")
def admin(http: httpx.Client, seeded: str) -> dict[str, str]:
    """Auth headers of the seeded administrator (user 1, demo password)."""
    from seeds.users import DEMO_PASSWORD

    token = http.post("/api/auth/token", json={"username": "admin", "password": DEMO_PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@pytest.fixture(scope="session")
async def stores(settings: Settings, schema: None) -> AsyncIterator[Stores]:
    """Direct connections to the test databases, for assertions."""
    bundle = Stores(settings)
    yield bundle
    await bundle.close()


@pytest.fixture(scope="session")
async def redis(settings: Settings) -> AsyncIterator[object]:
    """A Redis client on the test database."""
    from cache import client

    r = client.connect(settings)
    yield r
    await client.close(r)


@pytest.fixture(scope="session")
def fake_tmdb() -> Iterator[FakeTmdb]:
    """The TMDB-like server every process of the session is pointed at."""
    server = FakeTmdb(TMDB_PORT).start()
    yield server
    server.stop()
