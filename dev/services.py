"""Make every dependency reachable: `python -m dev.services ensure|stop|status [--env dev|test|bench]`.

For each configured URL on this machine that does not answer, the local service is started
(installed from Debian's packages first if it is missing); then the databases, users and
vhost the URLs name are created. With no MONGO_URL the MongoDB stand-in is started, with
no FIREBASE_CREDENTIALS the Firebase emulator, and in development an SMTP sink; each counts as
up only once it answers a real request. What this command starts is recorded in the data
folder (`.data`, or `MOVIEVERSE_DATA`) under run/started.json; `stop` stops exactly that
(`dev.processes`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from dev import probes
from dev.processes import BIN, DATA, LOGS, ROOT, alive, locked, recorded, remember, say, settle, spawn, stop_all
from dev.processes import stop_entry as stop_recorded

LOCAL = {"127.0.0.1", "localhost", "::1", ""}
answers = probes.accepts


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll until the check passes, or fail with a clear message."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not come up within {seconds:.0f} s (see {LOGS})")
        time.sleep(0.2)


def run(*args: str, check: bool = True, quiet: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output."""
    return subprocess.run(args, check=check, text=True, capture_output=quiet)


def apt_install(binary: str, package: str) -> None:
    """Install a Debian package when its binary is missing."""
    if shutil.which(binary):
        return
    say(package, "installing from Debian's packages")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env)


def ensure_spawned(name: str, host: str, port: int, probe: probes.Probe, what: str,
                   start: Callable[[], int], seconds: float = 60) -> None:
    """A service this tool runs itself: reuse it only once it answers a real request, else start it.

    Something that accepts connections but does not answer (ours starting up, or a server shutting
    down) is waited for: until it answers, or until it is gone and its port closed.
    """
    if probe(host, port):
        say(name, "ok (already running)")
        return
    entry = recorded(name)
    ours = entry is not None and alive(entry)
    deadline = time.monotonic() + 30
    while (ours or answers(host, port)) and time.monotonic() < deadline:
        if probe(host, port):
            say(name, "ok (already running; answered after a wait)")
            return
        if entry is not None and ours and not alive(entry):
            ours = False
        time.sleep(0.2)
    if ours and entry is not None:
        say(name, f"pid {entry['pid']} never answered; stopping it")
        stop_recorded(entry)
    if answers(host, port):
        raise SystemExit(f"{what} on {host}:{port} accepts connections but does not answer")
    pid = start()
    wait_until(lambda: probe(host, port), seconds, what)
    say(name, f"started {what} (pid {pid})")


def ensure_postgres(url: str) -> None:
    """PostgreSQL up, with the URL's role and database."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 5432
    if host not in LOCAL:
        say("postgres", f"remote at {host}:{port}; not managed here")
        return
    if answers(host, port):
        say("postgres", "ok (already running)")
    else:
        apt_install("pg_ctlcluster", "postgresql")
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        run("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start")
        remember({"name": "postgres", "stop": ["pg_ctlcluster", "--skip-systemctl-redirect", version,
                                               "main", "stop"]})
        wait_until(lambda: answers(host, port), 60, "PostgreSQL")
        say("postgres", "started")
    user, password = unquote(parts.username or "movieverse"), unquote(parts.password or "")
    database = parts.path.lstrip("/") or "movieverse"

    def psql(sql: str) -> str:
        return run("runuser", "-u", "postgres", "--", "psql", "-p", str(port), "-v", "ON_ERROR_STOP=1",
                   "-tAc", sql).stdout.strip()

    if not psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{user}'"):
        psql(f"CREATE ROLE \"{user}\" LOGIN PASSWORD '{password}'")
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):
        psql(f'CREATE DATABASE "{database}" OWNER "{user}"')
        say("postgres", f"created database {database}")


def ensure_mariadb(url: str) -> None:
    """MariaDB up, with the URL's user and database."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 3306
    if host not in LOCAL:
        say("mysql", f"remote at {host}:{port}; not managed here")
        return
    if answers(host, port):
        say("mysql", "ok (already running)")
    else:
        apt_install("mariadbd", "mariadb-server")
        Path("/run/mysqld").mkdir(parents=True, exist_ok=True)
        shutil.chown("/run/mysqld", "mysql", "mysql")
        run("start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd")
        remember({"name": "mysql", "stop": ["mariadb-admin", "-uroot", "shutdown"]})
        wait_until(lambda: answers(host, port), 60, "MariaDB")
        say("mysql", "started")
    user, password = unquote(parts.username or "movieverse"), unquote(parts.password or "")
    database = parts.path.lstrip("/") or "movieverse"
    charset = "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    statements = [f"CREATE DATABASE IF NOT EXISTS `{database}` {charset}"]
    for where in ("localhost", "%"):
        statements.append(f"CREATE USER IF NOT EXISTS '{user}'@'{where}' IDENTIFIED BY '{password}'")
        statements.append(f"GRANT ALL ON `{database}`.* TO '{user}'@'{where}'")
    run("mariadb", "-uroot", "-e", "; ".join(statements))


def ensure_redis(url: str) -> None:
    """Redis up."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 6379
    if host not in LOCAL:
        say("redis", f"remote at {host}:{port}; not managed here")
        return
    if answers(host, port):
        wait_until(lambda: probes.redis(host, port), 30, "Redis")
        say("redis", "ok (already running)")
        return
    apt_install("redis-server", "redis-server")
    run("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", str(port),
        "--save", "", "--appendonly", "no")
    remember({"name": "redis", "stop": ["redis-cli", "-p", str(port), "shutdown", "nosave"]})
    wait_until(lambda: probes.redis(host, port), 30, "Redis")
    say("redis", "started")


def ensure_rabbitmq(url: str, extra_vhosts: tuple[str, ...] = ()) -> None:
    """RabbitMQ up, with the URL's vhost and permissions."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 5672
    if host not in LOCAL:
        say("rabbitmq", f"remote at {host}:{port}; not managed here")
        return
    if answers(host, port):
        say("rabbitmq", "ok (already running)")
    else:
        apt_install("rabbitmq-server", "rabbitmq-server")
        run("rabbitmq-server", "-detached")
        remember({"name": "rabbitmq", "stop": ["rabbitmqctl", "stop"]})
        wait_until(lambda: answers(host, port), 120, "RabbitMQ")
        run("rabbitmqctl", "await_startup", "--timeout", "120")
        say("rabbitmq", "started")
    user = unquote(parts.username or "guest")
    existing = run("rabbitmqctl", "-q", "list_vhosts").stdout.split()
    for vhost in (unquote(parts.path[1:]) if len(parts.path) > 1 else "/", *extra_vhosts):
        if vhost not in existing:
            run("rabbitmqctl", "add_vhost", vhost)
            run("rabbitmqctl", "set_permissions", "-p", vhost, user, ".*", ".*", ".*")
            say("rabbitmq", f"created vhost {vhost}")


def ensure_mongo(url: str, given: bool) -> None:
    """MongoDB reachable: the stand-in daemon when no MONGO_URL names a server of its own."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 27017
    if given and host not in LOCAL:
        if not probes.mongo(host, port):
            raise SystemExit(f"MONGO_URL names {host}:{port}, which does not answer")
        say("mongo", f"remote at {host}:{port}; not managed here")
        return
    storage = DATA / "mongo"

    def start() -> int:
        storage.mkdir(parents=True, exist_ok=True)
        return spawn("mongo", [str(BIN / "secantusd-py"), "--host", host or "127.0.0.1", "--port", str(port),
                               "--storage-path", str(storage)])

    ensure_spawned("mongo", host, port, probes.mongo, "the MongoDB stand-in", start)


def ensure_firebase(url: str, credentials: str) -> None:
    """Firebase reachable: the local emulator when no credentials are configured."""
    if credentials:
        say("firebase", "real Firebase (service account); not managed here")
        return
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 9000
    folder = ROOT / "dev" / "firebase"
    server = folder / "node_modules" / ".bin" / "firebase-server"

    def start() -> int:
        if not server.exists():
            say("firebase", "installing the emulator with npm")
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder,
                           check=True)
        return spawn(f"firebase-{port}", [str(server), "-e", "-p", str(port), "-a", host], cwd=folder)

    ensure_spawned(f"firebase-{port}", host, port, probes.firebase, "the Firebase emulator", start, 30)


def ensure_smtp(url: str) -> None:
    """A local SMTP sink that keeps every mail in the data folder's mail/."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 1025
    if host not in LOCAL:
        say("smtp", f"remote at {host}:{port}; not managed here")
        return

    def start() -> int:
        return spawn("smtp", [sys.executable, "-m", "dev.mailsink", "--host", host, "--port", str(port),
                              "--dir", str(DATA / "mail")])

    ensure_spawned("smtp", host, port, probes.smtp, "the SMTP sink", start, 30)


def ensure(env: str) -> None:
    """Bring up every dependency for the development or test namespaces."""
    if env != "dev":
        from dev import testenv

        testenv.apply(env)
    from config import load

    settings = load()
    with locked():
        settle()
        _ensure_all(settings, env)


def _ensure_all(settings: Any, env: str) -> None:
    ensure_postgres(str(settings.postgres_url))
    ensure_mariadb(str(settings.mysql_url))
    ensure_redis(str(settings.redis_url))
    from dev import testenv

    ensure_rabbitmq(str(settings.rabbitmq_url), testenv.EXTRA_VHOSTS if env == "test" else ())
    ensure_mongo(str(settings.mongo_url), settings.mongo_url_given and env == "dev")
    ensure_firebase(settings.firebase_database_url, settings.firebase_credentials)
    if env == "dev":
        ensure_smtp(str(settings.smtp_url))


def stop() -> None:
    """Stop what `ensure` started, newest first, each for sure."""
    stop_all()


def status(env: str) -> None:
    """Print whether each dependency answers."""
    if env != "dev":
        from dev import testenv

        testenv.apply(env)
    from config import load

    settings = load()
    for name, url in (("postgres", settings.postgres_url), ("mysql", settings.mysql_url),
                      ("redis", settings.redis_url), ("rabbitmq", settings.rabbitmq_url),
                      ("mongo", settings.mongo_url), ("firebase", settings.firebase_database_url),
                      ("smtp", settings.smtp_url)):
        parts = urlsplit(str(url))
        up = answers(parts.hostname or "127.0.0.1", parts.port or 0)
        say(name, "up" if up else "down")


def main() -> int:
    """Parse the command line and act."""
    parser = argparse.ArgumentParser(prog="python -m dev.services")
    parser.add_argument("command", choices=("ensure", "stop", "status"))
    parser.add_argument("--env", choices=("dev", "test", "bench"), default="dev")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.command == "ensure":
        ensure(args.env)
    elif args.command == "stop":
        stop()
    else:
        status(args.env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
