"""Catalogue statistics: how much of everything there is, counted by a worker."""

from __future__ import annotations

from typing import Any

from actors.broker import INTERACTIVE
from actors.lifecycle import Resources
from actors.work import work_actor
from stores.mongo import catalogue
from stores.mysql import reviews
from stores.postgres import users


@work_actor(queue_name=INTERACTIVE)
async def count_catalogue(res: Resources, params: dict[str, Any]) -> dict[str, int]:
    """Count movies, genres and people (MongoDB), users (PostgreSQL) and reviews (MySQL)."""
    counts = await catalogue.counts(await res.stores.mongo())
    counts["users"] = await users.count(await res.stores.postgres())
    counts["reviews"] = await reviews.count(await res.stores.mysql())
    return counts
