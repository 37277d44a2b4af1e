"""API documentation: `GET /openapi.json`, Swagger UI at `GET /docs`, ReDoc at `GET /redoc`.

Both pages load their code from this server only (`/docs/assets/...`): Swagger UI and ReDoc from the npm
packages the set-up installs (front/uiassets.py), and the few lines that start them, and the browsable
pages' forms, from front/templates/. Where the packages are missing the pages answer 503 saying so.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from cache.local import etag
from errors import NotFound, Unavailable
from front import uiassets
from front.endpoint import endpoint
from front.html import ENV, FOLDER, NOSNIFF
from front.openapi import build
from front.responses import json

bp = Blueprint("apidocs")

OURS = {  # served from front/templates/, always there
    "docs.js": "text/javascript; charset=utf-8",
    "redoc.js": "text/javascript; charset=utf-8",
    "browsable.js": "text/javascript; charset=utf-8",
}
HTML = "text/html; charset=utf-8"
PAGES = {"docs": ("Swagger UI", "swagger-ui"), "redoc": ("ReDoc", "redoc")}


def spec(request: Request) -> dict[str, Any]:
    """The OpenAPI document, built once per process."""
    if not hasattr(request.app.ctx, "openapi"):
        request.app.ctx.openapi = build(request.app)
    document: dict[str, Any] = request.app.ctx.openapi
    return document


def policy(public_url: str) -> str:
    """The pages' Content-Security-Policy: code and styles from here only, calls to here or the public URL.

    Both UIs set inline styles (and ReDoc inserts style elements), draw icons from data: URLs, and ReDoc
    searches in a worker it starts from a blob: URL; no script runs that this server did not send."""
    parts = urlsplit(public_url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"font-src 'self' data:; connect-src 'self' {origin}".rstrip() + "; worker-src blob:; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def page_headers(request: Request) -> dict[str, str]:
    """The security headers of both pages."""
    return {"Content-Security-Policy": policy(request.app.ctx.settings.public_url), **NOSNIFF}


def page(request: Request, name: str) -> HTTPResponse:
    """The Swagger UI or ReDoc page, or a 503 page naming what the set-up did not install."""
    ui, _ = PAGES[name]
    problems = uiassets.missing()
    if problems:
        body = ENV.get_template("docs_missing.html").render(ui=ui, problems=problems)
        return HTTPResponse(body, status=503, content_type=HTML, headers=page_headers(request))
    body = ENV.get_template(f"{name}.html").render(spec=spec(request))
    return HTTPResponse(body, content_type=HTML, headers=page_headers(request))


@bp.get("/openapi.json")
@endpoint("The OpenAPI document")
async def openapi_json(request: Request) -> HTTPResponse:
    """The OpenAPI document."""
    return json(spec(request))


@bp.get("/docs")
@endpoint("Swagger UI: the OpenAPI document, with Try it out and Authorize")
async def docs(request: Request) -> HTTPResponse:
    """Swagger UI on /openapi.json (the routes are listed for a browser without JavaScript too)."""
    return page(request, "docs")


@bp.get("/redoc")
@endpoint("ReDoc: the OpenAPI document as a reference")
async def redoc(request: Request) -> HTTPResponse:
    """ReDoc on /openapi.json."""
    return page(request, "redoc")


class Files:
    """The assets' bytes and entity tags, read once per process (they change only with a new install)."""

    def __init__(self) -> None:
        self.loaded: dict[str, tuple[bytes, str]] = {}

    def get(self, name: str) -> tuple[bytes, str, str]:
        """The named asset's bytes, entity tag and content type (404 for a name not served, 503 if missing)."""
        if name in OURS:
            where, content_type = FOLDER / name, OURS[name]
        elif name in uiassets.ASSETS:
            where, content_type = uiassets.path(name), uiassets.ASSETS[name].content_type
        else:
            raise NotFound(f"No documentation asset named {name!r}.")
        if name not in self.loaded:
            try:
                data = where.read_bytes()
            except OSError:
                raise Unavailable(f"{name} is not installed on this server: run the set-up "
                                  "(python -m dev.services ensure).") from None
            self.loaded[name] = (data, etag(data))
        data, tag = self.loaded[name]
        return data, tag, content_type


FILES = Files()


@bp.get("/docs/assets/<name:str>")
@endpoint("A file the documentation pages load")
async def asset(request: Request, name: str) -> HTTPResponse:
    """Swagger UI's and ReDoc's code and styles, and the browsable pages' script."""
    data, tag, content_type = FILES.get(name)
    headers = {"ETag": tag, **NOSNIFF}
    held = request.headers.get("if-none-match")
    if held is not None and any(part.strip().removeprefix("W/") == tag for part in held.split(",")):
        return HTTPResponse(status=304, headers=headers)
    return HTTPResponse(data, content_type=content_type, headers=headers)
