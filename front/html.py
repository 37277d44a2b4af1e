"""The browsable API: a browser asking for HTML gets the same data as a readable, linked page."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from sanic import Request
from sanic.response import HTTPResponse

from errors import Invalid

ENV = Environment(loader=PackageLoader("front", "templates"), autoescape=select_autoescape(["html"]))
# The page's entity tag names the templates it was rendered with: a deploy that changes them changes every
# page's tag, so no browser keeps a page of the templates before it (a 304) while the data stays the same.
FOLDER = Path(__file__).resolve().parent / "templates"
TEMPLATES = hashlib.blake2b(b"".join(path.read_bytes() for path in sorted(FOLDER.iterdir()) if path.is_file()),
                            digest_size=4).hexdigest()


NOSNIFF = {"X-Content-Type-Options": "nosniff"}
# The pages run one script, this server's (/docs/assets/browsable.js: the forms), and call this server only;
# nothing else is loaded, nothing may frame them, and no form is sent but by that script.
HEADERS = {"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
                                      "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                                      "frame-ancestors 'none'", **NOSNIFF}
FILM = re.compile(r"/api/movies/([1-9][0-9]{0,17})/?")  # a film's page, which has the review form

FORMATS = {"json": False, "api": True}  # Django REST framework's ?format=: JSON, or the browsable page


def check_format(request: Request) -> None:
    """400 for a `format` other than json or api, or given twice (every GET takes it)."""
    if "format" in request.query_string:
        given = request.get_args(keep_blank_values=True).getlist("format", [])
        if given and (len(given) > 1 or given[0] not in FORMATS):
            raise Invalid("Invalid query parameters: format.",
                          errors={"format": [f"Give it once, one of: {', '.join(FORMATS)}."]})


def wants_html(request: Request) -> bool:
    """Whether the client prefers HTML to JSON (a browser): by `?format=json|api`, else by the Accept header."""
    if "format=" in request.query_string:
        chosen = FORMATS.get(request.args.get("format", ""))
        if chosen is not None:
            return chosen
    accept = request.headers.get("accept", "")
    if "text/html" not in accept:
        return False
    html_at = accept.find("text/html")
    json_at = accept.find("application/json")
    return json_at == -1 or html_at < json_at


def _linkable(text: str) -> bool:
    """Whether a string is a URL worth a link: an absolute http(s) URL or one of this API's paths."""
    if not text or len(text) > 2000 or any(ch.isspace() or not ch.isprintable() for ch in text):
        return False
    if text.startswith("/api/"):
        return True
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _pretty(value: Any, indent: str) -> str:
    """The value as indented JSON, escaped for HTML, with each linkable string a link to itself."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [f"{inner}{escape(orjson.dumps(str(k)).decode())}: {_pretty(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(f"{inner}{_pretty(v, inner)}" for v in value) + f"\n{indent}]"
    text = escape(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode())
    if isinstance(value, str) and _linkable(value):
        return f'&#34;<a href="{escape(value)}">{text[5:-5]}</a>&#34;'
    return str(text)


def _linked(data: Any) -> Markup:
    return Markup(_pretty(data, ""))


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
    film = FILM.fullmatch(request.path) if status == 200 else None
    page = ENV.get_template("browsable.html").render(
        method=request.method, path=request.path, query=request.query_string, status=status,
        body=_linked(data), links=(extra or []) + related_links(data), content_type="application/json",
        film=film and int(film.group(1)),
    )
    return HTTPResponse(page, status=status, content_type="text/html; charset=utf-8", headers=HEADERS)
