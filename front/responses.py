"""JSON responses, serialised with orjson."""

from __future__ import annotations

from typing import Any

import orjson
from sanic import Request
from sanic.response import HTTPResponse

from cache.jobs import QUEUED
from front.html import render, wants_html

JSON = "application/json; charset=utf-8"
VARY = "Vary"


def json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    """A JSON response."""
    return HTTPResponse(
        orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS),
        status=status,
        headers=headers,
        content_type=JSON,
    )


def raw_json(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    """A response from JSON bytes that are already serialised."""
    return HTTPResponse(body, status=status, headers=headers, content_type=JSON)


def respond(
    request: Request, data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> HTTPResponse:
    """JSON, or the browsable HTML page when a browser asks for it (either way `Vary: Accept`)."""
    if wants_html(request):
        page = render(request, data, status)
        page.headers[VARY] = "Accept"
        return page
    return json(data, status, {**headers, VARY: "Accept"} if headers else {VARY: "Accept"})


def respond_raw(request: Request, body: bytes, status: int = 200) -> HTTPResponse:
    """Already serialised JSON, or its browsable HTML page when a browser asks for it (either way `Vary: Accept`)."""
    if wants_html(request):
        page = render(request, orjson.loads(body), status)
        page.headers[VARY] = "Accept"
        return page
    return raw_json(body, status, {VARY: "Accept"})


def accepted(job: dict[str, object]) -> HTTPResponse:
    """202 with the job's id, status and URL."""
    job_id = str(job.get("id"))
    url = f"/api/jobs/{job_id}/"
    return json(
        {"job_id": job_id, "status": job.get("status", QUEUED), "status_url": url},
        status=202,
        headers={"Location": url},
    )
