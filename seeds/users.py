"""Deterministic demo users: id 1 is `admin`, id 2 is `demo`, the rest are named like people."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from seeds.names import FIRST_NAMES, LAST_NAMES
from stores.mongo.text import fold

DEMO_PASSWORD = "movieverse-demo"
FIXED = {1: ("admin", True), 2: ("demo", False)}


def _username(user_id: int) -> str:
    rng = random.Random(f"user:{user_id}")
    first = fold(rng.choice(FIRST_NAMES)).replace(" ", "")
    last = fold(rng.choice(LAST_NAMES)).replace(" ", "")
    return f"{first}.{last}{user_id}"[:30]


def demo_user(user_id: int, now: datetime) -> dict[str, Any]:
    """User `user_id` of the demo set; `date_joined` lies within four years before `now`."""
    username, is_admin = FIXED.get(user_id, (_username(user_id), False))
    rng = random.Random(f"joined:{user_id}")
    return {
        "id": user_id,
        "username": username,
        "email": f"{username}@example.com",
        "is_admin": is_admin,
        "date_joined": now - timedelta(seconds=rng.randint(3600, 4 * 365 * 86400)),
    }


def demo_users(start: int, end: int, now: datetime) -> list[dict[str, Any]]:
    """Demo users with ids in [start, end)."""
    return [demo_user(user_id, now) for user_id in range(start, end)]
