"""Per-address limits on requests that cost real work: reads that reach a store or a worker, and
the anonymous writes (registration, login, password reset).

A read served from the caches never gets here, so the hot path pays no limiter call. A request
that does is counted in a fixed window per client address (one Redis script); its answer carries
`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (set by `endpoint.finish`), and
beyond the limit it is 429 with `Retry-After`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sanic import Request

from cache import ratelimit
from errors import TooManyRequests
from front.identity import client_address

READ, WRITE = "read", "write"
T = TypeVar("T")


def allowance(request: Request, kind: str = READ) -> ratelimit.Allowance:
    """The work limit this request counts against: its address's reads or anonymous writes."""
    settings = request.app.ctx.settings
    limit = settings.rate_limit_reads if kind == READ else settings.rate_limit_writes
    return ratelimit.Allowance(f"work:{kind}:{client_address(request)}", limit, settings.rate_limit_window_seconds)


def settle(request: Request, quota: ratelimit.Quota | None) -> None:
    """Keep the request's standing for its RateLimit-* headers; 429 beyond the limit."""
    if quota is None:
        return
    request.ctx.quota = quota
    if quota.exceeded:
        raise TooManyRequests(f"Too many requests from your address; try again in {quota.reset} seconds.",
                              retry_after=quota.reset)


def charged_already(request: Request) -> bool:
    """Whether this request's work was counted (a request is counted once)."""
    return getattr(request.ctx, "quota", None) is not None


async def spend(request: Request, kind: str = READ) -> None:
    """Count this request's work against its address (once per request); 429 beyond the limit."""
    if not charged_already(request):
        settle(request, await ratelimit.spend(request.app.ctx.redis, allowance(request, kind)))


def charged(request: Request, loader: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
    """The loader of a cache miss, counting the request's work before it reaches the store."""

    async def load() -> T:
        await spend(request)
        return await loader()

    return load


@dataclass(frozen=True)
class Charge:
    """Work a worker does for a request, counted in the same Redis round trip that looks for its result."""

    request: Request
    allowance: ratelimit.Allowance

    def settle(self, quota: ratelimit.Quota | None) -> None:
        """Where the request stands after the count (429 beyond the limit)."""
        settle(self.request, quota)


def charger(request: Request) -> Charge | None:
    """What the dispatcher counts before it sends (or joins) work that no cached result answers."""
    return None if charged_already(request) else Charge(request, allowance(request))
