"""Firebase Realtime Database: user profiles, through firebase-admin.

firebase-admin is blocking, so every call runs in a worker thread. Only set, get,
update and delete are used, so the same code runs against real Firebase and the
local emulator.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import firebase_admin
from firebase_admin import credentials, db

from config import Settings

_names = itertools.count(1)


class Firebase:
    """A handle on one Realtime Database."""

    def __init__(self, app: firebase_admin.App) -> None:
        self.app = app

    def _ref(self, path: str) -> db.Reference:
        return db.reference(path, app=self.app)

    async def get(self, path: str) -> Any:
        """The value at a path, or None."""
        return await asyncio.to_thread(lambda: self._ref(path).get())

    async def set(self, path: str, value: Any) -> None:
        """Replace the value at a path."""
        await asyncio.to_thread(lambda: self._ref(path).set(value))

    async def update(self, path: str, value: dict[str, Any]) -> None:
        """Merge the given children into the value at a path."""
        await asyncio.to_thread(lambda: self._ref(path).update(value))

    async def delete(self, path: str) -> None:
        """Remove the value at a path."""
        await asyncio.to_thread(lambda: self._ref(path).delete())


async def connect(settings: Settings) -> Firebase:
    """Initialise a firebase-admin app for the configured database."""
    options = {"databaseURL": settings.firebase_database_url, "httpTimeout": 10}
    credential: credentials.Base | None = None
    if settings.firebase_credentials:
        credential = credentials.Certificate(settings.firebase_credentials)
    name = f"movieverse-{next(_names)}"
    app = await asyncio.to_thread(firebase_admin.initialize_app, credential, options, name)
    return Firebase(app)


async def close(store: Firebase) -> None:
    """Release the firebase-admin app."""
    await asyncio.to_thread(firebase_admin.delete_app, store.app)


async def ping(store: Firebase) -> None:
    """Read a tiny path to prove the database answers."""
    await store.get("/_ping")
