"""Endpoints: every handler is declared once with `@endpoint(...)`, which documents it for OpenAPI
and measures it (request id, count and latency), without Sanic middleware on the hot path.

Counts and latencies are aggregated in plain dicts and handed to prometheus-client once a
second by `Recorder.flush`, so a request pays a dict update rather than a metrics write.
"""

from __future__ import annotations

import asyncio
import bisect
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
from front import metrics

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[HTTPResponse]])
REQUEST_ID = "X-Request-ID"
_ids = itertools.count(1)
_prefix = os.urandom(8).hex()


def request_id(request: Request) -> str:
    """The request's id: the client's X-Request-ID when sane, else a new unique one."""
    found = getattr(request.ctx, "request_id", None)
    if found is None:
        incoming = request.headers.get(REQUEST_ID, "")
        valid = 0 < len(incoming) <= 64 and incoming.isprintable()
        found = incoming if valid else f"{_prefix}{next(_ids):016x}"
        request.ctx.request_id = found
    return found


class Recorder:
    """Per-process request counts and latency buckets, flushed to prometheus-client periodically."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, int], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = {}
        self.sums: dict[str, float] = defaultdict(float)
        self.bounds = list(metrics.LATENCY._upper_bounds)
        self._task: asyncio.Task[None] | None = None

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.counts[(method, route, status)] += 1
        slots = self.buckets.get(route)
        if slots is None:
            slots = self.buckets[route] = [0] * len(self.bounds)
        slots[bisect.bisect_left(self.bounds, seconds)] += 1
        self.sums[route] += seconds

    def flush(self) -> None:
        """Hand what was counted since the last flush (requests and cache lookups) to prometheus-client."""
        aside.flush_counts()
        counts, self.counts = self.counts, defaultdict(int)
        buckets, self.buckets = self.buckets, {}
        sums, self.sums = self.sums, defaultdict(float)
        for (method, route, status), n in counts.items():
            metrics.REQUESTS.labels(method, route, str(status)).inc(n)
        for route, slots in buckets.items():
            histogram = metrics.LATENCY.labels(route)
            histogram._sum.inc(sums[route])
            for index, n in enumerate(slots):
                if n:
                    histogram._buckets[index].inc(n)

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
    """Stamp the request id on a response and count it."""
    response.headers[REQUEST_ID] = request_id(request)
    route = route or route_label(request)
    elapsed = time.perf_counter() - started if started is not None else 0.0
    RECORDER.record(request.method, route, response.status, elapsed)
    return response


def endpoint(summary: str, *, query: str | None = None, body: str | None = None, response: str | None = None,
             auth: bool = False, status: int = 200, worker: bool = False) -> Callable[[Handler], Handler]:
    """Declare a handler: its OpenAPI documentation, and measurement of every call.

    `worker` marks a route whose answer a worker computes: it may answer 202 with a job.
    """

    def wrap(handler: Handler) -> Handler:
        label = handler.__name__

        @functools.wraps(handler)
        async def measured(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            request.ctx.started = started = time.perf_counter()
            return finish(request, await handler(request, *args, **kwargs), started, label)

        measured.__openapi__ = {  # type: ignore[attr-defined]
            "summary": summary, "query": query, "body": body, "response": response, "auth": auth,
            "status": status, "worker": worker,
        }
        return measured  # type: ignore[return-value]

    return wrap
