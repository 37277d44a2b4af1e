"""Recommendations and similar movies, computed by workers and cached in Redis.

Recommendations blend item-based collaborative filtering (films liked by people who liked
what you liked, each count divided by the square root of the film's own likes so that mere
popularity does not win) with a content fallback (your favourite genres and people) that
carries users with few reviews. Films you reviewed are never recommended.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from actors.broker import INTERACTIVE
from actors.lifecycle import Resources
from actors.work import work_actor
from errors import NotFound
from stores.mongo import movies
from stores.mysql import cooccurrence

LIMIT = 20
FEW_REVIEWS = 5
CONTENT_FIELDS = {"genre_ids": 1, "person_ids": 1, "title": 1}


async def _collaborative(res: Resources, liked: list[int], exclude_user: int | None) -> dict[int, float]:
    pool = await res.stores.mysql()
    together = await cooccurrence.liked_together(pool, liked, exclude_user)
    likes = await cooccurrence.like_counts(pool, list(together))
    raw = {m: n / math.sqrt(max(likes.get(m, n), 1)) for m, n in together.items()}
    top = max(raw.values(), default=0.0)
    return {m: v / top for m, v in raw.items()} if top else {}


async def _content(res: Resources, seeds: list[dict[str, Any]], skip: set[int]) -> tuple[dict[int, float], dict]:
    """Candidates sharing the seeds' genres and people, scored 0..1, and the reason for each."""
    db = await res.stores.mongo()
    genres = Counter(g for doc in seeds for g in doc.get("genre_ids", []))
    people = Counter(p for doc in seeds for p in doc.get("person_ids", []))
    found: dict[int, dict[str, Any]] = {}
    for genre, _ in genres.most_common(2):
        async for doc in db.movies.find({"genre_ids": genre}, CONTENT_FIELDS).sort([("popularity", -1)]).limit(150):
            found.setdefault(doc["_id"], doc)
    for person, _ in people.most_common(8):
        async for doc in db.movies.find({"person_ids": person}, CONTENT_FIELDS).limit(40):
            found.setdefault(doc["_id"], doc)
    scores, reasons = {}, {}
    total_genres = sum(genres.values()) or 1
    for movie_id, doc in found.items():
        if movie_id in skip:
            continue
        genre_score = sum(genres[g] for g in doc.get("genre_ids", [])) / total_genres
        shared = [p for p in doc.get("person_ids", []) if p in people]
        scores[movie_id] = min(1.0, 0.6 * min(genre_score, 1.0) + 0.4 * min(len(shared), 3) / 3)
        reasons[movie_id] = "Shares cast or crew with films you liked" if shared else "In genres you like"
    return scores, reasons


async def _ranked(res: Resources, scores: dict[int, float], reasons: dict[int, str], limit: int) -> list[dict]:
    top = sorted(scores, key=lambda m: (-scores[m], m))[: limit * 2]
    summaries = await movies.summaries(await res.stores.mongo(), top)
    ranked = [{**summaries[m], "score": round(scores[m], 4), "reason": reasons[m]} for m in top if m in summaries]
    return ranked[:limit]


@work_actor(queue_name=INTERACTIVE, time_limit=60_000)
async def recommend_movies(res: Resources, params: dict[str, Any]) -> dict[str, Any]:
    """The user's recommendations, best first."""
    user_id = int(params["user_id"])
    rated = await cooccurrence.user_ratings(await res.stores.mysql(), user_id)
    liked = [m for m, r in sorted(rated.items(), key=lambda kv: -kv[1]) if r >= cooccurrence.LIKED][:50]
    db = await res.stores.mongo()
    seeds = [doc async for doc in db.movies.find({"_id": {"$in": liked or list(rated)[:20]}}, CONTENT_FIELDS)]
    collaborative = await _collaborative(res, liked, user_id)
    content, reasons = await _content(res, seeds, set(rated))
    weight = 0.7 if len(rated) >= FEW_REVIEWS else 0.3
    scores: dict[int, float] = {}
    for movie_id in set(collaborative) | set(content):
        if movie_id in rated:
            continue
        cf, cb = collaborative.get(movie_id, 0.0), content.get(movie_id, 0.0)
        scores[movie_id] = weight * cf + (1 - weight) * cb
        if cf >= cb * (1 - weight) / weight:
            reasons[movie_id] = "Liked by people who liked what you liked"
    if not scores:
        popular = await movies.top_movies(db, "popularity", LIMIT + len(rated))
        scores = {m["id"]: 0.1 for m in popular if m["id"] not in rated}
        reasons = {m: "Popular with everyone" for m in scores}
    return {"results": await _ranked(res, scores, reasons, LIMIT)}


@work_actor(queue_name=INTERACTIVE, time_limit=60_000)
async def find_similar(res: Resources, params: dict[str, Any]) -> dict[str, Any]:
    """Movies like one movie: shared genres and people, and liked by the same people."""
    movie_id = int(params["movie_id"])
    db = await res.stores.mongo()
    movie = await db.movies.find_one({"_id": movie_id}, CONTENT_FIELDS)
    if movie is None:
        raise NotFound(f"No movie with id {movie_id}.")
    content, reasons = await _content(res, [movie], {movie_id})
    together = await _collaborative(res, [movie_id], None)
    scores = {}
    for other in set(content) | set(together):
        if other == movie_id:
            continue
        scores[other] = 0.6 * content.get(other, 0.0) + 0.4 * together.get(other, 0.0)
        if together.get(other, 0.0) > content.get(other, 0.0):
            reasons[other] = "Liked by the same people"
    return {"results": await _ranked(res, scores, reasons, LIMIT)}
