"""The movie list query shared by `/api/movies/` and `/api/genres/{id}/movies/`: parse, cache, page."""

from __future__ import annotations

from typing import Any

from sanic import Request

from cache import keys
from cache.keys import work_key
from errors import Invalid
from front.limits import charged
from front.pagination import check_page, paginate
from front.params import Params
from stores import Stores
from stores.mongo import genres, movies
from stores.mongo.movies import MovieFilter
from stores.mongo.text import words

FILTERS = ("genre", "year", "year_from", "year_to", "min_rating", "max_rating", "min_votes", "mpaa",
           "person", "q", "sort")
SORTS = [f"{sign}{name}" for name in movies.SORTS for sign in ("-", "")]
MPAA = ("G", "PG", "PG-13", "R", "NC-17")


async def _genre_ids(stores: Stores, values: list[str], query: Params) -> list[int]:
    found = []
    for value in values:
        if value.isascii() and value.isdigit() and len(value) <= 18:
            found.append(int(value))
            continue
        genre = await genres.by_name(await stores.mongo(), value)
        if genre is None:
            query.fail("genre", f"No genre named {value!r}.")
        else:
            found.append(int(genre["_id"]))
    return sorted(set(found))


async def read_filter(request: Request, query: Params, genre_id: int | None = None) -> MovieFilter:
    """The typed filter of a list request (raises 400 naming every bad parameter)."""
    genre_ids = await _genre_ids(request.app.ctx.stores, query.many("genre"), query)
    if genre_id is not None:
        genre_ids = sorted({*genre_ids, genre_id})
    year_from = query.integer("year_from", low=1800, high=2100)
    year_to = query.integer("year_to", low=1800, high=2100)
    if year_from is not None and year_to is not None and year_from > year_to:
        query.fail("year_to", "Must not be before year_from.")
    min_rating = query.number("min_rating", low=0, high=10)
    max_rating = query.number("max_rating", low=0, high=10)
    if min_rating is not None and max_rating is not None and min_rating > max_rating:
        query.fail("max_rating", "Must not be below min_rating.")
    mpaa = query.text("mpaa", max_length=10)
    if mpaa is not None and mpaa.upper() not in MPAA:
        query.fail("mpaa", f"Must be one of: {', '.join(MPAA)}.")
    q = query.text("q")
    q_words = tuple(words(q)[:10]) if q else ()
    if q and not q_words:
        query.fail("q", "Give at least one letter or digit.")
    return MovieFilter(
        genre_ids=tuple(genre_ids),
        year=query.integer("year", low=1800, high=2100),
        year_from=year_from,
        year_to=year_to,
        min_rating=min_rating,
        max_rating=max_rating,
        min_votes=query.integer("min_votes", low=0, high=10**9),
        mpaa=mpaa.upper() if mpaa else None,
        person_id=query.integer("person", low=1, high=2**53),
        words=q_words,
    )


async def movie_page(request: Request, genre_id: int | None = None) -> bytes:
    """One page of the movie list as JSON bytes, through the two-tier cache.

    A page served before under the very same path and query string comes straight from the
    local tier, skipping validation (only valid requests are ever stored there).
    """
    ctx = request.app.ctx
    raw = keys.cached(f"raw:{request.path}?{request.query_string}")
    hot = ctx.local.get(raw)
    if hot is not None:
        return hot
    query = Params(request, (*FILTERS, "page", "page_size"))
    page, size = query.page()
    sort = query.choice("sort", SORTS, "-popularity")
    movie_filter = await read_filter(request, query, genre_id)
    query.done()
    name = work_key("movies", {"f": movie_filter.query(), "sort": sort, "page": page, "size": size,
                               "path": request.path.rstrip("/"), "args": query.normalised()})

    async def load() -> dict[str, Any]:
        count, results = await movies.list_movies(await ctx.stores.mongo(), movie_filter, sort,
                                                  (page - 1) * size, size)
        check_page(page, size, count)
        return paginate(request, results, count, page, size)

    body = await ctx.aside.get(f"list:{name}", charged(request, load))
    if body is None:
        raise Invalid("The list could not be built.")
    ctx.local.put(raw, body)
    return body
