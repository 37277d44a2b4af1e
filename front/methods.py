"""HEAD on every GET route and OPTIONS on every URL: HEAD runs the GET handler (Sanic sends no body),
OPTIONS says which methods the URL takes and answers a CORS preflight (front/cors.py)."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from front.endpoint import check_host, finish


def answer_head_and_options(bp: Blueprint) -> None:
    """Add HEAD to each GET route of the blueprint, and an OPTIONS route on each of its URLs."""
    futures = bp._future_routes
    methods: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for future in sorted(futures, key=lambda f: f.name):
        methods.setdefault(future.uri, set()).update(future.methods or ())
        names.setdefault(future.uri, future.name.rsplit(".", 1)[-1])
    for future in list(futures):
        if future.methods and "GET" in future.methods and "HEAD" not in future.methods:
            futures.discard(future)
            futures.add(future._replace(methods=frozenset({*future.methods, "HEAD"})))
    for uri, taken in methods.items():
        if "OPTIONS" not in taken:
            allowed = {*taken, "OPTIONS", *(("HEAD",) if "GET" in taken else ())}
            bp.add_route(_options(sorted(allowed)), uri, methods=["OPTIONS"], name=f"{names[uri]}_options")


def _options(allowed: list[str]) -> Any:
    allow = ", ".join(allowed)

    async def options(request: Request, **_: Any) -> HTTPResponse:
        """The methods this URL takes; for a CORS preflight, what the calling origin may send."""
        check_host(request)
        preflight = request.app.ctx.cors.preflight(request, allowed)
        headers = {"Allow": allow, **preflight} if preflight else {"Allow": allow}
        return finish(request, HTTPResponse(status=204, headers=headers), route="options")

    return options
