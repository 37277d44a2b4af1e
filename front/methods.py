"""HEAD and OPTIONS on every GET route: HEAD runs the GET handler (Sanic sends no body), OPTIONS says
which methods the URL takes."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from front.endpoint import check_host, finish


def answer_head_and_options(bp: Blueprint) -> None:
    """Add HEAD to each GET route of the blueprint, and an OPTIONS route on its URL."""
    futures = bp._future_routes
    methods: dict[str, set[str]] = {}
    for future in futures:
        methods.setdefault(future.uri, set()).update(future.methods or ())
    for future in list(futures):
        if future.methods and "GET" in future.methods and "HEAD" not in future.methods:
            futures.discard(future)
            futures.add(future._replace(methods=frozenset({*future.methods, "HEAD"})))
            bp.add_route(_options(sorted({*methods[future.uri], "HEAD", "OPTIONS"})), future.uri,
                         methods=["OPTIONS"], name=f"{future.name.rsplit('.', 1)[-1]}_options")


def _options(allowed: list[str]) -> Any:
    allow = ", ".join(allowed)

    async def options(request: Request, **_: Any) -> HTTPResponse:
        """The methods this URL takes."""
        check_host(request)
        return finish(request, HTTPResponse(status=204, headers={"Allow": allow}), route="options")

    return options
