"""Recommendations for the caller, and movies similar to a movie: computed by workers, cached in Redis."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from actors.recommendations import find_similar, recommend_movies
from errors import NotFound
from front.catalogue import film_exists
from front.endpoint import endpoint
from front.identity import current_user
from front.limits import charger
from front.responses import accepted, respond
from front.workers.dispatch import Outcome

bp = Blueprint("recommendations", url_prefix="/api")


@bp.get("/users/me/recommendations")
@endpoint("Movies recommended for you, each naming the film it comes from (never one you reviewed, logged, made a "
          "favourite or put on your watchlist)", response="Recommendations", auth=True, worker=True)
async def recommendations(request: Request) -> HTTPResponse:
    """200 with your recommendations when ready in time, else 202 with the job."""
    user = await current_user(request)
    outcome = await request.app.ctx.dispatcher.run(recommend_movies, "recommendations", {"user_id": user.id},
                                                    owner=user.id)
    return respond(request, outcome.result) if outcome.done else accepted(outcome.job)


@bp.get("/movies/<movie_id:id>/similar")
@endpoint("Movies like this one", response="Recommendations", worker=True)
async def similar(request: Request, movie_id: int) -> HTTPResponse:
    """200 with similar movies when ready in time, else 202 with the job."""
    if not await film_exists(request, movie_id):
        raise NotFound(f"No movie with id {movie_id}.")
    outcome = await similar_outcome(request, movie_id)
    return respond(request, outcome.result) if outcome.done else accepted(outcome.job)


async def similar_outcome(request: Request, movie_id: int) -> Outcome:
    """The films like this one, as a worker answers them (or the job, when it has not within the wait)."""
    return await request.app.ctx.dispatcher.run(find_similar, "similar", {"movie_id": movie_id},
                                                charge=charger(request))
