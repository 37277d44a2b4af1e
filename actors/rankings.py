"""Popular and trending movies, computed by workers and kept in Redis for the front door."""

from __future__ import annotations

from typing import Any

from actors.broker import DEFAULT
from actors.lifecycle import Resources
from actors.work import work_actor
from errors import Invalid
from stores.mongo import app_settings, movies
from stores.mysql import activity

WINDOWS = {"day": 24 * 3600, "week": 7 * 24 * 3600}
HALF_LIFE = {"day": 6.0, "week": 36.0}
RANKING_TTL = 6 * 3600


async def _setting(res: Resources, key: str, default: Any) -> Any:
    found = await app_settings.get_setting(await res.stores.mongo(), key)
    return default if found is None else found["value"]


@work_actor(queue_name=DEFAULT, result_ttl=RANKING_TTL)
async def rank_popular(res: Resources, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The most popular movies, best first."""
    limit = int(await _setting(res, "popular_limit", 100))
    return await movies.top_movies(await res.stores.mongo(), "popularity", limit)


@work_actor(queue_name=DEFAULT, result_ttl=RANKING_TTL)
async def rank_trending(res: Resources, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Movies most reviewed and best rated in the window, recent reviews counting most."""
    window = params.get("window")
    if window not in WINDOWS:
        raise Invalid(f"unknown window {window!r}")
    half_life = HALF_LIFE[window]
    if window == "week":
        half_life = float(await _setting(res, "trending_half_life_hours", half_life))
    limit = int(await _setting(res, "popular_limit", 100))
    scores = await activity.trending(await res.stores.mysql(), WINDOWS[window], half_life, limit)
    found = await movies.summaries(await res.stores.mongo(), [s["movie_id"] for s in scores])
    return [
        {**found[s["movie_id"]], "trending": {"score": s["score"], "reviews": s["reviews"],
                                              "average": s["average"]}}
        for s in scores if s["movie_id"] in found
    ]
