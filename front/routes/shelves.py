"""Shelves: a member's watchlist and favourites. Adding and removing are idempotent (204 either way);
a bulk add lands whole or not at all; anyone may read a public library."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from errors import NotFound
from front.body import json_object
from front.catalogue import film_exists
from front.endpoint import endpoint
from front.identity import current_user
from front.library import check_films, library_of, with_movies
from front.limits import READ
from front.pagination import check_page, paginate
from front.params import Params
from front.responses import json, respond
from front.validate import Body
from front.workers.followup import send_followups
from stores.mongo import movies
from stores.mysql import shelves

bp = Blueprint("shelves", url_prefix="/api/users")
BULK_LIMIT = 100
FILM_SORTS = ("title", "year", "rating")
SORTS = [f"{sign}{name}" for name in ("added_at", *FILM_SORTS) for sign in ("-", "")]


async def _put(request: Request, shelf: str, movie_id: int) -> HTTPResponse:
    user = await current_user(request)
    if not await film_exists(request, movie_id):
        raise NotFound(f"No movie with id {movie_id}.")
    _, followup = await shelves.add(await request.app.ctx.stores.mysql(), user.id, shelf, [movie_id])
    await send_followups(request, [followup] if followup else [])
    return HTTPResponse(status=204)


async def _delete(request: Request, shelf: str, movie_id: int) -> HTTPResponse:
    user = await current_user(request)
    if not await film_exists(request, movie_id):
        raise NotFound(f"No movie with id {movie_id}.")
    followup = await shelves.remove(await request.app.ctx.stores.mysql(), user.id, shelf, movie_id)
    await send_followups(request, [followup] if followup else [])
    return HTTPResponse(status=204)


async def _bulk(request: Request, shelf: str) -> HTTPResponse:
    user = await current_user(request)
    body = Body(json_object(request), ("movie_ids",))
    movie_ids = body.int_list("movie_ids", max_items=BULK_LIMIT)
    if movie_ids is None and "movie_ids" not in body.errors:
        body.fail("movie_ids", "This field is required.")
    elif movie_ids == []:
        body.fail("movie_ids", "Give at least one movie id.")
    body.done()
    assert movie_ids is not None
    await check_films(request, "movie_ids", movie_ids)
    added, followup = await shelves.add(await request.app.ctx.stores.mysql(), user.id, shelf, movie_ids)
    await send_followups(request, [followup] if followup else [])
    return json({"added": added, "movie_ids": movie_ids})


async def _page(request: Request, shelf: str, user_id: int) -> HTTPResponse:
    query = Params(request, ("page", "page_size", "sort"))
    page, size = query.page()
    sort = query.choice("sort", SORTS, "-added_at")
    query.done()
    await library_of(request, user_id)
    pool, skip = await request.app.ctx.stores.mysql(), (page - 1) * size
    if sort.lstrip("-") == "added_at":
        total, rows = await shelves.newest(pool, user_id, shelf, oldest_first=sort == "added_at", skip=skip,
                                           limit=size)
        check_page(page, size, total)
        results = await with_movies(request, rows)
    else:
        added = await shelves.everything(pool, user_id, shelf)
        total = len(added)
        check_page(page, size, total)
        found = await movies.sorted_summaries(await request.app.ctx.stores.mongo(), list(added), sort, skip, size)
        results = [{"movie_id": film["id"], "added_at": added[film["id"]], "movie": film} for film in found]
    return respond(request, paginate(request, results, total, page, size))


@bp.put("/me/watchlist/<movie_id:id>")
@endpoint("Put a film on your watchlist (204 whether or not it was there)", auth=True, status=204)
async def add_to_watchlist(request: Request, movie_id: int) -> HTTPResponse:
    """Add one film to your watchlist; 404 for an unknown film."""
    return await _put(request, "watchlist", movie_id)


@bp.delete("/me/watchlist/<movie_id:id>")
@endpoint("Take a film off your watchlist (204 whether or not it was there)", auth=True, status=204)
async def remove_from_watchlist(request: Request, movie_id: int) -> HTTPResponse:
    """Remove one film from your watchlist; 404 for an unknown film."""
    return await _delete(request, "watchlist", movie_id)


@bp.post("/me/watchlist")
@endpoint("Add up to 100 films to your watchlist at once (all or nothing)", body="ShelfAdd",
          response="ShelfAdded", auth=True)
async def bulk_watchlist(request: Request) -> HTTPResponse:
    """Add films in bulk; never removes any. 422 if one is unknown or over 100 are given."""
    return await _bulk(request, "watchlist")


@bp.get("/<user_id:id>/watchlist")
@endpoint("A member's watchlist, newest first", query="shelf", response="ShelfPage", limit=READ)
async def watchlist(request: Request, user_id: int) -> HTTPResponse:
    """Films on the watchlist with their summaries; 404 when the library is private (except to its owner)."""
    return await _page(request, "watchlist", user_id)


@bp.put("/me/favorites/<movie_id:id>")
@endpoint("Mark a film as a favourite (204 whether or not it was one)", auth=True, status=204)
async def add_to_favorites(request: Request, movie_id: int) -> HTTPResponse:
    """Add one film to your favourites; 404 for an unknown film."""
    return await _put(request, "favorites", movie_id)


@bp.delete("/me/favorites/<movie_id:id>")
@endpoint("Unmark a favourite film (204 whether or not it was one)", auth=True, status=204)
async def remove_from_favorites(request: Request, movie_id: int) -> HTTPResponse:
    """Remove one film from your favourites; 404 for an unknown film."""
    return await _delete(request, "favorites", movie_id)


@bp.post("/me/favorites")
@endpoint("Add up to 100 films to your favourites at once (all or nothing)", body="ShelfAdd",
          response="ShelfAdded", auth=True)
async def bulk_favorites(request: Request) -> HTTPResponse:
    """Add favourites in bulk; never removes any. 422 if one is unknown or over 100 are given."""
    return await _bulk(request, "favorites")


@bp.get("/<user_id:id>/favorites")
@endpoint("A member's favourite films, newest first", query="shelf", response="ShelfPage", limit=READ)
async def favorites(request: Request, user_id: int) -> HTTPResponse:
    """Favourite films with their summaries; 404 when the library is private (except to its owner)."""
    return await _page(request, "favorites", user_id)

