"""The browsable API: a browser asking for HTML gets the same data as a readable, linked page."""

from __future__ import annotations

import re
from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from sanic import Request
from sanic.response import HTTPResponse

ENV = Environment(loader=PackageLoader("front", "templates"), autoescape=select_autoescape(["html"]))
URL = re.compile(r"&#34;(https?://[^&\s]+(?:&amp;[^&\s]+)*|/api/[^&\s]*)&#34;")


def wants_html(request: Request) -> bool:
    """Whether the client prefers HTML to JSON (a browser), by the Accept header."""
    accept = request.headers.get("accept", "")
    if "text/html" not in accept:
        return False
    html_at = accept.find("text/html")
    json_at = accept.find("application/json")
    return json_at == -1 or html_at < json_at


def _linked(data: Any) -> Markup:
    text = escape(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode())
    return Markup(URL.sub(lambda m: f'&#34;<a href="{m.group(1)}">{m.group(1)}</a>&#34;', str(text)))


def related_links(data: Any) -> list[tuple[str, str]]:
    """Links to the resources a document mentions (genres, people, movies, users, pages)."""
    links: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        return links
    if data.get("previous"):
        links.append(("Previous page", data["previous"]))
    if data.get("next"):
        links.append(("Next page", data["next"]))
    for genre in data.get("genres") or []:
        if isinstance(genre, dict) and "id" in genre:
            links.append((f"Genre: {genre.get('name')}", f"/api/genres/{genre['id']}/"))
    for credit in (data.get("cast") or [])[:10] + (data.get("crew") or [])[:5]:
        links.append((f"Person: {credit.get('name')}", f"/api/people/{credit.get('person_id')}/"))
    for kind in ("cast", "crew"):
        for credit in ((data.get("credits") or {}).get(kind) or [])[:10]:
            links.append((f"Movie: {credit.get('title')}", f"/api/movies/{credit.get('movie_id')}/"))
    if isinstance(data.get("movie_id"), int):
        links.append(("Movie", f"/api/movies/{data['movie_id']}/"))
    for row in (data.get("results") or [])[:50]:
        if isinstance(row, dict) and "id" in row:
            label = row.get("title") or row.get("name") or row.get("username") or row["id"]
            links.append((str(label), _item_url(row)))
    return links


def _item_url(row: dict[str, Any]) -> str:
    if row.get("type") == "person" or ("name" in row and "known_for_department" in row):
        return f"/api/people/{row['id']}/"
    if "username" in row:
        return f"/api/users/{row['id']}/"
    if "movie_count" in row:
        return f"/api/genres/{row['id']}/"
    if "rating" in row and "body" in row:
        return f"/api/reviews/{row['id']}/"
    return f"/api/movies/{row['id']}/"


def render(
    request: Request, data: Any, status: int = 200, extra: list[tuple[str, str]] | None = None
) -> HTTPResponse:
    """The HTML page of a JSON document."""
    page = ENV.get_template("browsable.html").render(
        method=request.method, path=request.path, query=request.query_string, status=status,
        body=_linked(data), links=(extra or []) + related_links(data), content_type="application/json",
    )
    return HTTPResponse(page, status=status, content_type="text/html; charset=utf-8")
