"""Two hosts on one machine, made of network namespaces, and the servers a deployment on them needs.

`Network` makes a `web` and a `workers` namespace joined by a veth pair (the hosts' own /30), and a second
link from this process's namespace to the web host only, so the test reaches the web as a client does.
Nothing in either namespace can reach this machine's services: they listen on the root namespace's
loopback, which a namespace does not share.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest

from dev import services
from tests.conftest import ROOT, Process
from tests.faults.conftest import wait_until
from tests.faults.servers import Throwaway, ThrowawayMariaDB

SUBNETS = "10.213"  # 10.213.N.0/30 between the hosts, 10.213.N.4/30 from here to the web host


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `ip ARGS`."""
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {done.stderr.strip()}")
    return done


@dataclass(frozen=True)
class Host:
    """One namespace, its address on the link between the hosts, and a folder of its own (data, temp files)."""

    netns: str
    address: str
    folder: Path

    def command(self, args: Sequence[str]) -> list[str]:
        """The command line that runs `args` on this host."""
        return ["ip", "netns", "exec", self.netns, *args]

    def run(self, args: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
        """Run a command of the project on this host to its end."""
        return subprocess.run(self.command(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    def start(self, args: Sequence[str], env: Mapping[str, str], log: Path) -> Process:
        """Start a process on this host."""
        return Process(self.command(args), env, log).start()

    def reaches(self, address: str, port: int) -> bool:
        """Whether a TCP connection from this host to address:port is accepted."""
        probe = f"import socket; socket.create_connection(({address!r}, {port}), timeout=2).close()"
        return subprocess.run(self.command([sys.executable, "-c", probe]), capture_output=True,
                              timeout=30).returncode == 0


class Network:
    """The `web` and `workers` hosts, made with `ip netns`; `remove()` deletes every namespace and link."""

    def __init__(self, folder: Path) -> None:
        taken = ip("-o", "addr").stdout + ip("route").stdout + ip("netns", "list").stdout
        free = [n for n in range(256) if f"{SUBNETS}.{n}." not in taken and f"mv{n}-" not in taken]
        if not free:
            raise RuntimeError(f"every {SUBNETS}.N.0/24 is in use here")
        n = random.choice(free)
        self.tag, net = f"mv{n}", f"{SUBNETS}.{n}"
        self.web = Host(f"{self.tag}-web", f"{net}.1", folder / "web")
        self.workers = Host(f"{self.tag}-workers", f"{net}.2", folder / "workers")
        self.client, self.gateway = f"{net}.6", f"{net}.5"

    @classmethod
    def make_or_skip(cls, folder: Path) -> Network:
        """The two hosts, made; the test is skipped, with the reason, where namespaces cannot be made."""
        if os.geteuid() != 0:
            pytest.skip("network namespaces need root")
        if shutil.which("ip") is None:
            pytest.skip("network namespaces need iproute2's `ip`")
        network = cls(folder)
        made = ip("netns", "add", network.web.netns, check=False)
        if made.returncode != 0:
            pytest.skip(f"no network namespace could be made here: {made.stderr.strip()}")
        try:
            network.link()
        except BaseException:
            network.remove()
            raise
        return network

    def link(self) -> None:
        """The workers' namespace, the link between the hosts, and the link from here to the web host."""
        web, workers, tag = self.web.netns, self.workers.netns, self.tag
        ip("netns", "add", workers)
        ip("link", "add", f"{tag}w", "netns", web, "type", "veth", "peer", "name", f"{tag}k", "netns", workers)
        ip("link", "add", f"{tag}r", "type", "veth", "peer", "name", f"{tag}c", "netns", web)
        for netns, device, address in ((web, f"{tag}w", self.web.address), (workers, f"{tag}k", self.workers.address),
                                       (web, f"{tag}c", self.gateway)):
            ip("-n", netns, "addr", "add", f"{address}/30", "dev", device)
            ip("-n", netns, "link", "set", device, "up")
        for netns in (web, workers):
            ip("-n", netns, "link", "set", "lo", "up")
        ip("addr", "add", f"{self.client}/30", "dev", f"{tag}r")
        ip("link", "set", f"{tag}r", "up")
        ip("route", "add", f"{self.web.address}/32", "via", self.gateway, "dev", f"{tag}r")
        for host in (self.web, self.workers):
            for part in ("data", "tmp"):
                (host.folder / part).mkdir(parents=True, exist_ok=True)

    def remove(self) -> None:
        """Delete both namespaces and the link from here (its route goes with it)."""
        ip("link", "del", f"{self.tag}r", check=False)
        for host in (self.web, self.workers):
            ip("netns", "del", host.netns, check=False)


class ThrowawayMongo(Throwaway):
    """The MongoDB stand-in of its own."""

    name = "mongo"

    def command(self) -> list[str]:
        return services.mongo_command(self.host, self.port, self.dir / "data")

    def url(self, database: str) -> str:
        return f"mongodb://{self.host}:{self.port}/{database}"


class ThrowawayFirebase(Throwaway):
    """The Firebase emulator of its own."""

    name = "firebase"

    def command(self) -> list[str]:
        return services.firebase_command(self.host, self.port)

    def url(self, namespace: str) -> str:
        return f"http://{self.host}:{self.port}?ns={namespace}"


class ThrowawayMailSink(Throwaway):
    """The SMTP sink of its own, keeping every mail in its mail/ folder."""

    name = "smtp"

    def command(self) -> list[str]:
        return services.smtp_command(self.host, self.port, self.dir / "mail")

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(ROOT)}

    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def wait_for(self, to: str, subject: str, timeout: float = 30.0) -> email.message.EmailMessage:
        """The first mail to that address whose subject contains the text."""

        def found() -> email.message.EmailMessage | None:
            for path in sorted((self.dir / "mail").glob("*.eml")):
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                if to in str(message["To"]) and subject in str(message["Subject"]):
                    return message
            return None

        return wait_until(found, timeout=timeout)  # type: ignore[return-value]


class NetworkMariaDB(ThrowawayMariaDB):
    """A MariaDB of its own whose root may log in from the other host (and a `movieverse` database)."""

    def start(self) -> NetworkMariaDB:
        super().start()
        conn = pymysql.connect(unix_socket=str(self.dir / "sock"), user="root")
        with conn.cursor() as cur:
            cur.execute("CREATE USER IF NOT EXISTS 'root'@'%'")
            cur.execute("GRANT ALL ON *.* TO 'root'@'%'")
            cur.execute("CREATE DATABASE IF NOT EXISTS movieverse")
        conn.close()
        return self

    def url(self) -> str:
        return f"mysql://root@{self.host}:{self.port}/movieverse"
