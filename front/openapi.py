"""OpenAPI: the document that `GET /openapi.json` serves and `GET /docs` renders (front/routes/docs.py).

Each handler declares its documentation next to itself with `@endpoint(summary, query=...,
body=..., response=..., auth=...)` (front/endpoint.py); the document is built from the app's
router, so a route that exists is always listed.
"""

from __future__ import annotations

import re
from typing import Any

from sanic import Sanic

from front.params import MAX_PATH_ID
from front.schemas import COMPONENTS, QUERIES

PARAM = re.compile(r"<(\w+)(?::(\w+))?>")


FORMAT: dict[str, Any] = {"name": "format", "in": "query", "required": False, "schema": {"enum": ["json", "api"]},
          "description": "json, or api for the browsable HTML page (as Django REST framework's format)."}


def _operation(handler: Any, path_params: list[tuple[str, str]], read: bool) -> dict[str, Any]:
    meta = getattr(handler, "__openapi__", {})
    parameters = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PATH_ID} if kind == "id" else {"type": "string"}}
        for name, kind in path_params
    ]
    parameters += QUERIES.get(meta.get("query") or "", [])
    if read:
        parameters.append(FORMAT)
    status = str(meta.get("status", 200))
    ok: dict[str, Any] = {"description": "Success"}
    if meta.get("response_media"):
        ok["content"] = {media.split(";")[0]: {"schema": {"$ref": f"#/components/schemas/{meta['response']}"}
                                               if "json" in media else {"type": "string"}}
                         for media in meta["response_media"]}
    elif meta.get("response"):
        ok["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{meta['response']}"}}}
        if read:
            ok["content"]["text/html"] = {"schema": {"type": "string"}}
    problem = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    operation: dict[str, Any] = {
        "summary": meta.get("summary") or (handler.__doc__ or handler.__name__).strip().split("\n")[0],
        "operationId": handler.__name__,
        "parameters": parameters,
        "responses": {status: ok, "4XX": {"description": "A problem document", **problem}},
    }
    retry = {"Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "string"}}}
    operation["responses"]["503"] = {"description": "A store or the broker is unavailable", "headers": retry,
                                      **problem}
    if meta.get("worker"):
        operation["responses"]["202"] = {"description": "A worker is computing it: follow the job", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}
    if meta.get("body"):
        operation["requestBody"] = {"required": True, "content": {meta.get("body_media") or "application/json": {
            "schema": {"$ref": f"#/components/schemas/{meta['body']}"}}}}
    if meta.get("auth"):
        operation["security"] = [{"bearer": []}]
        operation["responses"]["401"] = {"description": "Missing or bad credentials", **problem}
    return operation


def build(app: Sanic) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route the app serves."""
    paths: dict[str, dict[str, Any]] = {}
    for route in app.router.routes:
        raw = "/" + route.path.strip("/")
        if raw in ("/openapi.json", "/docs", "/redoc") or raw.startswith("/docs/"):
            continue  # the documentation itself
        path_params = PARAM.findall(raw)
        path = PARAM.sub(lambda m: "{" + m.group(1) + "}", raw)
        if path.startswith("/api/"):
            path += "/"
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(route.handler, path_params, method == "GET")
    return {
        "openapi": "3.1.0",
        "info": {"title": "MovieVerse API", "version": "1.0.0",
                 "description": "Movies, genres, people, reviews and users; heavy work done by workers."},
        "servers": [{"url": app.ctx.settings.public_url}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": COMPONENTS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }
