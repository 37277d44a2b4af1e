"""A seed run's parameters: the default sizes and the moment all its timestamps are relative to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

DEFAULTS = {"movies": 58_788, "users": 2_000, "reviews": 200_000}
MAX_MOVIES = 2_000_000  # with --scale; its generated people stop at 1,200,000, below every real person's id


def make_spec(movies: int, users: int, reviews: int, now: datetime | None = None) -> dict[str, Any]:
    """The parameters every chunk of a run shares (including the moment all timestamps are relative to)."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    return {"movies": movies, "users": users, "reviews": reviews, "now": moment.isoformat()}


def spec_now(spec: dict[str, Any]) -> datetime:
    """The run's reference moment."""
    return datetime.fromisoformat(spec["now"])
