"""The error tree: every failure a client can cause or see, with its HTTP status."""

from __future__ import annotations

from typing import ClassVar


class MovieVerseError(Exception):
    """Root of every error MovieVerse raises on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal Server Error"

    def __init__(
        self,
        detail: str = "",
        *,
        errors: dict[str, list[str]] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or {}
        self.retry_after = retry_after


class Invalid(MovieVerseError):
    """The request is malformed: a bad parameter, a bad body."""

    status = 400
    code = "invalid"
    title = "Bad Request"


class Unprocessable(Invalid):
    """A well-formed body that fails validation."""

    status = 422
    code = "unprocessable"
    title = "Unprocessable Content"


class Unauthorized(MovieVerseError):
    """Credentials are missing or wrong."""

    status = 401
    code = "unauthorized"
    title = "Unauthorized"


class Forbidden(MovieVerseError):
    """The caller may not touch this resource."""

    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFound(MovieVerseError):
    """No such resource."""

    status = 404
    code = "not-found"
    title = "Not Found"


class Conflict(MovieVerseError):
    """The write clashes with something that already exists."""

    status = 409
    code = "conflict"
    title = "Conflict"


class TooManyRequests(MovieVerseError):
    """Too many attempts in too short a time."""

    status = 429
    code = "too-many-requests"
    title = "Too Many Requests"


class Unavailable(MovieVerseError):
    """A dependency is down; try again later."""

    status = 503
    code = "unavailable"
    title = "Service Unavailable"
