"""Throwaway servers on spare ports for the fault tests: stopped and started at will, never shared.

Each runs the machine's own server binary (redis-server, PostgreSQL, MariaDB, RabbitMQ) with
its data in a temporary directory, so a test can take it down and bring it back (with its
data) without touching the services everything else uses.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests.conftest import free_port

PG_BIN = Path("/usr/lib/postgresql")
LOOPBACK = "127.0.0.1"


def wait_for_port(port: int, timeout: float = 60.0, up: bool = True, host: str = LOOPBACK) -> None:
    """Wait until something listens on the port (or, with up=False, until nothing does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {host}:{port} did not go {'up' if up else 'down'} in {timeout} s")


def _as(user: str) -> list[str]:
    """The prefix that runs a command as the given system user when we are root."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", user, "--"]


class Throwaway:
    """A server process with its data in a temporary directory, listening on `host`; with `netns`, run in that
    network namespace (`ip netns exec`)."""

    name = "server"
    stop_signal = signal.SIGTERM

    def __init__(self, host: str = LOOPBACK, netns: str = "") -> None:
        self.host, self.netns = host, netns
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix=f"mv-fault-{self.name}-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def start(self) -> Throwaway:
        """Start the server and wait until it accepts connections."""
        log = (self.dir / "server.log").open("ab")
        prefix = ["ip", "netns", "exec", self.netns] if self.netns else []
        self.proc = subprocess.Popen([*prefix, *self.command()], stdout=log, stderr=subprocess.STDOUT,
                                     env=self.env(), cwd=self.dir, start_new_session=True)
        try:
            wait_for_port(self.port, host=self.host)
        except TimeoutError:
            self.stop()
            raise AssertionError(f"{self.name} did not start:\n" + self.log_tail()) from None
        return self

    def stop(self) -> None:
        """Stop the server (gracefully, then by force) and wait until its port is closed."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, self.stop_signal)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None
        wait_for_port(self.port, up=False, host=self.host)

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop the server and delete its data."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self) -> str:
        path = self.dir / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


class ThrowawayRedis(Throwaway):
    """redis-server with an append-only file, so what was cached survives a restart (open to its host's networks:
    no protected mode)."""

    name = "redis"

    def command(self) -> list[str]:
        return ["redis-server", "--port", str(self.port), "--bind", self.host, "--dir", str(self.dir),
                "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no"]

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def cluster_port() -> int:
    """A spare port for a cluster node: at most 55535, and its bus port (10000 above) spare too."""
    for _ in range(200):
        port = random.randint(20000, 55535)
        if _bindable(port) and _bindable(port + 10000):
            return port
    raise ClusterUnavailable("no spare port pair (p, p + 10000) for a cluster node")


class ClusterUnavailable(Exception):
    """A cluster (Redis or RabbitMQ) could not be started here (the reason is the message)."""


class ClusterNode(ThrowawayRedis):
    """One master of a throwaway Redis Cluster: cluster mode on, its node table in its own directory."""

    name = "redis-cluster"

    def __init__(self) -> None:
        super().__init__()
        self.port = cluster_port()

    def command(self) -> list[str]:
        return [*super().command(), "--cluster-enabled", "yes", "--cluster-config-file", str(self.dir / "nodes.conf"),
                "--cluster-node-timeout", "5000"]


class ThrowawayRedisCluster:
    """A Redis Cluster of three masters and no replicas on spare ports, made with `redis-cli --cluster create`."""

    def __init__(self, masters: int = 3) -> None:
        self.nodes = [ClusterNode() for _ in range(masters)]

    def start(self) -> ThrowawayRedisCluster:
        """Start every node, join them in one cluster and wait until all 16384 slots are served.

        Raises ClusterUnavailable, with the reason, when that cannot be done on this machine.
        """
        for program in ("redis-server", "redis-cli"):
            if shutil.which(program) is None:
                raise ClusterUnavailable(f"{program} is not installed")
        try:
            for node in self.nodes:
                node.start()
        except AssertionError as exc:
            self.remove()
            raise ClusterUnavailable(f"a cluster node did not start: {exc}") from None
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        made = subprocess.run(["redis-cli", "--cluster", "create", *addresses, "--cluster-replicas", "0",
                               "--cluster-yes"], capture_output=True, text=True, timeout=60)
        if made.returncode != 0:
            self.remove()
            raise ClusterUnavailable(f"redis-cli --cluster create failed: {(made.stdout + made.stderr)[-1500:]}")
        deadline = time.monotonic() + 30
        while not self.ready():
            if time.monotonic() > deadline:
                self.remove()
                raise ClusterUnavailable("the cluster did not report every slot served within 30 s")
            time.sleep(0.2)
        return self

    def ready(self) -> bool:
        """Whether every node says the cluster is up with every slot assigned."""
        for node in self.nodes:
            info = subprocess.run(["redis-cli", "-p", str(node.port), "cluster", "info"], capture_output=True,
                                  text=True, timeout=10).stdout
            if "cluster_state:ok" not in info or "cluster_slots_assigned:16384" not in info:
                return False
        return True

    def url(self) -> str:
        """A `redis+cluster://` URL naming the first node (the client finds the others)."""
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def remove(self) -> None:
        """Stop every node and delete its data."""
        for node in self.nodes:
            node.remove()


class ThrowawayPostgres(Throwaway):
    """A PostgreSQL cluster of its own (initdb), trust authentication from its host's networks."""

    name = "postgres"
    stop_signal = signal.SIGINT  # a fast shutdown: SIGTERM would wait for every client to leave

    def __init__(self, host: str = LOOPBACK, netns: str = "") -> None:
        super().__init__(host, netns)
        versions = sorted(PG_BIN.glob("*/bin/postgres"))
        assert versions, "no PostgreSQL server binaries found"
        self.bin = versions[-1].parent
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        subprocess.run([*_as("postgres"), str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-A", "trust",
                        "-U", "postgres", "--no-sync"], check=True, capture_output=True)
        with (self.dir / "data" / "pg_hba.conf").open("a") as rules:
            rules.write("host all all samenet trust\n")

    def command(self) -> list[str]:
        return [*_as("postgres"), str(self.bin / "postgres"), "-D", str(self.dir / "data"), "-p", str(self.port),
                "-k", str(self.dir), "-c", f"listen_addresses={self.host}", "-c", "fsync=off"]

    def url(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/postgres"


class ThrowawayMariaDB(Throwaway):
    """A MariaDB server of its own (mariadb-install-db), root with an empty password."""

    name = "mariadb"

    def __init__(self, host: str = LOOPBACK, netns: str = "") -> None:
        super().__init__(host, netns)
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.dir / 'data'}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True)

    def command(self) -> list[str]:
        return ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.dir / 'data'}", "--user=root",
                f"--port={self.port}", f"--bind-address={self.host}", f"--socket={self.dir / 'sock'}",
                f"--pid-file={self.dir / 'pid'}", "--skip-log-bin", "--innodb-buffer-pool-size=32M"]

    def url(self) -> str:
        return f"mysql://root@{self.host}:{self.port}/mysql"


class ThrowawayRabbitMQ(Throwaway):
    """A RabbitMQ node of its own (own node name, ports and Mnesia directory); guest may log in from anywhere."""

    name = "rabbitmq"

    def __init__(self, host: str = LOOPBACK, netns: str = "") -> None:
        super().__init__(host, netns)
        self.node = f"mvfault{self.port}@localhost"
        (self.dir / "enabled_plugins").write_text("[].\n")
        (self.dir / "rabbitmq.conf").write_text(f"listeners.tcp.1 = {self.host}:{self.port}\nloopback_users = none\n")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "rabbitmq", "rabbitmq")
            for path in self.dir.iterdir():
                shutil.chown(path, "rabbitmq", "rabbitmq")

    def env(self) -> dict[str, str]:
        d = self.dir
        env = dict(os.environ)
        env.update({
            "RABBITMQ_NODENAME": self.node, "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_CONFIG_FILE": str(d / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(d / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(d / "mnesia"), "RABBITMQ_LOG_BASE": str(d / "log"),
            "RABBITMQ_PID_FILE": str(d / "pid"), "RABBITMQ_FEATURE_FLAGS_FILE": str(d / "feature_flags"),
            "RABBITMQ_PLUGINS_EXPAND_DIR": str(d / "plugins-expand"), "RABBITMQ_QUORUM_DIR": str(d / "quorum"),
            "RABBITMQ_STREAM_DIR": str(d / "stream"),
        })
        return env

    def command(self) -> list[str]:
        return ["rabbitmq-server"]

    def stop(self) -> None:
        """Stop the node: the Erlang VM runs in a session of its own, so signal it by its pid file."""
        pid_file = self.dir / "pid"
        if self.proc is not None and pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                vm = int(pid_file.read_text().strip())
                os.killpg(os.getpgid(vm), signal.SIGTERM)
        super().stop()

    def url(self) -> str:
        return f"amqp://guest:guest@{self.host}:{self.port}/%2F"



class ThrowawayRabbitMQCluster:
    """Three RabbitMQ nodes of their own on one machine (own node names, ports and directories), joined in one
    cluster with `rabbitmqctl join_cluster`: quorum queues there keep a replica on every node."""

    def __init__(self, size: int = 3) -> None:
        self.nodes = [ThrowawayRabbitMQ() for _ in range(size)]

    def start(self) -> ThrowawayRabbitMQCluster:
        """Start every node and join the others to the first; ClusterUnavailable, with the reason, if that
        cannot be done on this machine."""
        if shutil.which("rabbitmq-server") is None or shutil.which("rabbitmqctl") is None:
            raise ClusterUnavailable("rabbitmq-server and rabbitmqctl are not installed")
        try:
            for node in self.nodes:
                node.start()
            first = self.nodes[0].node
            for node in self.nodes[1:]:
                for step in (["stop_app"], ["join_cluster", first], ["start_app"], ["await_startup"]):
                    self.ctl(node.node, *step)
            members = self.ctl(first, "cluster_status", "--formatter", "json")
        except (AssertionError, subprocess.SubprocessError) as exc:
            self.remove()
            raise ClusterUnavailable(f"the cluster did not form: {exc}") from None
        running = set(json.loads(members)["running_nodes"])
        if running != {node.node for node in self.nodes}:
            self.remove()
            raise ClusterUnavailable(f"only {sorted(running)} run in the cluster")
        return self

    @staticmethod
    def ctl(node: str, *args: str, timeout: float = 120) -> str:
        """`rabbitmqctl -n NODE ARGS`: its output, or CalledProcessError with what it printed."""
        done = subprocess.run(["rabbitmqctl", "-q", "-n", node, *args], capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode != 0:
            raise subprocess.CalledProcessError(done.returncode, done.args, done.stdout, done.stderr + done.stdout)
        return done.stdout

    def url(self) -> str:
        """RABBITMQ_URL naming every node, the first first."""
        return ";".join(node.url() for node in self.nodes)

    def queues(self, column: str) -> dict[str, str]:
        """One column of `rabbitmqctl list_queues` (type, leader, ...) per queue, as a running node tells."""
        alive = next(node for node in self.nodes if node.proc is not None)
        out = self.ctl(alive.node, "list_queues", "--no-table-headers", "name", column)
        return {name: value.strip() for name, value in (line.split("\t") for line in out.splitlines() if "\t" in line)}

    def leader(self, queue: str) -> ThrowawayRabbitMQ:
        """The node that holds a quorum queue's leader."""
        return next(node for node in self.nodes if node.node == self.queues("leader")[queue])

    def kill(self, node: ThrowawayRabbitMQ) -> None:
        """kill -9 the node's Erlang VM (no goodbye to its peers or clients), and reap it."""
        vm = int((node.dir / "pid").read_text().strip())
        os.kill(vm, signal.SIGKILL)
        if node.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                node.proc.wait(timeout=30)
        node.proc = None
        wait_for_port(node.port, up=False)

    def remove(self) -> None:
        """Stop every node and delete its data."""
        for node in self.nodes:
            node.remove()


Cluster = TypeVar("Cluster", ThrowawayRedisCluster, ThrowawayRabbitMQCluster)


def cluster_or_skip(kind: type[Cluster]) -> Iterator[Cluster]:
    """For a fixture: a started cluster of that kind, removed afterwards; the test is skipped, with the reason, if
    it cannot start."""
    try:
        made = kind().start()
    except ClusterUnavailable as exc:
        pytest.skip(f"no {kind.__name__.removeprefix('Throwaway')} on this machine: {exc}")
    yield made
    made.remove()
