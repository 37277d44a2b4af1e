"""Reading a JSON request body strictly: right content type, valid JSON, an object."""

from __future__ import annotations

from typing import Any

import orjson
from sanic import Request

from errors import Invalid, MovieVerseError


class UnsupportedMediaType(MovieVerseError):
    """The body is not JSON."""

    status = 415
    code = "unsupported-media-type"
    title = "Unsupported Media Type"


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400/415 problem."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise UnsupportedMediaType("Send the body as application/json.")
    raw = request.body
    if not raw or not raw.strip():
        raise Invalid("The request body is empty; send a JSON object.")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"The request body is not valid JSON: {exc.msg} at position {exc.pos}.") from exc
    if not isinstance(data, dict):
        raise Invalid("The request body must be a JSON object.")
    return data
