"""Make every dependency reachable: `python -m dev.services ensure|stop|status [--env dev|test|bench]`.

For each configured URL on this machine that does not answer, the local service is started
(installed from Debian's packages first if it is missing); then the databases, users and
vhost the URLs name are created. First the documentation pages' Swagger UI and ReDoc are installed with
npm when they are missing (front/uiassets.py) and, for the tests, Debian's chromium and chromium-driver
(the browser tests drive them). With no MONGO_URL the MongoDB stand-in is started, with
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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from config import Secret, Settings, load, node_urls
from dev import probes, testenv
from dev.processes import BIN, DATA, LOGS, ROOT, alive, locked, recorded, remember, say, settle, spawn, stop_all
from dev.processes import stop_entry as stop_recorded
from front import uiassets

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


# How each service is started. A system daemon's starter returns the command that stops it (recorded
# here); a process of ours is recorded by spawn() and its starter returns its pid.
Started = int | list[str]


def start_postgres(name: str, host: str, port: int) -> Started:
    """The newest PostgreSQL cluster installed."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    cluster = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
    run(*cluster, "start")
    return [*cluster, "stop"]


def start_mariadb(name: str, host: str, port: int) -> Started:
    """The MariaDB server, as its init script would."""
    Path("/run/mysqld").mkdir(parents=True, exist_ok=True)
    shutil.chown("/run/mysqld", "mysql", "mysql")
    run("start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd")
    return ["mariadb-admin", "-uroot", "shutdown"]


def start_redis(name: str, host: str, port: int) -> Started:
    """A Redis that keeps nothing on disk."""
    run("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", str(port),
        "--save", "", "--appendonly", "no")
    return ["redis-cli", "-p", str(port), "shutdown", "nosave"]


def start_rabbitmq(name: str, host: str, port: int) -> Started:
    """The RabbitMQ node, detached."""
    run("rabbitmq-server", "-detached")
    return ["rabbitmqctl", "stop"]


def mongo_command(host: str, port: int, storage: Path) -> list[str]:
    """The MongoDB stand-in's command line, keeping its files in `storage` (made if missing)."""
    storage.mkdir(parents=True, exist_ok=True)
    return [str(BIN / "secantusd-py"), "--host", host, "--port", str(port), "--storage-path", str(storage)]


def start_mongo(name: str, host: str, port: int) -> Started:
    """The MongoDB stand-in, keeping its files in the data folder's mongo/."""
    return spawn(name, mongo_command(host, port, DATA / "mongo"))


FIREBASE = ROOT / "dev" / "firebase"


def firebase_command(host: str, port: int) -> list[str]:
    """The Firebase emulator's command line, run in FIREBASE (installed with npm the first time)."""
    server = FIREBASE / "node_modules" / ".bin" / "firebase-server"
    if not server.exists():
        say("firebase", "installing the emulator with npm")
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=FIREBASE, check=True)
    return [str(server), "-e", "-p", str(port), "-a", host]


def start_firebase(name: str, host: str, port: int) -> Started:
    """The Firebase emulator."""
    return spawn(name, firebase_command(host, port), cwd=FIREBASE)


def smtp_command(host: str, port: int, folder: Path) -> list[str]:
    """The SMTP sink's command line, keeping every mail in `folder`."""
    return [sys.executable, "-m", "dev.mailsink", "--host", host, "--port", str(port), "--dir", str(folder)]


def start_smtp(name: str, host: str, port: int) -> Started:
    """A local SMTP sink that keeps every mail in the data folder's mail/."""
    return spawn(name, smtp_command(host, port, DATA / "mail"))


# What each service needs inside it: the databases, users and vhosts its URL names.

def _account(parts: SplitResult) -> tuple[str, str, str]:
    """The URL's user, password and database (movieverse when it names none)."""
    user, password = unquote(parts.username or "movieverse"), unquote(parts.password or "")
    return user, password, parts.path.lstrip("/") or "movieverse"


def prepare_postgres(parts: SplitResult, port: int, env: str) -> None:
    """The URL's role and database."""
    user, password, database = _account(parts)

    def psql(sql: str) -> str:
        return run("runuser", "-u", "postgres", "--", "psql", "-p", str(port), "-v", "ON_ERROR_STOP=1",
                   "-tAc", sql).stdout.strip()

    if not psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{user}'"):
        psql(f"CREATE ROLE \"{user}\" LOGIN PASSWORD '{password}'")
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):
        psql(f'CREATE DATABASE "{database}" OWNER "{user}"')
        say("postgres", f"created database {database}")


def prepare_mariadb(parts: SplitResult, port: int, env: str) -> None:
    """The URL's database, and its user from anywhere."""
    user, password, database = _account(parts)
    charset = "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    statements = [f"CREATE DATABASE IF NOT EXISTS `{database}` {charset}"]
    for where in ("localhost", "%"):
        statements.append(f"CREATE USER IF NOT EXISTS '{user}'@'{where}' IDENTIFIED BY '{password}'")
        statements.append(f"GRANT ALL ON `{database}`.* TO '{user}'@'{where}'")
    run("mariadb", "-uroot", "-e", "; ".join(statements))


def prepare_rabbitmq(parts: SplitResult, port: int, env: str) -> None:
    """The URL's vhost (and the fault tests' one, for the tests), with the user's permissions."""
    user = unquote(parts.username or "guest")
    own = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    extra = (testenv.faults_vhost(own),) if env == "test" else ()
    existing = run("rabbitmqctl", "-q", "list_vhosts").stdout.split()
    for vhost in (own, *extra):
        if vhost not in existing:
            run("rabbitmqctl", "add_vhost", vhost)
            run("rabbitmqctl", "set_permissions", "-p", vhost, user, ".*", ".*", ".*")
            say("rabbitmq", f"created vhost {vhost}")


# Why a service is not managed here, if it is not.

def remote(settings: Settings, env: str, host: str, port: int) -> str | None:
    """A service on another machine is that machine's business."""
    return None if host in LOCAL else f"remote at {host}:{port}; not managed here"


def remote_mongo(settings: Settings, env: str, host: str, port: int) -> str | None:
    """The stand-in runs unless MONGO_URL names a server of its own (in development), which must answer."""
    if not (settings.mongo_url_given and env == "dev") or host in LOCAL:
        return None
    if not probes.mongo(host, port):
        raise SystemExit(f"MONGO_URL names {host}:{port}, which does not answer")
    return f"remote at {host}:{port}; not managed here"


def real_firebase(settings: Settings, env: str, host: str, port: int) -> str | None:
    """The emulator runs unless a service account is configured."""
    return "real Firebase (service account); not managed here" if settings.firebase_credentials else None


@dataclass(frozen=True)
class Service:
    """One dependency `ensure` makes reachable, and how."""

    name: str  # in progress lines, the record and `status`
    what: str  # in error messages
    setting: str  # the field of Settings holding its URL
    port: int  # when its URL names none
    probe: probes.Probe  # a real request answered: what makes it "ok"
    start: Callable[[str, str, int], Started]
    seconds: float  # how long it may take to answer once started
    package: tuple[str, str] | None = None  # (binary, Debian package): installed first when the binary is missing
    booted: tuple[str, ...] = ()  # once it answers after a start, a command that waits for the rest of its boot
    prepare: Callable[[SplitResult, int, str], None] | None = None
    elsewhere: Callable[[Settings, str, str, int], str | None] = remote
    envs: tuple[str, ...] = ("dev", "test", "bench")
    per_port: bool = False  # recorded as NAME-PORT: the development and the test emulators run side by side


SERVICES = (
    Service("postgres", "PostgreSQL", "postgres_url", 5432, answers, start_postgres, 60,
            package=("pg_ctlcluster", "postgresql"), prepare=prepare_postgres),
    Service("mysql", "MariaDB", "mysql_url", 3306, answers, start_mariadb, 60,
            package=("mariadbd", "mariadb-server"), prepare=prepare_mariadb),
    Service("redis", "Redis", "redis_url", 6379, probes.redis, start_redis, 30,
            package=("redis-server", "redis-server")),
    Service("rabbitmq", "RabbitMQ", "rabbitmq_url", 5672, answers, start_rabbitmq, 120,
            package=("rabbitmq-server", "rabbitmq-server"), booted=("rabbitmqctl", "await_startup", "--timeout", "120"),
            prepare=prepare_rabbitmq),
    Service("mongo", "the MongoDB stand-in", "mongo_url", 27017, probes.mongo, start_mongo, 60,
            elsewhere=remote_mongo),
    Service("firebase", "the Firebase emulator", "firebase_database_url", 9000, probes.firebase, start_firebase, 30,
            elsewhere=real_firebase, per_port=True),
    Service("smtp", "the SMTP sink", "smtp_url", 1025, probes.smtp, start_smtp, 30, envs=("dev",)),
)


def _where(service: Service, settings: Settings) -> tuple[SplitResult, str, int]:
    url = getattr(settings, service.setting)
    parts = urlsplit(node_urls(url.reveal() if isinstance(url, Secret) else url)[0])  # a cluster: its first node
    return parts, parts.hostname or "127.0.0.1", parts.port or service.port


def ensure_service(service: Service, settings: Settings, env: str) -> None:
    """The service answering (started if it is down), with what its URL names created in it."""
    parts, host, port = _where(service, settings)
    reason = service.elsewhere(settings, env, host, port)
    if reason is not None:
        say(service.name, reason)
        return
    name = f"{service.name}-{port}" if service.per_port else service.name
    if service.probe(host, port):
        say(name, "ok (already running)")
    else:
        start_service(service, name, host, port)
    if service.prepare is not None:
        service.prepare(parts, port, env)


def start_service(service: Service, name: str, host: str, port: int) -> None:
    """Start the service, unless what holds its port answers after a wait.

    Something that accepts connections but does not answer (ours starting up, or a server shutting
    down) is waited for: until it answers, or until it is gone and its port closed.
    """
    entry = recorded(name)
    ours = entry is not None and alive(entry)
    deadline = time.monotonic() + 30
    while (ours or answers(host, port)) and time.monotonic() < deadline:
        if service.probe(host, port):
            say(name, "ok (already running; answered after a wait)")
            return
        if entry is not None and ours and not alive(entry):
            ours = False
        time.sleep(0.2)
    if ours and entry is not None:
        say(name, f"pid {entry['pid']} never answered; stopping it")
        stop_recorded(entry)
    if answers(host, port):
        raise SystemExit(f"{service.what} on {host}:{port} accepts connections but does not answer")
    if service.package is not None:
        apt_install(*service.package)
    started = service.start(name, host, port)
    if isinstance(started, list):
        remember({"name": name, "stop": started})
    wait_until(lambda: service.probe(host, port), service.seconds, service.what)
    if service.booted:
        run(*service.booted)
    say(name, "started" if isinstance(started, list) else f"started {service.what} (pid {started})")


def _settings(env: str) -> Settings:
    if env != "dev":
        testenv.apply(env)
    return load()


# What the browser tests drive (tests/front/test_browser.py): Debian's Chromium and its WebDriver (the driver's
# package first: it brings the browser along, so a fresh machine reads the package lists once).
BROWSER = (("chromedriver", "chromium-driver"), ("chromium", "chromium"))


def ensure_tools(env: str) -> None:
    """The documentation pages' Swagger UI and ReDoc (npm, pinned in front/docsui/package.json) and, for the
    tests, the headless browser."""
    if uiassets.missing():
        say("docs-ui", "installing Swagger UI and ReDoc with npm")
        try:
            if shutil.which("npm") is None:
                raise RuntimeError("npm is needed to install Swagger UI and ReDoc (apt-get install npm)")
            uiassets.install()
        except RuntimeError as error:
            if env == "test":  # the documentation tests need them
                raise SystemExit(str(error)) from None
            say("docs-ui", f"{error}; /docs and /redoc will say what is missing")
    if env == "test":
        for binary, package in BROWSER:
            apt_install(binary, package)


def ensure(env: str) -> None:
    """Bring up every dependency for the development, test or bench namespaces."""
    settings = _settings(env)
    with locked():
        settle()
        ensure_tools(env)
        for service in SERVICES:
            if env in service.envs:
                ensure_service(service, settings, env)


def stop() -> None:
    """Stop what `ensure` started, newest first, each for sure."""
    stop_all()


def status(env: str) -> None:
    """Print whether each dependency answers."""
    settings = _settings(env)
    for service in SERVICES:
        _, host, port = _where(service, settings)
        say(service.name, "up" if answers(host, port) else "down")


def main() -> int:
    """Parse the command line and act."""
    parser = argparse.ArgumentParser(prog="python -m dev.services")
    parser.add_argument("command", choices=("ensure", "stop", "status"))
    parser.add_argument("--env", choices=("dev", "test", "bench"), default="dev")
    args = parser.parse_args()
    if args.command == "ensure":
        ensure(args.env)
    elif args.command == "stop":
        stop()
    else:
        status(args.env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
