"""Deterministic demo profiles for the demo users, stored in Firebase."""

from __future__ import annotations

import hashlib
from datetime import datetime
from hashlib import blake2b
from typing import Any

from seeds.films import GENRES
from seeds.names import PLACES
from timestamps import iso

BIOS = (
    "Film lover since the days of video rental stores. Always up for a double feature.",
    "I watch everything once. Favourite café in {city} shows silent films on Sundays.",
    "Collector of soundtracks and trivia; writes short reviews between long walks.",
    "Documentary nerd. If it is based on a true story, I have checked the facts.",
    "Animation first, everything else second. Team practical effects.",
)
_GENRE_IDS = [gid for gid, _ in GENRES]


def demo_profile(user: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The profile of one demo user, drawn from one BLAKE2b digest of the user's id."""
    draw = blake2b(int(user["id"]).to_bytes(8, "big"), digest_size=16, person=b"mv-profile").digest()
    place = PLACES[int.from_bytes(draw[0:4], "big") % len(PLACES)]
    genres = sorted(_GENRE_IDS, key=lambda gid: draw[8 + gid % 8])[: 1 + draw[4] % 3]
    digest = hashlib.sha256(user["username"].encode()).hexdigest()[:16]
    return {
        "bio": BIOS[draw[5] % len(BIOS)].format(city=place.split(",")[0]),
        "avatar_url": f"https://avatars.movieverse.example/{digest}.png",
        "location": place,
        "favorite_genres": sorted(genres),
        "updated_at": iso(now),
    }
