"""The stores: one module per database, and a bundle that opens them lazily once per process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pymysql
from pymongo.errors import ConnectionFailure

from config import Settings
from errors import Unavailable
from stores import firebase, mongo, mysql, postgres
from stores.mysql import outbox as mysql_outbox
from stores.outbox import Message
from stores.postgres import outbox as postgres_outbox

DEPENDENCIES = ("postgres", "mysql", "mongo", "firebase")


class Stores:
    """Connections to every database, opened on first use and reopened after a failure."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._handles: dict[str, Any] = {}
        self._locks = {name: asyncio.Lock() for name in DEPENDENCIES}
        self._openers: dict[str, Callable[[Settings], Awaitable[Any]]] = {
            "postgres": postgres.connect,
            "mysql": mysql.connect,
            "mongo": mongo.connect,
            "firebase": firebase.connect,
        }
        self._closers: dict[str, Callable[[Any], Awaitable[None]]] = {
            "postgres": postgres.close,
            "mysql": mysql.close,
            "mongo": mongo.close,
            "firebase": firebase.close,
        }
        self._outboxes: dict[str, Callable[[Any, list[int]], Awaitable[None]]] = {
            postgres_outbox.STORE: postgres_outbox.remove,
            mysql_outbox.STORE: mysql_outbox.remove,
        }

    async def _get(self, name: str) -> Any:
        handle = self._handles.get(name)
        if handle is not None:
            return handle
        async with self._locks[name]:
            handle = self._handles.get(name)
            if handle is None:
                try:
                    handle = await asyncio.wait_for(self._openers[name](self.settings), 10)
                except (OSError, TimeoutError, ConnectionError) as exc:
                    raise Unavailable(f"{name} is unavailable", retry_after=5) from exc
                except Exception as exc:
                    if _is_connection_error(exc):
                        raise Unavailable(f"{name} is unavailable", retry_after=5) from exc
                    raise
                self._handles[name] = handle
            return handle

    async def postgres(self) -> postgres.Pool:
        """The PostgreSQL pool."""
        return await self._get("postgres")

    async def mysql(self) -> mysql.Pool:
        """The MySQL pool."""
        return await self._get("mysql")

    async def mongo(self) -> mongo.Database:
        """The MongoDB database."""
        return await self._get("mongo")

    async def firebase(self) -> firebase.Firebase:
        """The Firebase Realtime Database."""
        return await self._get("firebase")

    async def forget_sent(self, messages: Sequence[Message]) -> None:
        """Delete the outbox rows of messages that were sent, each from the store that holds it."""
        for store in dict.fromkeys(message.store for message in messages):
            ids = [message.id for message in messages if message.store == store]
            await self._outboxes[store](await self._get(store), ids)

    async def open(self, *names: str) -> None:
        """Open the named stores now (all when none named), ignoring the ones that are down."""
        for name in names or DEPENDENCIES:
            try:
                await self._get(name)
            except Unavailable:
                continue

    async def close(self) -> None:
        """Close every open store."""
        handles, self._handles = self._handles, {}
        for name, handle in handles.items():
            try:
                await self._closers[name](handle)
            except Exception:
                continue


def _is_connection_error(exc: BaseException) -> bool:
    """Whether a driver error means the server could not be reached."""
    return isinstance(exc, ConnectionFailure | pymysql.err.OperationalError)
