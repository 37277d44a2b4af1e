"""Endpoints: every handler is declared once with `@endpoint(...)`, which documents it for OpenAPI
and measures it (request id, count and latency), without Sanic middleware on the hot path.

A request pays one list append for its metrics: `Recorder.flush` hands them to prometheus-client
once a second, through its public API only (request counts summed per label set, each latency
observed).

Request ids: a caller's `X-Request-ID` is echoed on every answer. An error answer always
carries one (a new one if the caller sent none), quoted in the problem document and in the
log. A successful answer to a caller that sent none gets none, as nothing records it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sanic import Request
from sanic.response import HTTPResponse

from cache import aside
from errors import Invalid
from front import limits, metrics
from front.cors import Cors
from front.html import check_format
from front.responses import READS, VARY

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[HTTPResponse]])
REQUEST_ID = "X-Request-ID"
_ids = itertools.count(1)
_prefix = os.urandom(8).hex()


def _incoming(request: Request) -> str | None:
    """The caller's X-Request-ID when it is sane (1 to 64 printable characters)."""
    incoming = request.headers.get(REQUEST_ID)
    return incoming if incoming and len(incoming) <= 64 and incoming.isprintable() else None


def request_id(request: Request) -> str:
    """The request's id: the client's X-Request-ID when sane, else a new unique one (the same on every call)."""
    found = getattr(request.ctx, "request_id", None)
    if found is None:
        found = request.ctx.request_id = _incoming(request) or f"{_prefix}{next(_ids):016x}"
    return found


def _known_id(request: Request) -> str | None:
    # The hot path: a request context exists only when something asked for the id before.
    ctx = getattr(request, "_ctx", None)
    found = getattr(ctx, "request_id", None) if ctx is not None else None
    return found if found is not None else _incoming(request)


class Recorder:
    """Per-process request counts and latency buckets, flushed to prometheus-client periodically."""

    PENDING_LIMIT = 100_000

    def __init__(self) -> None:
        self.pending: list[tuple[str, str, int, float]] = []
        self._task: asyncio.Task[None] | None = None

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.pending.append((method, route, status, seconds))
        if len(self.pending) >= self.PENDING_LIMIT:
            self.flush()

    def flush(self) -> None:
        """Hand what was counted since the last flush (requests and cache lookups) to prometheus-client."""
        aside.flush_counts()
        pending, self.pending = self.pending, []
        counts: dict[tuple[str, str, int], int] = defaultdict(int)
        latencies: dict[str, list[float]] = defaultdict(list)
        for method, route, status, seconds in pending:
            counts[(method, route, status)] += 1
            latencies[route].append(seconds)
        for (method, route, status), n in counts.items():
            metrics.REQUESTS.labels(method, route, str(status)).inc(n)
        for route, observed in latencies.items():
            observe = metrics.LATENCY.labels(route).observe
            for seconds in observed:
                observe(seconds)

    async def start(self, every: float = 1.0) -> None:
        """Flush in the background every `every` seconds."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(every)
                self.flush()

        self._task = asyncio.create_task(loop())

    async def stop(self) -> None:
        """Stop the background flush and flush once more."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.flush()


RECORDER = Recorder()


def route_label(request: Request) -> str:
    """The metrics label of the route a request matched."""
    return request.route.name.rsplit(".", 1)[-1] if request.route is not None else "unmatched"


def finish(request: Request, response: HTTPResponse, started: float | None = None,
           route: str | None = None) -> HTTPResponse:
    """Stamp the request's id (if it has one) and the CORS headers on a response, and count it."""
    found = _known_id(request)
    if found is not None:
        response.headers[REQUEST_ID] = found
    ctx = getattr(request, "_ctx", None)
    private = False
    if ctx is not None:
        quota = getattr(ctx, "quota", None)
        if quota is not None:
            response.headers.update(quota.headers())
        private = getattr(ctx, "caller", None) is not None
    if private:
        response.headers["Cache-Control"] = "private, no-store"  # an answer that depends on who asks
    elif response.status in (200, 304) and request.method in READS:
        response.headers["Cache-Control"] = "no-cache"  # public: kept, but asked again (If-None-Match) each time
    cors: Cors = request.app.ctx.cors
    if cors.listed:
        vary = response.headers.get(VARY)
        response.headers[VARY] = f"{vary}, Origin" if vary else "Origin"
    if "origin" in request.headers:
        allowed = cors.headers(request)
        if allowed is not None:
            response.headers.update(allowed)
    elapsed = time.perf_counter() - started if started is not None else 0.0
    RECORDER.record(request.method, route or route_label(request), response.status, elapsed)
    return response


def check_host(request: Request) -> None:
    """400 for an HTTP/1.1 request without exactly one Host header (RFC 9112, section 3.2)."""
    if request.version == "1.1" and len(request.headers.getall("host", [])) != 1:
        raise Invalid("Send exactly one Host header.")


def endpoint(summary: str, *, query: str | None = None, body: str | None = None, response: str | None = None,
             auth: bool = False, status: int = 200, worker: bool = False, limit: str | None = None,
             body_media: str = "application/json",
             response_media: tuple[str, ...] | None = None) -> Callable[[Handler], Handler]:
    """Declare a handler: its OpenAPI documentation, and measurement of every call.

    `body_media` is the request body's content type; `response_media`, for a route that answers files rather
    than JSON (or its browsable page), the content types its success answers may have.

    `worker` marks a route whose answer a worker computes: it may answer 202 with a job.
    `limit` ("read" or "write") counts every call against the caller's address (`front.limits`);
    routes that serve from a cache count only their misses themselves.
    """

    def wrap(handler: Handler) -> Handler:
        label = handler.__name__

        @functools.wraps(handler)
        async def measured(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            started = time.perf_counter()
            try:
                check_host(request)
                if request.query_string and request.method in READS:
                    check_format(request)
                if limit is not None:
                    await limits.spend(request, limit)
                response = await handler(request, *args, **kwargs)
            except BaseException:
                request.ctx.started = started  # for the error handler's measurement
                raise
            return finish(request, response, started, label)

        measured.__openapi__ = {  # type: ignore[attr-defined]
            "summary": summary, "query": query, "body": body, "response": response, "auth": auth,
            "status": status, "worker": worker, "body_media": body_media, "response_media": response_media,
        }
        return measured  # type: ignore[return-value]

    return wrap
