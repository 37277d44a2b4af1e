"""Whether a local service answers a real request (not only a TCP connect): what makes it "ok"."""

from __future__ import annotations

import smtplib
import socket
import urllib.request
from collections.abc import Callable

Probe = Callable[[str, int], bool]


def accepts(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections there."""
    try:
        with socket.create_connection((host or "127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def mongo(host: str, port: int) -> bool:
    """A MongoDB `ping` answered."""
    import pymongo
    from pymongo.errors import PyMongoError

    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        host or "127.0.0.1", port, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000, socketTimeoutMS=2000,
        directConnection=True)
    try:
        return bool(client.admin.command("ping").get("ok"))
    except PyMongoError:
        return False
    finally:
        client.close()


def firebase(host: str, port: int) -> bool:
    """The emulator answered a REST read."""
    try:
        with urllib.request.urlopen(f"http://{host or '127.0.0.1'}:{port}/_ping.json", timeout=2) as answer:
            return int(answer.status) == 200
    except OSError:
        return False


def smtp(host: str, port: int) -> bool:
    """The SMTP server greeted and answered NOOP."""
    try:
        with smtplib.SMTP(host or "127.0.0.1", port, timeout=2) as client:
            return client.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False


def redis(host: str, port: int) -> bool:
    """Redis answered PING."""
    try:
        with socket.create_connection((host or "127.0.0.1", port), timeout=1) as conn:
            conn.settimeout(2)
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False
