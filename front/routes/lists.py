"""Lists: named, ordered selections of films. Anyone may read a public one; a private one is 404 to all but
its owner, who alone may change it (403 for a public list of someone else's)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from errors import Forbidden, NotFound
from front.body import json_object
from front.catalogue import film_exists
from front.endpoint import endpoint
from front.identity import current_user, optional_user
from front.library import check_films, with_movies
from front.limits import READ
from front.pagination import check_page, paginate
from front.params import Params
from front.responses import json, respond
from front.validate import Body
from front.workers.followup import send_followups
from stores.mysql import lists
from stores.postgres import users

bp = Blueprint("lists", url_prefix="/api/lists")
user_lists_bp = Blueprint("user_lists", url_prefix="/api/users")
movie_lists_bp = Blueprint("movie_lists", url_prefix="/api/movies")
ITEM_LIMIT = 5_000
NAME_LENGTH = 100
DESCRIPTION_LENGTH = 2_000
NOTE_LENGTH = 500


async def _visible(request: Request, list_id: int) -> tuple[dict[str, Any], bool]:
    """The list and whether the caller owns it; 404 for a private list of someone else's."""
    found = await lists.get_list(await request.app.ctx.stores.mysql(), list_id)
    viewer = await optional_user(request)
    mine = found is not None and viewer is not None and viewer.id == found["user_id"]
    if found is None or not (found["public"] or mine):
        raise NotFound(f"No list with id {list_id}.")
    return found, mine


async def _own(request: Request, list_id: int) -> dict[str, Any]:
    """The caller's own list: 401 without a token, 404 if not visible, 403 for someone else's public list."""
    await current_user(request)
    found, mine = await _visible(request, list_id)
    if not mine:
        raise Forbidden("Only its owner may change or delete a list.")
    return found


async def _detail(request: Request, found: dict[str, Any], page: int, size: int) -> dict[str, Any]:
    check_page(page, size, found["item_count"])
    rows = await lists.items(await request.app.ctx.stores.mysql(), found["id"], (page - 1) * size, size)
    return {**found, "items": paginate(request, await with_movies(request, rows), found["item_count"], page, size)}


def _fields(body: Body, *, creating: bool) -> dict[str, Any]:
    found: dict[str, Any] = {}
    name = body.text("name", required=creating, min_length=1, max_length=NAME_LENGTH)
    if name is not None:
        found["name"] = name
    if body.has("description"):
        found["description"] = body.text("description", max_length=DESCRIPTION_LENGTH) or ""
    for flag in ("public", "ranked"):
        value = body.boolean(flag)
        if value is not None:
            found[flag] = value
    return found


@bp.post("/")
@endpoint("Create a list (public unless told otherwise)", body="NewList", response="List", auth=True, status=201)
async def create_list(request: Request) -> HTTPResponse:
    """A new, empty list; fill it with PUT /api/lists/{id}/items/."""
    user = await current_user(request)
    body = Body(json_object(request), ("name", "description", "public", "ranked"))
    fields = _fields(body, creating=True)
    body.done()
    created = await lists.create_list(await request.app.ctx.stores.mysql(), user.id, fields["name"],
                                      fields.get("description", ""), fields.get("public", True),
                                      fields.get("ranked", False))
    return json({**created, "items": paginate(request, [], 0, 1, 20)}, status=201,
                headers={"Location": f"/api/lists/{created['id']}/"})


@bp.get("/<list_id:id>")
@endpoint("One list with a page of its items", query="paging", response="List", limit=READ)
async def list_detail(request: Request, list_id: int) -> HTTPResponse:
    """The list and its items in order, paginated; a private list is 404 to all but its owner."""
    query = Params(request, ("page", "page_size"))
    page, size = query.page()
    query.done()
    found, _ = await _visible(request, list_id)
    return respond(request, await _detail(request, found, page, size))


@bp.patch("/<list_id:id>")
@endpoint("Change your list's name, description, visibility or ranking", body="ListChange", response="List",
          auth=True)
async def change_list(request: Request, list_id: int) -> HTTPResponse:
    """Change some fields of your own list."""
    await _own(request, list_id)
    body = Body(json_object(request), ("name", "description", "public", "ranked"))
    changes = _fields(body, creating=False)
    if not changes and not body.errors:
        body.fail("name", "Give a name, description, public or ranked to change.")
    body.done()
    changed, followup = await lists.update_list(await request.app.ctx.stores.mysql(), list_id, changes)
    await send_followups(request, [followup] if followup else [])
    return json(await _detail(request, changed, 1, 20))


@bp.delete("/<list_id:id>")
@endpoint("Delete your list", auth=True, status=204)
async def delete_list(request: Request, list_id: int) -> HTTPResponse:
    """Delete your own list and its items."""
    await _own(request, list_id)
    followup = await lists.delete_list(await request.app.ctx.stores.mysql(), list_id)
    await send_followups(request, [followup] if followup else [])
    return HTTPResponse(status=204)


def _items(body: Body) -> list[tuple[int, str]] | None:
    """The `items` field: distinct films in order, each with an optional note."""
    raw = body.data.get("items")
    if not isinstance(raw, list) or len(raw) > ITEM_LIMIT:
        body.fail("items", f"Must be a list of at most {ITEM_LIMIT} items.")
        return None
    found: list[tuple[int, str]] = []
    for place, item in enumerate(raw):
        entry = Body(item, ("movie_id", "note")) if isinstance(item, dict) else None
        movie_id = entry.integer("movie_id", required=True, low=1, high=2**53) if entry else None
        note = (entry.text("note", max_length=NOTE_LENGTH) or "") if entry else ""
        if entry is None or entry.errors or movie_id is None:
            why = "; ".join(f"{k}: {' '.join(v)}" for k, v in entry.errors.items()) if entry else "Must be an object."
            body.fail("items", f"Item {place}: {why}")
            return None
        found.append((movie_id, note))
    twice = sorted(movie_id for movie_id, times in Counter(m for m, _ in found).items() if times > 1)
    if twice:
        body.fail("items", f"A film may appear once; given more than once: {twice[:20]}.")
        return None
    return found


@bp.put("/<list_id:id>/items")
@endpoint("Replace your list's items in one go (up to 5,000, in order)", body="ListItems", response="List",
          auth=True)
async def replace_items(request: Request, list_id: int) -> HTTPResponse:
    """Set the list's films, each with an optional note; 422 above 5,000 items or for an unknown film."""
    await _own(request, list_id)
    body = Body(json_object(request), ("items",))
    if not body.has("items"):
        body.fail("items", "This field is required.")
    found = _items(body) if not body.errors else None
    body.done()
    assert found is not None
    await check_films(request, "items", [movie_id for movie_id, _ in found])
    changed, followup = await lists.replace_items(await request.app.ctx.stores.mysql(), list_id, found)
    await send_followups(request, [followup] if followup else [])
    return json(await _detail(request, changed, 1, 20))


@user_lists_bp.get("/<user_id:id>/lists")
@endpoint("A member's lists, last changed first", query="paging", response="ListPage", limit=READ)
async def user_lists(request: Request, user_id: int) -> HTTPResponse:
    """Public lists of the member (and the private ones too, to the member)."""
    query = Params(request, ("page", "page_size"))
    page, size = query.page()
    query.done()
    if await users.get_user(await request.app.ctx.stores.postgres(), user_id) is None:
        raise NotFound(f"No user with id {user_id}.")
    viewer = await optional_user(request)
    total, found = await lists.user_lists(await request.app.ctx.stores.mysql(), user_id,
                                          with_private=viewer is not None and viewer.id == user_id,
                                          skip=(page - 1) * size, limit=size)
    check_page(page, size, total)
    return respond(request, paginate(request, found, total, page, size))


@movie_lists_bp.get("/<movie_id:id>/lists")
@endpoint("Public lists that hold a film, last changed first", query="paging", response="ListPage", limit=READ)
async def movie_lists(request: Request, movie_id: int) -> HTTPResponse:
    """The public lists that hold the film."""
    query = Params(request, ("page", "page_size"))
    page, size = query.page()
    query.done()
    if not await film_exists(request, movie_id):
        raise NotFound(f"No movie with id {movie_id}.")
    total, found = await lists.movie_lists(await request.app.ctx.stores.mysql(), movie_id, skip=(page - 1) * size,
                                           limit=size)
    check_page(page, size, total)
    return respond(request, paginate(request, found, total, page, size))
