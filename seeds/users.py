"""Deterministic demo users: id 1 is `admin`, id 2 is `demo`, the rest are named like people.

Each user's name and join date come from one BLAKE2b digest of its id, so the same id gives
the same user on every machine, and a thousand users take about a millisecond to make.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from hashlib import blake2b
from typing import Any

from seeds.names import FIRST_NAMES, LAST_NAMES
from textfold import fold

DEMO_PASSWORD = "movieverse-demo"
FIXED = {1: ("admin", True), 2: ("demo", False)}
JOINED_WITHIN = 4 * 365 * 86400  # seconds before the run's moment
_FIRST = [fold(name).replace(" ", "") for name in FIRST_NAMES]
_LAST = [fold(name).replace(" ", "") for name in LAST_NAMES]


def _draw(user_id: int) -> tuple[int, int, int]:
    digest = blake2b(user_id.to_bytes(8, "big"), digest_size=16, person=b"movieverse-user").digest()
    return (int.from_bytes(digest[0:4], "big"), int.from_bytes(digest[4:8], "big"),
            int.from_bytes(digest[8:16], "big"))


def demo_user(user_id: int, now: datetime) -> dict[str, Any]:
    """User `user_id` of the demo set; `date_joined` lies within four years before `now`."""
    first, last, joined = _draw(user_id)
    named = f"{_FIRST[first % len(_FIRST)]}.{_LAST[last % len(_LAST)]}{user_id}"[:30]
    username, is_admin = FIXED.get(user_id, (named, False))
    return {
        "id": user_id,
        "username": username,
        "email": f"{username}@example.com",
        "is_admin": is_admin,
        "date_joined": now - timedelta(seconds=3600 + joined % (JOINED_WITHIN - 3600)),
    }


def demo_users(start: int, end: int, now: datetime) -> list[dict[str, Any]]:
    """Demo users with ids in [start, end)."""
    return [demo_user(user_id, now) for user_id in range(start, end)]
