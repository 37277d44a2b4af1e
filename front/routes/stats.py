"""Catalogue statistics, counted by a worker: `GET /api/stats/`."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from actors.stats import count_catalogue
from front.endpoint import endpoint
from front.limits import charger
from front.responses import accepted, json

bp = Blueprint("stats", url_prefix="/api/stats")


@bp.get("/")
@endpoint("Catalogue counts, computed by a worker", response="Stats", worker=True)
async def catalogue_stats(request: Request) -> HTTPResponse:
    """How many movies, genres, people, users and reviews there are (cached for a while)."""
    outcome = await request.app.ctx.dispatcher.run(count_catalogue, "stats", {}, charge=charger(request))
    if outcome.done:
        return json(outcome.result)
    return accepted(outcome.job)
