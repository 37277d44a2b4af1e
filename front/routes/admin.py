"""Operator routes (administrators only): seeding, TMDB sync, and application settings."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from actors.seeding import start_seed
from actors.tmdb import CHANGES_DAYS, MAX_IDS, tmdb_sync
from cache import jobs
from errors import Invalid, NotFound, Unavailable, Unprocessable
from front.body import json_object
from front.endpoint import endpoint
from front.identity import admin_user
from front.responses import accepted, json
from front.validate import Body
from seeds.plan import DEFAULTS, MAX_MOVIES, make_spec
from stores.mongo import app_settings
from timestamps import iso

bp = Blueprint("admin", url_prefix="/api/admin")
KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")


@bp.post("/seed")
@endpoint("Seed every store (idempotent); 202 with the job to follow", body="SeedRequest", response="Job",
          auth=True, status=202)
async def seed(request: Request) -> HTTPResponse:
    """Enqueue a seed run with the given sizes (defaults: the demo data set)."""
    await admin_user(request)
    body = Body(json_object(request) if request.body else {}, ("movies", "users", "reviews"))
    movies = body.integer("movies", low=1, high=MAX_MOVIES)
    users = body.integer("users", low=1, high=1_000_000)
    reviews = body.integer("reviews", low=0, high=100_000_000)
    body.done()
    spec = make_spec(movies or DEFAULTS["movies"], users or DEFAULTS["users"],
                     DEFAULTS["reviews"] if reviews is None else reviews)
    run_id = await start_seed(request.app.ctx.redis, spec)
    return accepted({"id": run_id, "status": jobs.QUEUED})


@bp.post("/tmdb-sync")
@endpoint("Sync films from TMDB (named ids, or recent changes to linked films); 202 with the job",
          body="TmdbSyncRequest", response="Job", auth=True, status=202)
async def sync_from_tmdb(request: Request) -> HTTPResponse:
    """Enqueue a TMDB sync; an identical sync already running is joined, not started twice."""
    await admin_user(request)
    settings = request.app.ctx.settings
    if not settings.tmdb_api_key:
        raise Unavailable("TMDB sync is not configured: set TMDB_API_KEY.")
    body = Body(json_object(request) if request.body else {}, ("tmdb_ids", "since", "until"))
    ids = body.int_list("tmdb_ids", max_items=MAX_IDS)
    if ids is not None and (not ids or ids[0] < 1):
        body.fail("tmdb_ids", "Positive TMDB movie ids, at least one.")
    since, until = (None if day is None else day.isoformat() for day in (body.day("since"), body.day("until")))
    if ids and (since or until):
        body.fail("since", "Give either tmdb_ids or a date range, not both.")
    if since and until and not (date.fromisoformat(until) - timedelta(days=CHANGES_DAYS)
                                <= date.fromisoformat(since) <= date.fromisoformat(until)):
        body.fail("since", f"At most {CHANGES_DAYS} days before until, and not after it.")
    body.done()
    params: dict[str, Any] = {"tmdb_ids": ids} if ids else {"since": since, "until": until}
    job_id = await request.app.ctx.dispatcher.start(tmdb_sync, "tmdb-sync", params)
    return accepted({"id": job_id, "status": jobs.QUEUED})


def _key(key: str) -> str:
    if not KEY.fullmatch(key):
        raise Invalid("Setting keys are 1 to 64 lower-case letters, digits and '_', starting with a letter.")
    return key


def _storable(value: Any, depth: int = 0) -> bool:
    """JSON that MongoDB can store as given: no `$`, `.` or NUL in keys, at most 8 levels deep."""
    if depth > 8:
        return False
    if isinstance(value, dict):
        return all(isinstance(k, str) and not k.startswith("$") and "." not in k and "\x00" not in k
                   and _storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v, depth + 1) for v in value)
    return value is None or (isinstance(value, str | int | float | bool) and not (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63))


def _public(found: dict[str, Any]) -> dict[str, Any]:
    updated = found.get("updated_at")
    stamp = iso(updated) if updated is not None else None
    return {"key": found["key"], "value": found["value"], "updated_at": stamp}


@bp.get("/settings/<key:str>")
@endpoint("Read an application setting", response="Setting", auth=True)
async def get_setting(request: Request, key: str) -> HTTPResponse:
    """One setting."""
    await admin_user(request)
    found = await app_settings.get_setting(await request.app.ctx.stores.mongo(), _key(key))
    if found is None:
        raise NotFound(f"No setting named {key!r}.")
    return json(_public(found))


@bp.put("/settings/<key:str>")
@endpoint("Set an application setting", body="SettingValue", response="Setting", auth=True)
async def put_setting(request: Request, key: str) -> HTTPResponse:
    """Set one setting to any JSON value."""
    await admin_user(request)
    data = json_object(request)
    if set(data) != {"value"}:
        raise Unprocessable("Send exactly {\"value\": ...}.", errors={"value": ["Required, and alone."]})
    if not _storable(data["value"]):
        raise Unprocessable("That value cannot be stored.", errors={"value": ["No '$', '.' or NUL in keys; 8 levels."]})
    saved = await app_settings.put_setting(await request.app.ctx.stores.mongo(), _key(key), data["value"])
    return json(_public(saved))
