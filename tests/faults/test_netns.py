"""The web process and the workers on two hosts (network namespaces): search, reviews and mail go across.

The data services run on the web host, listening on its link address; the worker, the bulk worker and the
scheduler run on the workers host. Each host has its own data and temporary folders, and the two share
nothing but the settings a deployment would give both (README "Running on several machines").
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
import pytest
import redis as sync_redis

from cache import keys
from tests.conftest import Process, account, child_env, run_seed, wait_for_http
from tests.faults.conftest import procfile, wait_until
from tests.faults.hosts import Host, Network, NetworkMariaDB, ThrowawayFirebase, ThrowawayMailSink, ThrowawayMongo
from tests.faults.servers import Throwaway, ThrowawayPostgres, ThrowawayRabbitMQ, ThrowawayRedis
from tests.front.test_export_import import finished

PORT = 8000  # the web host is a namespace of its own: nothing else listens there
EXPORT_TTL = 600  # the web host's; the workers host keeps the default (a day)
T = TypeVar("T", bound=Throwaway)


@dataclass
class Deployment:
    """The running deployment: the hosts, the web's base URL, the mail sink and every process by name."""

    network: Network
    base: str
    mail: ThrowawayMailSink
    redis_url: str
    processes: dict[str, Process]


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    """The two hosts (the test is skipped, with the reason, where namespaces cannot be made)."""
    made = Network.make_or_skip(tmp_path_factory.mktemp("hosts"))
    yield made
    made.remove()


def host_env(host: Host, shared: dict[str, str], **own: str) -> dict[str, str]:
    """A host's environment: the shared settings, then its own folders and settings; no loopback address."""
    env = child_env(**shared, MOVIEVERSE_DATA=str(host.folder / "data"), TMPDIR=str(host.folder / "tmp"),
                    SECRET_KEY_FILE=str(host.folder / "secret_key"), **own)
    loopback = sorted(name for name, value in env.items() if "127.0.0.1" in value or "localhost" in value)
    assert not loopback, f"settings naming this machine's loopback: {loopback}"
    return env


@pytest.fixture(scope="module")
def deployment(network: Network, logs: Path) -> Iterator[Deployment]:
    """The data services on the web host, the schemas and a small seed, the workers and the web running."""
    web, workers = network.web, network.workers
    with contextlib.ExitStack() as stack:

        def own(server: T) -> T:
            stack.callback(server.remove)
            return server

        where = (web.address, web.netns)
        redis, rabbit, pg = own(ThrowawayRedis(*where)), own(ThrowawayRabbitMQ(*where)), own(ThrowawayPostgres(*where))
        my, mongo, firebase = own(NetworkMariaDB(*where)), own(ThrowawayMongo(*where)), own(ThrowawayFirebase(*where))
        mail = own(ThrowawayMailSink(*where))
        with ThreadPoolExecutor(7) as pool:
            list(pool.map(lambda server: server.start(), (redis, rabbit, pg, my, mongo, firebase, mail)))
        base = f"http://{web.address}:{PORT}"
        shared = {
            "MOVIEVERSE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48), "PUBLIC_URL": base,
            "POSTGRES_URL": pg.url(), "MYSQL_URL": my.url(), "MONGO_URL": mongo.url("movieverse"),
            "REDIS_URL": redis.url(), "RABBITMQ_URL": rabbit.url(), "FIREBASE_DATABASE_URL": firebase.url("movieverse"),
            "SMTP_URL": mail.url(), "TMDB_API_URL": "", "TMDB_API_KEY": "", "PYTHONUNBUFFERED": "1",
        }
        workers_env = host_env(workers, shared, WORKER_THREADS="2")
        web_env = host_env(web, shared, HOST=web.address, PORT=str(PORT), WEB_CONCURRENCY="1",
                           PROMETHEUS_MULTIPROC_DIR=str(web.folder / "metrics"), EXPORT_TTL_SECONDS=str(EXPORT_TTL))
        migrated = workers.run([sys.executable, "-m", "stores.migrate"], workers_env)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr

        processes = {}
        for name in ("worker", "bulk", "scheduler"):
            processes[name] = workers.start(procfile(name), workers_env, logs / f"netns-{name}.log")
            stack.callback(processes[name].stop)
        processes["web"] = web.start([sys.executable, "-m", "front.server"], web_env, logs / "netns-web.log")
        stack.callback(processes["web"].stop)
        wait_for_http(f"{base}/healthz", timeout=60)
        # The seed command is an operator's, run here; its actors run on the workers host.
        run_seed(workers_env, timeout=150, movies=300, users=20, reviews=300)
        yield Deployment(network, base, mail, redis.url(), processes)


@pytest.fixture
def client(deployment: Deployment) -> Iterator[httpx.Client]:
    """An HTTP client of the web host, from this (a third) host."""
    with httpx.Client(base_url=deployment.base, timeout=30) as http:
        yield http


def netns_of(pid: int) -> str:
    """The network namespace a process runs in."""
    return os.readlink(f"/proc/{pid}/ns/net")


def test_the_web_and_the_workers_run_on_hosts_of_their_own(deployment: Deployment) -> None:
    spaces = {name: netns_of(proc.proc.pid) for name, proc in deployment.processes.items() if proc.proc}
    assert len(spaces) == 4
    assert spaces["worker"] == spaces["bulk"] == spaces["scheduler"] != spaces["web"]
    assert netns_of(os.getpid()) not in spaces.values()
    web, workers = deployment.network.web, deployment.network.workers
    machine_redis = urlsplit(os.environ["REDIS_URL"]).port or 6379
    assert not workers.reaches("127.0.0.1", machine_redis), "the workers host reaches this machine's Redis"
    assert not web.reaches("127.0.0.1", machine_redis), "the web host reaches this machine's Redis"
    assert workers.reaches(web.address, PORT), "the workers host cannot reach the web host at all"


def test_a_search_is_answered_by_the_worker_on_the_other_host(client: httpx.Client) -> None:
    movie = client.get("/api/movies/?sort=-votes&page_size=1").json()["results"][0]
    word = max(movie["title"].split(), key=len)
    url = f"/api/search/?q={word}&type=movie"
    first = client.get(url)
    assert first.status_code in (200, 202), first.text
    if first.status_code == 202:  # no answer within the web's wait: the job's record holds it once done
        assert movie["id"] in [hit["id"] for hit in finished(client, {"headers": {}}, first)["results"]]
    answer = client.get(url)
    assert answer.status_code == 200, answer.text
    assert movie["id"] in [hit["id"] for hit in answer.json()["results"]]


def test_a_reviews_follow_up_runs_on_the_workers_host(client: httpx.Client, deployment: Deployment) -> None:
    user = account(client, "netns")
    movie = client.get("/api/movies/?sort=-votes&page_size=1").json()["results"][0]["id"]
    before = client.get(f"/api/movies/{movie}/").json()["user_rating"]["count"]
    written = client.post("/api/reviews/", headers=user["headers"],
                          json={"movie_id": movie, "rating": 8, "body": "Reviewed on one host, counted on another."})
    assert written.status_code == 201, written.text
    # The worker recounts the film's reviews and tells the web host's cache that the film changed.
    wait_until(lambda: client.get(f"/api/movies/{movie}/").json()["user_rating"]["count"] == before + 1,
               timeout=60, step=0.5)


def test_mail_from_the_workers_host_names_the_public_url_and_works_on_the_web(
    client: httpx.Client, deployment: Deployment
) -> None:
    user = account(client, "netmail")
    assert user["username"] in deployment.mail.wait_for(user["email"], "Welcome").get_content()
    assert client.post("/api/auth/password-reset", json={"email": user["email"]}).status_code == 202
    text = deployment.mail.wait_for(user["email"], "Reset").get_content()
    link = re.search(r"(\S+)\?token=([\w-]+)", text)
    assert link is not None, text
    assert link[1] == f"{deployment.base}/api/auth/password-reset/confirm"
    confirmed = client.post("/api/auth/password-reset/confirm", json={"token": link[2], "password": "across hosts 1"})
    assert confirmed.status_code == 200, confirmed.text
    login = client.post("/api/auth/token", json={"username": user["username"], "password": "across hosts 1"})
    assert login.status_code == 200, login.text



def test_an_export_lasts_as_long_as_the_web_host_says(client: httpx.Client, deployment: Deployment) -> None:
    user = account(client, "netexport")
    started = client.post("/api/users/me/export/", headers=user["headers"])
    assert finished(client, user, started)["expires_in"] == EXPORT_TTL
    job_id = started.json()["job_id"]
    got = client.get(f"/api/users/me/export/{job_id}/movieverse.json", headers=user["headers"])
    assert got.status_code == 200, got.text
    cache = sync_redis.Redis.from_url(deployment.redis_url)
    export_id = cache.get(keys.export_job(user["id"], job_id))
    assert export_id is not None
    assert 0 < cache.ttl(keys.export_files(user["id"], export_id.decode())) <= EXPORT_TTL
