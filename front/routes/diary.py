"""The diary: dated watches (rewatches are entries of their own), written and changed by their author only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from errors import Forbidden, NotFound, Unprocessable
from front.body import json_object
from front.catalogue import film_exists
from front.endpoint import endpoint
from front.identity import current_user
from front.library import library_of, with_movies
from front.limits import READ
from front.pagination import check_page, paginate
from front.params import Params
from front.responses import json, respond
from front.validate import Body
from front.workers.followup import send_followups
from stores.mysql import diary
from stores.postgres import users

bp = Blueprint("diary", url_prefix="/api/users")
FIELDS = ("movie_id", "watched_on", "rating", "rewatch", "note")
EARLIEST = date(1870, 1, 1)
NOTE_LENGTH = 10_000
# "Not in the future" anywhere: the date may be today in the zone furthest ahead of UTC.
AHEAD = timedelta(hours=14)


def _changes(body: Body, *, creating: bool) -> dict[str, Any]:
    """The diary fields of a body, checked; on creation watched_on is required."""
    found: dict[str, Any] = {}
    watched_on = body.day("watched_on", required=creating)
    if watched_on is not None:
        latest = (datetime.now(UTC) + AHEAD).date()
        if not EARLIEST <= watched_on <= latest:
            body.fail("watched_on", f"Must be between {EARLIEST.isoformat()} and today (not in the future).")
        found["watched_on"] = watched_on
    if body.has("rating"):
        found["rating"] = None if body.data["rating"] is None else body.integer("rating", low=1, high=10)
    rewatch = body.boolean("rewatch")
    if rewatch is not None:
        found["rewatch"] = rewatch
    if body.has("note"):
        found["note"] = body.text("note", max_length=NOTE_LENGTH) or ""
    return found


@bp.post("/me/diary")
@endpoint("Log a watch of a film in your diary", body="NewDiaryEntry", response="DiaryEntry", auth=True, status=201)
async def create_entry(request: Request) -> HTTPResponse:
    """Record that you watched a film on a date (not in the future); 422 for an unknown film."""
    user = await current_user(request)
    body = Body(json_object(request), FIELDS)
    movie_id = body.integer("movie_id", required=True, low=1, high=2**53)
    fields = _changes(body, creating=True)
    body.done()
    assert movie_id is not None
    if not await film_exists(request, movie_id):
        raise Unprocessable(f"No movie with id {movie_id}.", errors={"movie_id": ["No such movie."]})
    entry, followup = await diary.create_entry(await request.app.ctx.stores.mysql(), user.id, movie_id,
                                               fields["watched_on"], fields.get("rating"),
                                               fields.get("rewatch", False), fields.get("note", ""))
    await send_followups(request, [followup])
    return json((await with_movies(request, [entry]))[0], status=201)


@bp.get("/<user_id:id>/diary")
@endpoint("A member's diary, the latest watch first", query="diary", response="DiaryPage", limit=READ)
async def list_entries(request: Request, user_id: int) -> HTTPResponse:
    """Diary entries with their films, filtered by the year (and month) watched."""
    query = Params(request, ("page", "page_size", "year", "month"))
    page, size = query.page()
    year = query.integer("year", low=EARLIEST.year, high=2100)
    month = query.integer("month", low=1, high=12)
    if month is not None and year is None and "year" not in query.errors:
        query.fail("month", "Give a year with the month.")
    query.done()
    await library_of(request, user_id)
    total, rows = await diary.list_entries(await request.app.ctx.stores.mysql(), user_id, year=year, month=month,
                                           skip=(page - 1) * size, limit=size)
    check_page(page, size, total)
    return respond(request, paginate(request, await with_movies(request, rows), total, page, size))


async def _own(request: Request, entry_id: int) -> dict[str, Any]:
    """The caller's entry: 404 if there is none (or it is in a private library), 403 if it is someone else's."""
    user = await current_user(request)
    entry = await diary.get_entry(await request.app.ctx.stores.mysql(), entry_id)
    if entry is None:
        raise NotFound(f"No diary entry with id {entry_id}.")
    if entry["user_id"] != user.id:
        author = await users.get_user(await request.app.ctx.stores.postgres(), entry["user_id"])
        if author is None or not author["library_public"]:
            raise NotFound(f"No diary entry with id {entry_id}.")
        raise Forbidden("Only its author may change or delete a diary entry.")
    return entry


@bp.patch("/me/diary/<entry_id:id>")
@endpoint("Change an entry of your diary", body="DiaryEntryChange", response="DiaryEntry", auth=True)
async def change_entry(request: Request, entry_id: int) -> HTTPResponse:
    """Change the date, rating, rewatch flag or note of your own entry."""
    await _own(request, entry_id)
    body = Body(json_object(request), FIELDS[1:])
    changes = _changes(body, creating=False)
    if not changes and not body.errors:
        body.fail("watched_on", "Give a watched_on, rating, rewatch or note to change.")
    body.done()
    entry, followup = await diary.update_entry(await request.app.ctx.stores.mysql(), entry_id, changes)
    await send_followups(request, [followup])
    return json((await with_movies(request, [entry]))[0])


@bp.delete("/me/diary/<entry_id:id>")
@endpoint("Delete an entry of your diary", auth=True, status=204)
async def delete_entry(request: Request, entry_id: int) -> HTTPResponse:
    """Delete your own entry."""
    entry = await _own(request, entry_id)
    followup = await diary.delete_entry(await request.app.ctx.stores.mysql(), entry)
    await send_followups(request, [followup])
    return HTTPResponse(status=204)
