"""Operations: liveness, readiness of every dependency, and Prometheus metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from actors import queues
from cache import client as cache_client
from front import metrics
from front.endpoint import RECORDER, endpoint
from front.responses import json
from stores import firebase, mongo, mysql, postgres

bp = Blueprint("health")
CHECK_TIMEOUT = 4.0
SLOW_MS = 500.0


@bp.get("/healthz")
@endpoint("Liveness: the process is alive")
async def healthz(request: Request) -> HTTPResponse:
    """The process is alive."""
    return json({"status": "ok"})


async def _check(probe: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    """One dependency: ok with its latency (and `slow` past SLOW_MS), or the error.

    A check that fails other than by timing out is tried once more (a pooled connection may have
    closed under it; the pool replaces it); only a second failure counts.
    """
    started = time.perf_counter()
    for attempt in (1, 2):
        try:
            await asyncio.wait_for(probe(), max(0.1, CHECK_TIMEOUT - (time.perf_counter() - started)))
            break
        except Exception as exc:
            if attempt == 2 or isinstance(exc, TimeoutError):
                reason = type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}"
                return {"ok": False, "latency_ms": _ms(started), "error": reason[:200]}
    latency = _ms(started)
    result: dict[str, Any] = {"ok": True, "latency_ms": latency}
    if latency > SLOW_MS:
        result["slow"] = True
    return result


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


@bp.get("/readyz")
@endpoint("Readiness of each dependency, with latencies (slow ones flagged); 503 naming those down")
async def readyz(request: Request) -> HTTPResponse:
    """Each dependency with ok, latency and `slow` when it answered late (still 200); 503 naming the ones down."""
    ctx = request.app.ctx
    stores, settings = ctx.stores, ctx.settings
    probes: dict[str, Callable[[], Awaitable[Any]]] = {
        "postgres": lambda: _ping(stores.postgres, postgres.ping),
        "mysql": lambda: _ping(stores.mysql, mysql.ping),
        "mongo": lambda: _ping(stores.mongo, mongo.ping),
        "redis": lambda: cache_client.ping(ctx.redis),
        "rabbitmq": lambda: asyncio.to_thread(queues.ping, settings),
        "firebase": lambda: _ping(stores.firebase, firebase.ping),
    }
    names = list(probes)
    results = await asyncio.gather(*(_check(probes[name]) for name in names))
    checks = dict(zip(names, results, strict=True))
    down = [name for name, check in checks.items() if not check["ok"]]
    body: dict[str, Any] = {"status": "ok" if not down else "unavailable", "checks": checks}
    if down:
        body["down"] = down
        return json(body, status=503, headers={"Retry-After": "5"})
    return json(body)


async def _ping(opener: Callable[[], Awaitable[Any]], ping: Callable[[Any], Awaitable[None]]) -> None:
    await ping(await opener())


@bp.get("/metrics")
@endpoint("Prometheus metrics")
async def prometheus(request: Request) -> HTTPResponse:
    """Prometheus text format: requests, latencies, cache hits and misses, queue depths."""
    RECORDER.flush()
    try:
        depths = await asyncio.wait_for(asyncio.to_thread(queues.depths, request.app.ctx.settings), 3)
    except Exception:
        depths = {}
    return HTTPResponse(metrics.render(depths), content_type=metrics.CONTENT_TYPE)
