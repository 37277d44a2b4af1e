"""RFC 9457 problem documents: every error a client sees is mapped here, in one place."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from sanic import Request
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse

from errors import MovieVerseError
from front.endpoint import finish
from front.endpoint import request_id as request_id_of

log = logging.getLogger("movieverse.front")

PROBLEM_TYPE = "https://movieverse.dev/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> HTTPResponse:
    """A problem document response."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + (code or str(status)),
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    if instance:
        body["instance"] = instance
    return HTTPResponse(
        orjson.dumps(body), status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE
    )


def _sanic_detail(exc: SanicException) -> str:
    status = exc.status_code
    if status == 404:
        return "There is no resource at this URL."
    if status == 405:
        return "This URL does not accept that method."
    if status == 413:
        return "The request body is larger than the server accepts."
    return str(exc.message or exc) or TITLES.get(status, "Error")


def _allowed_methods(request: Request) -> list[str]:
    """The methods the router serves at the request's path (for the Allow header of a 405)."""
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        try:
            request.app.router.get(request.path, method, request.headers.get("host"))
        except Exception:
            continue
        allowed.append(method)
    return allowed


class ProblemHandler(ErrorHandler):
    """Turns every exception into a problem document; unexpected ones are logged, never leaked."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:  # type: ignore[override]
        response = self._problem(request, exception)
        if request is not None:
            finish(request, response, getattr(request.ctx, "started", None))
        return response

    def _problem(self, request: Request, exception: Exception) -> HTTPResponse:
        request_id = request_id_of(request) if request is not None else None
        instance = request.path if request is not None else None
        if isinstance(exception, MovieVerseError):
            headers = {}
            if exception.retry_after is not None:
                headers["Retry-After"] = str(exception.retry_after)
            if exception.status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="movieverse"'
            return problem(
                exception.status,
                exception.detail,
                code=exception.code,
                title=exception.title,
                errors=exception.errors,
                headers=headers,
                instance=instance,
            )
        if isinstance(exception, SanicException) and 400 <= exception.status_code < 500:
            headers = dict(getattr(exception, "headers", None) or {})
            if exception.status_code == 405 and "Allow" not in headers and request is not None:
                headers["Allow"] = ", ".join(_allowed_methods(request))
            if exception.status_code == 413 and instance in (None, "*"):
                # The parser gave up before the body: the URL or the headers were too long.
                return problem(431, "The URL or the headers are longer than the server accepts (16 KiB).",
                               headers=headers, instance=instance)
            return problem(
                exception.status_code,
                _sanic_detail(exception),
                headers=headers,
                instance=instance,
            )
        log.error(
            "unhandled error on %s %s (request %s)",
            getattr(request, "method", "?"),
            instance,
            request_id,
            exc_info=exception,
        )
        return problem(
            500,
            f"Something went wrong on our side. Quote request id {request_id} when reporting it.",
            code="internal-error",
            instance=instance,
        )
