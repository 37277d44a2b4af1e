"""People: a searchable list and details with credits."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from cache import keys
from errors import NotFound
from front.catalogue import people_page
from front.endpoint import endpoint
from front.limits import charged
from front.responses import respond_raw
from stores.mongo import people

bp = Blueprint("people", url_prefix="/api/people")


@bp.get("/")
@endpoint("List people, optionally by name", query="people", response="PersonPage")
async def list_people(request: Request) -> HTTPResponse:
    """People by popularity; `q` matches name words (the last one as a prefix)."""
    return respond_raw(request, *await people_page(request))


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
