"""A film as it stands in the caller's library: review, shelves, watches and lists (TMDB's account_states)."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from errors import NotFound
from front.catalogue import film_exists
from front.endpoint import endpoint
from front.identity import current_user
from front.responses import respond
from stores.mysql import diary, lists, reviews, shelves

bp = Blueprint("movie_state", url_prefix="/api/movies")


@bp.get("/<movie_id:id>/state")
@endpoint("The film in your library: your review and rating, shelves, watches and lists", response="MovieState",
          auth=True)
async def movie_state(request: Request, movie_id: int) -> HTTPResponse:
    """`rating` is your review's, else that of your latest rated diary entry, else null."""
    user = await current_user(request)
    if not await film_exists(request, movie_id):
        raise NotFound(f"No movie with id {movie_id}.")
    return respond(request, await state_of(request, user.id, movie_id))


async def state_of(request: Request, user_id: int, movie_id: int) -> dict[str, Any]:
    """The film in this user's library."""
    pool = await request.app.ctx.stores.mysql()
    review = await reviews.user_review(pool, user_id, movie_id)
    watched = await diary.watches(pool, user_id, movie_id)
    held = await shelves.holding(pool, user_id, movie_id)
    return {
        "movie_id": movie_id, "review": review,
        "rating": review["rating"] if review else watched["rating"],
        "watchlist": "watchlist" in held, "favorite": "favorites" in held,
        "times_watched": watched["times"], "last_watched_on": watched["last_watched_on"],
        "lists": await lists.holding(pool, user_id, movie_id),
    }
