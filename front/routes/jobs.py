"""Job status: `GET /api/jobs/{id}/`; a job that carries a user's data (it has an owner) is theirs alone."""

from __future__ import annotations

import re

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from cache import jobs
from cache.client import REDIS_DOWN
from errors import NotFound, Unavailable
from front.endpoint import endpoint
from front.identity import optional_user
from front.responses import json

bp = Blueprint("jobs", url_prefix="/api/jobs")
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
PUBLIC = ("id", "kind", "status", "result", "error", "enqueued_at", "started_at", "finished_at")


@bp.get("/<job_id:str>")
@endpoint("A job's status, and its result once done", response="JobStatus")
async def job_status(request: Request, job_id: str) -> HTTPResponse:
    """A job's status, and its result once done; an owned job is 404 to everyone but its owner.

    The caller is known before the record is read, so a bad token is a 401 whether or not the job exists,
    and another user's job answers exactly as a missing one does.
    """
    if not JOB_ID.match(job_id):
        raise NotFound("No such job.")
    caller = await optional_user(request)
    redis = request.app.ctx.redis
    try:
        record = await jobs.get_job(redis, job_id)
        owner = None if record is None else jobs.owner(record)
        if record is None or (owner is not None and (caller is None or caller.id != owner)):
            raise NotFound("No such job (it may have expired).")
        if record.get("status") == jobs.DONE and record.get("key"):
            record["result"] = await jobs.get_result(redis, record["key"])
    except REDIS_DOWN as exc:
        raise Unavailable("The job store is unavailable; try again shortly.", retry_after=5) from exc
    return json({name: record.get(name) for name in PUBLIC})

