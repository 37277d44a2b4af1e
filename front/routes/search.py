"""Search: `GET /api/search/?q=&type=movie|person|all&page=`, answered by a worker through Redis."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from actors.search import KINDS, search_catalogue
from front.endpoint import endpoint
from front.limits import charger
from front.pagination import paginate
from front.params import Params
from front.responses import accepted, respond
from textfold import query_words

bp = Blueprint("search", url_prefix="/api/search")


@bp.get("/")
@endpoint("Search movie titles and people's names", query="search", response="SearchPage", worker=True)
async def search(request: Request) -> HTTPResponse:
    """200 with a page of results when the worker answers in time, else 202 with the job to follow."""
    query = Params(request, ("q", "type", "page", "page_size"))
    q = query.text("q")
    kind = query.choice("type", KINDS, "all")
    page, size = query.page()
    if q is None and "q" not in query.errors:
        query.fail("q", "Give something to search for.")
    elif q is not None and not query_words(q):
        query.fail("q", "Give at least one letter or digit.")
    query.done()
    assert q is not None
    outcome = await request.app.ctx.dispatcher.run(search_catalogue, "search",
                                                   {"q": " ".join(query_words(q)), "type": kind},
                                                   charge=charger(request))
    if not outcome.done:
        return accepted(outcome.job)
    hits = outcome.result or []
    return respond(request, paginate(request, hits[(page - 1) * size : page * size], len(hits), page, size))
