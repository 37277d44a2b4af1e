"""Cross-origin requests (CORS): which web pages on other origins may call the API, and with what.

`CORS_ORIGINS` lists the origins (`https://app.example`) whose pages may call every route with a
bearer token; `*` (the default) lets any page read the anonymous GETs (the free-to-read catalogue),
never a request that carries a token. A preflight (`OPTIONS` with `Access-Control-Request-Method`) is
answered on every route with the methods and headers that origin may send.
"""

from __future__ import annotations

from collections.abc import Iterable

from sanic import Request

from front.responses import READS

# Headers a script on another origin may read (besides the safelisted ones).
EXPOSED = "ETag, Location, Retry-After, X-Request-ID, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
ANONYMOUS_HEADERS = "Accept, If-None-Match, X-Request-ID"
LISTED_HEADERS = "Accept, Authorization, Content-Type, If-Match, If-None-Match, X-Request-ID"
MAX_AGE = "600"


class Cors:
    """The CORS answer for each request, from the configured origins."""

    def __init__(self, origins: Iterable[str]) -> None:
        origins = tuple(origins)
        self.anyone = "*" in origins
        self.listed = frozenset(o for o in origins if o != "*")

    def headers(self, request: Request) -> dict[str, str] | None:
        """The CORS headers of an answer to this request (None: not a cross-origin request it may read)."""
        origin = request.headers.get("origin")
        if origin is None:
            return None
        if origin in self.listed:
            return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
                    "Access-Control-Expose-Headers": EXPOSED}
        if self.anyone and request.method in READS and "authorization" not in request.headers:
            return {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSED}
        return None

    def preflight(self, request: Request, methods: Iterable[str]) -> dict[str, str] | None:
        """The answer to a preflight for a URL that takes `methods` (None: not a preflight, or refused)."""
        origin = request.headers.get("origin")
        if origin is None or "access-control-request-method" not in request.headers:
            return None
        if origin in self.listed:
            return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
                    "Access-Control-Allow-Methods": ", ".join(methods),
                    "Access-Control-Allow-Headers": LISTED_HEADERS, "Access-Control-Max-Age": MAX_AGE}
        if self.anyone:
            return {"Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Methods": ", ".join(m for m in methods if m in (*READS, "OPTIONS")),
                    "Access-Control-Allow-Headers": ANONYMOUS_HEADERS, "Access-Control-Max-Age": MAX_AGE}
        return None

    def vary(self) -> bool:
        """Whether answers differ by Origin (some origins are listed), so caches must key on it."""
        return bool(self.listed)
