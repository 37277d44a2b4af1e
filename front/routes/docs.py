"""API documentation: `GET /openapi.json` and `GET /docs`."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from front.endpoint import endpoint
from front.html import ENV
from front.openapi import build
from front.responses import json

bp = Blueprint("apidocs")


@bp.get("/openapi.json")
@endpoint("The OpenAPI document")
async def openapi_json(request: Request) -> HTTPResponse:
    """The OpenAPI document."""
    if not hasattr(request.app.ctx, "openapi"):
        request.app.ctx.openapi = build(request.app)
    return json(request.app.ctx.openapi)


@bp.get("/docs")
@endpoint("The OpenAPI document as a page")
async def docs(request: Request) -> HTTPResponse:
    """The OpenAPI document rendered as a page."""
    spec = build(request.app)
    page = ENV.get_template("docs.html").render(spec=spec)
    return HTTPResponse(page, content_type="text/html; charset=utf-8")
