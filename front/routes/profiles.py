"""Profiles in Firebase: anyone may read one; only its owner may change it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from errors import NotFound
from front.body import json_object
from front.endpoint import endpoint
from front.identity import current_user
from front.limits import READ
from front.responses import json, respond
from front.validate import Body
from stores import profiles
from stores.mongo import genres
from stores.postgres import users
from textfold import fold
from timestamps import iso

bp = Blueprint("profiles", url_prefix="/api/users")
FIELDS = ("bio", "avatar_url", "location", "favorite_genres")


@bp.get("/<user_id:id>/profile")
@endpoint("A user's profile", response="Profile", limit=READ)
async def profile(request: Request, user_id: int) -> HTTPResponse:
    """bio, avatar_url, location, favorite_genres, updated_at (empty fields when none was saved)."""
    if await users.get_user(await request.app.ctx.stores.postgres(), user_id) is None:
        raise NotFound(f"No user with id {user_id}.")
    return respond(request, await profiles.get_profile(await request.app.ctx.stores.firebase(), user_id))


async def _read(request: Request, replace: bool) -> dict[str, Any]:
    body = Body(json_object(request), FIELDS)
    changes: dict[str, Any] = {}
    if body.has("bio"):
        changes["bio"] = body.text("bio", max_length=500) or ""
    if body.has("avatar_url"):
        changes["avatar_url"] = body.url("avatar_url")
    if body.has("location"):
        changes["location"] = body.text("location", max_length=100) or ""
    wanted = await _favorite_genres(request, body)
    if wanted is not None:
        changes["favorite_genres"] = wanted
    if not changes and not replace and not body.errors:
        body.fail("bio", "Give at least one field to change.")
    body.done()
    changes["updated_at"] = iso(datetime.now(UTC))
    return changes


def _genre_value(value: Any) -> bool:
    """A genre id (a positive integer) or a name (1 to 100 characters)."""
    if isinstance(value, str):
        return 0 < len(value.strip()) <= 100
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 2**53


async def _favorite_genres(request: Request, body: Body) -> list[int] | None:
    """The favourite genres' ids, each given by id or by name (as every genre parameter takes them)."""
    if not body.has("favorite_genres"):
        return None
    given = body.data["favorite_genres"]
    if not isinstance(given, list) or len(given) > 10 or not all(map(_genre_value, given)):
        body.fail("favorite_genres", "Must be a list of at most 10 genre ids or names.")
        return None
    ctx = request.app.ctx
    names = (await ctx.genre_table.current(ctx.stores)).names if any(isinstance(g, str) for g in given) else {}
    named = {g: names.get(fold(g)) for g in given if isinstance(g, str)}
    ids = sorted({g for g in given if isinstance(g, int)} | {i for i in named.values() if i is not None})
    known = await genres.existing_ids(await ctx.stores.mongo(), ids)
    unknown = [g for g in given if (named[g] if isinstance(g, str) else g) not in known]
    if unknown:
        body.fail("favorite_genres", f"Unknown genres: {unknown}.")
    return ids


@bp.put("/me/profile")
@endpoint("Replace your profile", body="ProfileChange", response="Profile", auth=True)
async def put_profile(request: Request) -> HTTPResponse:
    """Replace every field of your profile (missing ones become empty)."""
    user = await current_user(request)
    changes = await _read(request, replace=True)
    return json(await profiles.put_profile(await request.app.ctx.stores.firebase(), user.id, changes))


@bp.patch("/me/profile")
@endpoint("Change some fields of your profile", body="ProfileChange", response="Profile", auth=True)
async def patch_profile(request: Request) -> HTTPResponse:
    """Change only the fields given."""
    user = await current_user(request)
    changes = await _read(request, replace=False)
    return json(await profiles.patch_profile(await request.app.ctx.stores.firebase(), user.id, changes))
