"""Movies: the list with every filter and sort, details, popular and trending."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from actors.rankings import rank_popular, rank_trending
from cache import keys
from errors import NotFound
from front.catalogue import movie_page
from front.endpoint import endpoint
from front.identity import current_user
from front.limits import READ, charged, charger, spend
from front.pagination import paginate
from front.params import Params
from front.responses import accepted, job_link, respond, respond_raw
from front.routes.recommendations import similar_outcome
from front.routes.reviews import reviews_page
from front.routes.state import state_of
from stores import Stores
from stores.mongo import movies
from stores.mysql import Pool, audience, ratings

T = TypeVar("T")

bp = Blueprint("movies", url_prefix="/api/movies")


@bp.get("/")
@endpoint("List movies", query="movie_list", response="MoviePage")
async def list_movies(request: Request) -> HTTPResponse:
    """Movie summaries, filtered and sorted, one page at a time."""
    return respond_raw(request, *await movie_page(request))


async def load_detail(stores: Stores, movie_id: int) -> dict[str, Any] | None:
    """The full public document of a movie with MovieVerse users' rating and library counts, or None.

    What this returns is what the two tiers keep, so the hot read never asks a store: a library write
    that moves a count drops the film's entry (its follow-up, actors/accounts.py) and the next miss
    reads the counts again.
    """
    doc = await movies.get_movie(await stores.mongo(), movie_id)
    if doc is None:
        return None
    body = movies.detail(doc)
    stats, counts = await asyncio.gather(  # the reviewers' figures and the library counts
        _or_none(lambda pool: ratings.rating_stats(pool, [movie_id]), stores),
        _or_none(lambda pool: audience.library_counts(pool, movie_id), stores))
    found = stats.get(movie_id) if stats is not None else None
    body["user_rating"] = None if stats is None else {"average": found["average"] if found else None,
                                                      "count": found["count"] if found else 0}
    body["library"] = counts
    return body


async def _or_none(read: Callable[[Pool], Awaitable[T]], stores: Stores) -> T | None:
    """A MySQL read for the detail, or None when MySQL does not answer."""
    try:
        return await read(await stores.mysql())
    except Exception:
        return None


@bp.get("/<movie_id:id>")
@endpoint("One movie in full", query="movie_detail", response="Movie")
async def movie_detail(request: Request, movie_id: int) -> HTTPResponse:
    """Every field of one movie, from the two-tier cache."""
    if movie_id < 1:
        raise NotFound("No movie with that id.")
    ctx = request.app.ctx
    name = keys.movie_entry(movie_id)
    hot = ctx.aside.peek(name)
    if hot is not None and not request.query_string:
        return respond_raw(request, *hot)
    wanted = _includes(request)
    body = hot[0] if hot is not None else await ctx.aside.get(
        name, charged(request, lambda: load_detail(ctx.stores, movie_id)))
    if body is None:
        raise NotFound(f"No movie with id {movie_id}.")
    if not wanted:
        return respond_raw(request, body, hot[1] if hot is not None else None)
    return respond(request, {**orjson.loads(body), **await _included(request, movie_id, wanted)})


INCLUDES = ("reviews", "similar", "state")


def _includes(request: Request) -> list[str]:
    """The names `include` asks for (comma-separated), or a 400 naming the unknown ones."""
    query = Params(request, ("include",))
    raw = query.text("include")
    wanted = list(dict.fromkeys(raw.split(","))) if raw else []
    unknown = [name for name in wanted if name not in INCLUDES]
    if "include" in query.args and not raw and "include" not in query.errors:
        query.fail("include", f"Give some of {', '.join(INCLUDES)}, separated by commas.")
    elif unknown:
        query.fail("include", f"Unknown: {', '.join(map(repr, unknown))}; give some of {', '.join(INCLUDES)}, "
                              "separated by commas.")
    query.done()
    return wanted


async def _included(request: Request, movie_id: int, wanted: list[str]) -> dict[str, Any]:
    """What the includes add to a film's detail: the first page of its reviews, the films like it (or, when
    no worker answered within the wait, where to follow that job) and the caller's state of it."""
    added: dict[str, Any] = {}
    if "state" in wanted:
        user = await current_user(request)  # before any store is read for the others
        added["state"] = await state_of(request, user.id, movie_id)
    if "reviews" in wanted:
        await spend(request, READ)
        added["reviews"] = await reviews_page(request, movie_id=movie_id)
    if "similar" in wanted:
        outcome = await similar_outcome(request, movie_id)
        added["similar"] = outcome.result if outcome.done else job_link(outcome.job)
    return {name: added[name] for name in wanted}


async def _ranking(request: Request, actor: Any, kind: str, params: dict[str, Any]) -> HTTPResponse:
    query = Params(request, ("page", "page_size", *params))
    page, size = query.page()
    query.done()
    outcome = await request.app.ctx.dispatcher.run(actor, kind, params, charge=charger(request))
    if not outcome.done:
        return accepted(outcome.job)
    ranked: list[Any] = outcome.result or []
    window = ranked[(page - 1) * size : page * size]
    return respond(request, paginate(request, window, len(ranked), page, size))


@bp.get("/popular")
@endpoint("Popular movies (computed by a worker, served from Redis)", query="paging", response="MoviePage", worker=True)
async def popular(request: Request) -> HTTPResponse:
    """The most popular movies."""
    return await _ranking(request, rank_popular, "popular", {})


@bp.get("/trending")
@endpoint("Trending movies: most reviewed and best rated recently", query="trending", response="MoviePage", worker=True)
async def trending(request: Request) -> HTTPResponse:
    """Movies trending over the last day or week."""
    query = Params(request, ("page", "page_size", "window"))
    window = query.choice("window", ("day", "week"), "day")
    query.done()
    return await _ranking(request, rank_trending, "trending", {"window": window})

