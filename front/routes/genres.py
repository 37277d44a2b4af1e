"""Genres: the list with movie counts, one genre, and its movies."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from errors import NotFound
from front.catalogue import movie_page
from front.endpoint import endpoint
from front.limits import READ
from front.pagination import paginate
from front.params import Params
from front.responses import respond, respond_raw
from stores.mongo import genres

bp = Blueprint("genres", url_prefix="/api/genres")


def _public(genre: dict[str, object]) -> dict[str, object]:
    return {"id": genre["_id"], "name": genre.get("name"), "movie_count": genre.get("movie_count", 0)}


@bp.get("/")
@endpoint("List genres with their movie counts", query="paging", response="GenrePage", limit=READ)
async def list_genres(request: Request) -> HTTPResponse:
    """Every genre."""
    query = Params(request, ("page", "page_size"))
    page, size = query.page()
    query.done()
    found = [_public(g) for g in await genres.list_genres(await request.app.ctx.stores.mongo())]
    return respond(request, paginate(request, found[(page - 1) * size : page * size], len(found), page, size))


@bp.get("/<genre_id:id>")
@endpoint("One genre", response="Genre", limit=READ)
async def genre_detail(request: Request, genre_id: int) -> HTTPResponse:
    """One genre with its movie count."""
    genre = await genres.get_genre(await request.app.ctx.stores.mongo(), genre_id)
    if genre is None:
        raise NotFound(f"No genre with id {genre_id}.")
    return respond(request, _public(genre))


@bp.get("/<genre_id:id>/movies")
@endpoint("A genre's movies, with the same filters and sorts as the movie list", query="genre_movies",
     response="MoviePage")
async def genre_movies(request: Request, genre_id: int) -> HTTPResponse:
    """The movies of one genre (a page held by the local tier is served without asking MongoDB)."""
    return respond_raw(request, *await movie_page(request, genre_id))
