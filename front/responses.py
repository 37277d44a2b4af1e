"""JSON responses, serialised with orjson."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from sanic import Request
from sanic.helpers import has_message_body
from sanic.response import HTTPResponse

from cache.jobs import QUEUED
from cache.local import etag
from front.html import TEMPLATES, render, wants_html

JSON = "application/json; charset=utf-8"
VARY = "Vary"
READS = ("GET", "HEAD")


UNSAFE = str.maketrans("", "", "\r\n\x00")  # what Sanic strips from header names and values


class Encoded:
    """Header lines as Sanic sends them (each name and value sanitised, then encoded), kept by (name, value):
    most of an answer's headers repeat from one answer to the next (its type, Vary, Cache-Control, a hot
    film's ETag), and encoding each again cost about 1.8 µs a header, a tenth of a cached read."""

    MOST = 4096

    def __init__(self) -> None:
        self.held: dict[tuple[str, str], tuple[bytes, bytes]] = {}

    def lines(self, response: HTTPResponse) -> Iterator[tuple[bytes, bytes]]:
        """The response's header lines, encoded (Sanic's `processed_headers`, the same bytes)."""
        if has_message_body(response.status):
            response.headers.setdefault("content-type", response.content_type)
        held = self.held
        for name, value in response.headers.items():
            pair = held.get((name, value))
            if pair is None:
                if len(held) >= self.MOST:
                    held.clear()
                pair = held[(name, value)] = (
                    name.translate(UNSAFE).encode("ascii"),
                    f"{value}".translate(UNSAFE).encode(errors="surrogateescape"))
            yield pair


ENCODED = Encoded()


class EncodedResponse(HTTPResponse):
    """An answer whose header lines are encoded through `ENCODED` (the JSON answers and their 304s)."""

    __slots__ = ()

    @property
    def processed_headers(self) -> Iterator[tuple[bytes, bytes]]:
        return ENCODED.lines(self)


def json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    """A JSON response."""
    return EncodedResponse(
        orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS),
        status=status,
        headers=headers,
        content_type=JSON,
    )


def raw_json(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    """A response from JSON bytes that are already serialised."""
    return EncodedResponse(body, status=status, headers=headers, content_type=JSON)


def respond(
    request: Request, data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> HTTPResponse:
    """JSON, or the browsable HTML page when a browser asks for it (either way `Vary: Accept`); a GET's 200
    carries an entity tag and is a 304 when the client holds that tag."""
    if status == 200 and request.method in READS:
        return respond_raw(request, orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS), data=data, headers=headers)
    if wants_html(request):
        page = render(request, data, status)
        page.headers[VARY] = "Accept"
        return page
    return json(data, status, {**headers, VARY: "Accept"} if headers else {VARY: "Accept"})


def respond_raw(request: Request, body: bytes, tag: str | None = None, *, data: Any = None,
                headers: dict[str, str] | None = None) -> HTTPResponse:
    """A 200 of already serialised JSON (`tag`: its entity tag, when known), or its browsable HTML page when a
    browser asks for it (either way `Vary: Accept`), or a 304 when the client holds the rendering's tag."""
    html = wants_html(request)
    tag = tag or etag(body)
    if html:
        tag = f'{tag[:-1]}-html{TEMPLATES}"'  # another representation, with a tag of its own (and its templates')
    held = request.headers.get("if-none-match")
    if held is not None and request.method in READS and _matches(held, tag):
        return EncodedResponse(status=304, headers={"ETag": tag, VARY: "Accept"})
    if html:
        page = render(request, orjson.loads(body) if data is None else data, 200)
        page.headers.update({**(headers or {}), VARY: "Accept", "ETag": tag})
        return page
    return raw_json(body, 200, {**headers, VARY: "Accept", "ETag": tag} if headers else {VARY: "Accept", "ETag": tag})


def _matches(held: str, tag: str) -> bool:
    """Whether an If-None-Match header names the tag (weak comparison, RFC 9110 section 13.1.2), or is `*`."""
    if held == tag or held.strip() == "*":  # the tag as it was sent, the common case
        return True
    return any(part.strip().removeprefix("W/") == tag for part in held.split(","))


def job_link(job: dict[str, object]) -> dict[str, object]:
    """`{job_id, status, status_url}`: where to follow a job."""
    job_id = str(job.get("id"))
    return {"job_id": job_id, "status": job.get("status", QUEUED), "status_url": f"/api/jobs/{job_id}/"}


def accepted(job: dict[str, object]) -> HTTPResponse:
    """202 with the job's id, status and URL."""
    link = job_link(job)
    return json(link, status=202, headers={"Location": str(link["status_url"])})


def download(request: Request, body: bytes, media: str, filename: str) -> HTTPResponse:
    """A file to save (`Content-Disposition: attachment`) with its entity tag, or a 304 when the client holds it."""
    tag = etag(body)
    held = request.headers.get("if-none-match")
    if held is not None and _matches(held, tag):
        return HTTPResponse(status=304, headers={"ETag": tag})
    return HTTPResponse(body, status=200, content_type=media,
                        headers={"ETag": tag, "Content-Disposition": f'attachment; filename="{filename}"'})
