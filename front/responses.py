"""JSON responses, serialised with orjson."""

from __future__ import annotations

from typing import Any

import orjson
from sanic.response import HTTPResponse

JSON = "application/json; charset=utf-8"


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
