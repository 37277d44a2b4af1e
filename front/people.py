"""People: a searchable list and details with credits."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from cache import keys
from errors import NotFound
from front.endpoint import endpoint
from front.limits import READ, charged
from front.pagination import check_page, paginate
from front.params import Params
from front.responses import respond, respond_raw
from stores.mongo import people
from stores.mongo.text import words

bp = Blueprint("people", url_prefix="/api/people")


@bp.get("/")
@endpoint("List people, optionally by name", query="people", response="PersonPage", limit=READ)
async def list_people(request: Request) -> HTTPResponse:
    """People by popularity; `q` matches name words (the last one as a prefix)."""
    query = Params(request, ("q", "page", "page_size"))
    page, size = query.page()
    q = query.text("q")
    if q and not words(q):
        query.fail("q", "Give at least one letter or digit.")
    query.done()
    q_words = tuple(words(q)[:6]) if q else ()
    db = await request.app.ctx.stores.mongo()
    count, found = await people.list_people(db, q_words, (page - 1) * size, size)
    check_page(page, size, count)
    return respond(request, paginate(request, found, count, page, size))


@bp.get("/<person_id:id>")
@endpoint("One person with their credits", response="Person")
async def person_detail(request: Request, person_id: int) -> HTTPResponse:
    """A person's details and every cast and crew credit."""
    ctx = request.app.ctx

    async def load() -> dict[str, object] | None:
        doc_ = await people.get_person(await ctx.stores.mongo(), person_id)
        return None if doc_ is None else people.detail(doc_)

    body = await ctx.aside.get(keys.person_entry(person_id), charged(request, load))
    if body is None:
        raise NotFound(f"No person with id {person_id}.")
    return respond_raw(request, body)
