"""Recommendations and similar movies, computed by workers and cached in Redis.

Recommendations blend item-based collaborative filtering (films liked by people who liked
what you liked, each count divided by the square root of the film's own likes so that mere
popularity does not win) with a content fallback (the genres and people of the films you like)
that carries users who told us about few films. What you like is your reviews rated 7 or more,
your favourites and your diary entries rated 7 or more (stores/mysql/taste.py); a film you
reviewed, logged in the diary, made a favourite or put on your watchlist is never recommended.
Each recommendation names the film it comes from: the liked film most of its likers also liked,
or the one it shares most cast, crew and genres with.
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
from stores.mysql import cooccurrence, taste

LIMIT = 20
FEW_FILMS = 5
MOST_LIKED = 50
CONTENT_FIELDS = {"genre_ids": 1, "person_ids": 1, "title": 1}


async def _collaborative(res: Resources, liked: list[int], exclude_user: int | None) -> dict[int, float]:
    pool = await res.stores.mysql()
    together = await cooccurrence.liked_together(pool, liked, exclude_user)
    likes = await cooccurrence.like_counts(pool, list(together))
    raw = {m: n / math.sqrt(max(likes.get(m, n), 1)) for m, n in together.items()}
    top = max(raw.values(), default=0.0)
    return {m: v / top for m, v in raw.items()} if top else {}


def _closest(doc: dict[str, Any], seeds: list[dict[str, Any]]) -> int | None:
    """The seed sharing most people, then most genres, with the film (the earlier seed on a tie)."""
    people, genres = set(doc.get("person_ids", [])), set(doc.get("genre_ids", []))
    best, closest = (0, 0), None
    for seed in seeds:
        shared = (len(people.intersection(seed.get("person_ids", []))),
                  len(genres.intersection(seed.get("genre_ids", []))))
        if shared > best:
            best, closest = shared, seed["_id"]
    return closest


async def _content(res: Resources, seeds: list[dict[str, Any]], skip: set[int]
                   ) -> tuple[dict[int, float], dict[int, str], dict[int, int]]:
    """Candidates sharing the seeds' genres and people, scored 0..1, the reason for each and its closest seed."""
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
    scores, reasons, closest = {}, {}, {}
    total_genres = sum(genres.values()) or 1
    for movie_id, doc in found.items():
        if movie_id in skip:
            continue
        genre_score = sum(genres[g] for g in doc.get("genre_ids", [])) / total_genres
        shared = [p for p in doc.get("person_ids", []) if p in people]
        scores[movie_id] = min(1.0, 0.6 * min(genre_score, 1.0) + 0.4 * min(len(shared), 3) / 3)
        reasons[movie_id] = "Shares cast or crew with films you liked" if shared else "In genres you like"
        seed = _closest(doc, seeds)
        if seed is not None:
            closest[movie_id] = seed
    return scores, reasons, closest


async def _ranked(res: Resources, scores: dict[int, float], reasons: dict[int, str], limit: int,
                  because: dict[int, dict[str, Any]] | None = None) -> list[dict]:
    top = sorted(scores, key=lambda m: (-scores[m], m))[: limit * 2]
    summaries = await movies.summaries(await res.stores.mongo(), top)
    ranked = [{**summaries[m], "score": round(scores[m], 4), "reason": reasons[m]} for m in top if m in summaries]
    if because is not None:
        ranked = [{**r, "because": because.get(r["id"])} for r in ranked]
    return ranked[:limit]


async def _sources(res: Resources, user_id: int, liked: list[int], candidates: list[int],
                   collaborative: set[int], closest: dict[int, int]) -> dict[int, int]:
    """The film each candidate comes from: for one found by its likers, the liked film most of them also
    liked (the stronger like on a tie); else the seed it is closest to."""
    rank = {movie_id: n for n, movie_id in enumerate(liked)}
    together = await cooccurrence.liked_with_each(await res.stores.mysql(), liked,
                                                  [m for m in candidates if m in collaborative], user_id)
    sources = {}
    for movie_id in candidates:
        counts = together.get(movie_id)
        if counts:
            sources[movie_id] = min(counts, key=lambda s: (-counts[s], rank.get(s, len(rank))))
        elif movie_id in closest:
            sources[movie_id] = closest[movie_id]
    return sources


@work_actor(queue_name=INTERACTIVE, time_limit=60_000)
async def recommend_movies(res: Resources, params: dict[str, Any]) -> dict[str, Any]:
    """The user's recommendations, best first, each with the film it comes from (`because`) named in its reason."""
    user_id = int(params["user_id"])
    tastes = await taste.of_user(await res.stores.mysql(), user_id)
    liked, known = tastes.liked[:MOST_LIKED], tastes.known
    db = await res.stores.mongo()
    seed_ids = liked or sorted(tastes.seen)[:20]
    order = {movie_id: n for n, movie_id in enumerate(seed_ids)}
    seeds = sorted([doc async for doc in db.movies.find({"_id": {"$in": seed_ids}}, CONTENT_FIELDS)],
                   key=lambda doc: order[doc["_id"]])
    collaborative = await _collaborative(res, liked, user_id)
    content, reasons, closest = await _content(res, seeds, known)
    weight = 0.7 if len(tastes.seen | tastes.favorites) >= FEW_FILMS else 0.3
    scores: dict[int, float] = {}
    found_by_likers: set[int] = set()
    for movie_id in set(collaborative) | set(content):
        if movie_id in known:
            continue
        cf, cb = collaborative.get(movie_id, 0.0), content.get(movie_id, 0.0)
        scores[movie_id] = weight * cf + (1 - weight) * cb
        if cf and cf >= cb * (1 - weight) / weight:
            reasons[movie_id] = "Liked by people who liked what you liked"
            found_by_likers.add(movie_id)
    if not scores:
        popular = await movies.top_movies(db, "popularity", LIMIT + len(known))
        scores = {m["id"]: 0.1 for m in popular if m["id"] not in known}
        return {"results": await _ranked(res, scores, {m: "Popular with everyone" for m in scores}, LIMIT, {})}
    candidates = sorted(scores, key=lambda m: (-scores[m], m))[: LIMIT * 2]
    titles = {doc["_id"]: doc.get("title") or f"film {doc['_id']}" for doc in seeds}
    because = {}
    for movie_id, source in (await _sources(res, user_id, liked, candidates, found_by_likers, closest)).items():
        if source in titles:
            verb = "liked" if source in tastes.likes else "watched"
            reasons[movie_id] = f"Because you {verb} {titles[source]}"
            because[movie_id] = {"id": source, "title": titles[source]}
    return {"results": await _ranked(res, {m: scores[m] for m in candidates}, reasons, LIMIT, because)}


@work_actor(queue_name=INTERACTIVE, time_limit=60_000)
async def find_similar(res: Resources, params: dict[str, Any]) -> dict[str, Any]:
    """Movies like one movie: shared genres and people, and liked by the same people."""
    movie_id = int(params["movie_id"])
    db = await res.stores.mongo()
    movie = await db.movies.find_one({"_id": movie_id}, CONTENT_FIELDS)
    if movie is None:
        raise NotFound(f"No movie with id {movie_id}.")
    content, reasons, _ = await _content(res, [movie], {movie_id})
    together = await _collaborative(res, [movie_id], None)
    scores = {}
    for other in set(content) | set(together):
        if other == movie_id:
            continue
        scores[other] = 0.6 * content.get(other, 0.0) + 0.4 * together.get(other, 0.0)
        if together.get(other, 0.0) > content.get(other, 0.0):
            reasons[other] = "Liked by the same people"
    return {"results": await _ranked(res, scores, reasons, LIMIT)}
