"""Deterministic demo profiles for the demo users, stored in Firebase."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime
from typing import Any

from seeds.films import GENRES
from seeds.names import PLACES

BIOS = (
    "Film lover since the days of video rental stores. Always up for a double feature.",
    "I watch everything once. Favourite café in {city} shows silent films on Sundays.",
    "Collector of soundtracks and trivia; writes short reviews between long walks.",
    "Documentary nerd. If it is based on a true story, I have checked the facts.",
    "Animation first, everything else second. Team practical effects.",
)


def demo_profile(user: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The profile of one demo user."""
    rng = random.Random(f"profile:{user['id']}")
    place = rng.choice(PLACES)
    digest = hashlib.sha256(user["username"].encode()).hexdigest()[:16]
    return {
        "bio": rng.choice(BIOS).format(city=place.split(",")[0]),
        "avatar_url": f"https://avatars.movieverse.example/{digest}.png",
        "location": place,
        "favorite_genres": sorted(rng.sample([gid for gid, _ in GENRES], rng.randint(1, 3))),
        "updated_at": now.isoformat().replace("+00:00", "Z"),
    }
