"""The film and people lists: parse, read through the two-tier cache, page.

Shared by `/api/movies/`, `/api/genres/{id}/movies/` and `/api/people/`. A page is answered
by the workers' catalogue index (front/workers/discover.py), or by MongoDB when the index cannot
answer in time; both give the same films in the same order. Cached pages carry the catalogue
version in their keys, so a change to any film or person reaches every cached page at once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from sanic import Request

from cache import keys
from errors import Invalid, NotFound
from front import cursors
from front.limits import charged
from front.pagination import keyset, paginate
from front.params import Params
from stores import Stores
from stores.mongo import genres, movies, people
from stores.mongo.movies import MovieFilter
from textfold import fold, words

FILTERS = ("genre", "without_genre", "year", "year_from", "year_to", "min_rating", "max_rating", "min_votes",
           "max_votes", "min_runtime", "max_runtime", "min_gross", "min_rotten_tomatoes", "mpaa", "person", "q",
           "sort")
ALIASES = {"ordering": "sort", "search": "q"}
SORTS = [f"{sign}{name}" for name in movies.SORTS for sign in ("-", "")]
USER_SORTS = {"user_rating", "reviews"}
USER_SORT_TTL = 12  # seconds a page sorted by reviewers' figures is kept in each tier (they lag reviews)
MPAA = ("G", "PG", "PG-13", "R", "NC-17")
MAX_ID = 2**53
MAX_GROSS = 10**13  # dollars


class GenreTable:
    """Every genre's id by folded name, held by a web process and read again every GENRES_SECONDS.

    Genres are a small fixed set, so a list never asks MongoDB to resolve a genre's name.
    """

    def __init__(self) -> None:
        self.names: dict[str, int] = {}
        self.ids: set[int] = set()
        self.read_at = -GENRES_SECONDS

    async def current(self, stores: Stores) -> GenreTable:
        """The table, read again when it is older than GENRES_SECONDS."""
        if time.monotonic() - self.read_at >= GENRES_SECONDS:
            found = await genres.list_genres(await stores.mongo())
            self.names = {fold(str(g.get("name") or "")): int(g["_id"]) for g in found}
            self.ids = {int(g["_id"]) for g in found}
            self.read_at = time.monotonic()
        return self


GENRES_SECONDS = 30.0


def _genre_id(table: GenreTable, value: str, query: Params, name: str) -> int | None:
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    found = table.names.get(fold(value))
    if found is None:
        query.fail(name, f"No genre named {value!r}.")
    return found


async def _genre_sets(table: GenreTable, query: Params) -> list[tuple[int, ...]]:
    """Each `genre` value is an OR-set (`Comedy|Drama`); repeated values must all hold."""
    sets = []
    for value in query.many("genre"):
        found = [_genre_id(table, part.strip(), query, "genre") for part in value.split("|") if part.strip()]
        if not found:
            query.fail("genre", "Give a genre id or name.")
        sets.append(tuple(sorted({g for g in found if g is not None})))
    return [s for s in dict.fromkeys(sets) if s]


def _range(query: Params, low_name: str, high_name: str, *, low: float, high: float,
           whole: bool = True) -> tuple[Any, Any]:
    found: tuple[Any, Any]
    if whole:
        found = (query.integer(low_name, low=int(low), high=int(high)),
                 query.integer(high_name, low=int(low), high=int(high)))
    else:
        found = (query.number(low_name, low=low, high=high), query.number(high_name, low=low, high=high))
    if found[0] is not None and found[1] is not None and found[0] > found[1]:
        query.fail(high_name, f"Must not be below {low_name}.")
    return found


async def read_filter(request: Request, query: Params, genre_id: int | None = None) -> MovieFilter:
    """The typed filter of a list request (raises 400 naming every bad parameter)."""
    table = await request.app.ctx.genre_table.current(request.app.ctx.stores)
    sets = await _genre_sets(table, query)
    if genre_id is not None:
        sets = [s for s in sets if genre_id not in s] + [(genre_id,)]
    without = [g for g in [_genre_id(table, v, query, "without_genre") for v in query.many("without_genre")]
               if g is not None]
    year_from: int | None
    year_to: int | None
    year_from, year_to = _range(query, "year_from", "year_to", low=1800, high=2100)
    year = query.integer("year", low=1800, high=2100)
    if year is not None:
        year_from, year_to = max(year, year_from or year), min(year, year_to or year)
    mpaa = query.text("mpaa", max_length=10)
    blank = mpaa is None and bool(query.args.get("mpaa")) and "mpaa" not in query.errors  # `?mpaa=` names none
    if blank or (mpaa is not None and mpaa.upper() not in MPAA):
        query.fail("mpaa", f"Must be one of: {', '.join(MPAA)}.")
    q = query.text("q")
    q_words = tuple(words(q)[:10]) if q else ()
    if q and not q_words:
        query.fail("q", "Give at least one letter or digit.")
    return MovieFilter(
        genre_sets=tuple(sets),
        without_genres=tuple(sorted(set(without))),
        year=(year_from, year_to),
        rating=_range(query, "min_rating", "max_rating", low=0, high=10, whole=False),
        votes=_range(query, "min_votes", "max_votes", low=0, high=10**9),
        runtime=_range(query, "min_runtime", "max_runtime", low=0, high=10**5),
        gross=(query.integer("min_gross", low=0, high=MAX_GROSS), None),
        rotten_tomatoes=(query.integer("min_rotten_tomatoes", low=0, high=100), None),
        mpaa=mpaa.upper() if mpaa else None,
        person_ids=tuple(sorted(set(query.integers("person", low=1, high=MAX_ID)))),
        words=q_words,
    )


async def film_exists(request: Request, movie_id: int) -> bool:
    """Whether a film exists: its detail is cached (a film's removal drops it), else MongoDB says.

    Writes that name a film (reviews, the library) check it on their request path, where MongoDB would
    otherwise be asked for every one."""
    ctx = request.app.ctx
    return await ctx.aside.held(keys.movie_entry(movie_id)) or await movies.exists(await ctx.stores.mongo(), movie_id)


async def cached_page(request: Request, kind: str, work: dict[str, Any], page: int, size: int,
                      index: Callable[[int], Awaitable[tuple[int, list[Any]] | None]],
                      mongo: Callable[[], Awaitable[tuple[int, list[Any]]]], ttl: int | None = None) -> bytes:
    """A page under the catalogue version: from the index (whose result in Redis is the page's Redis tier),
    else from MongoDB through the two-tier cache, under the work and the request's own URL."""
    ctx = request.app.ctx
    keep = ttl or ctx.settings.cache_ttl_seconds
    found = await index(keep)
    if found is not None:
        return orjson.dumps(paginate(request, found[1], found[0], page, size))
    name = keys.work_key(kind, {**work, "v": ctx.local.version, "path": request.path.rstrip("/"),
                           "args": request.query_string})

    async def body() -> dict[str, Any]:
        count, results = await mongo()
        return paginate(request, results, count, page, size)

    answer = await ctx.aside.get(keys.list_entry(name), charged(request, body), keep)
    if answer is None:
        raise Invalid("The list could not be built.")
    return answer


MAX_IDS = 100


async def _by_ids(request: Request, query: Params, kind: str,
                  mongo: Callable[..., Awaitable[dict[int, dict[str, Any]]]]) -> bytes:
    """The films or people named by `ids` (up to MAX_IDS, all in one page whatever page_size), in the order
    given, the ids of none listed under `missing`: from the index, else from MongoDB through the two tiers."""
    for name in sorted(set(query.args) - {"ids", "page_size", "format"}):
        query.fail(name, "Not taken with ids: a lookup by id answers the ids given, in one page.")
    ids = query.id_list("ids", most=MAX_IDS)
    query.page()
    query.done()
    ctx = request.app.ctx
    keep = ctx.settings.cache_ttl_seconds

    def page(results: list[dict[str, Any]]) -> dict[str, Any]:
        found = {entry["id"] for entry in results}
        return {"count": len(results), "next": None, "previous": None, "results": results,
                "missing": [i for i in ids if i not in found]}

    answered = await ctx.discover.by_ids(request, kind, ids, keep)
    if answered is not None:
        return orjson.dumps(page(answered[1]))

    async def load() -> dict[str, Any]:
        held = await mongo(await ctx.stores.mongo(), ids)
        return page([held[i] for i in ids if i in held])

    name = keys.work_key(kind, {"ids": ids, "v": ctx.local.version})
    answer = await ctx.aside.get(keys.list_entry(name), charged(request, load), keep)
    if answer is None:
        raise Invalid("The lookup could not be built.")
    return answer


async def _from_mongo(lister: Callable[..., Awaitable[tuple[int, list[Any]]]], stores: Stores,
                      *args: Any) -> tuple[int, list[Any]]:
    """A page listed by MongoDB itself (while the index cannot answer)."""
    return await lister(await stores.mongo(), *args)


def _hot(request: Request) -> tuple[str, tuple[bytes, str] | None]:
    """The local-tier key of a list request under the current catalogue version, and its page and entity tag
    if held."""
    ctx = request.app.ctx
    raw = keys.page_entry(ctx.local.version, request.path, request.query_string)
    return raw, ctx.local.tagged(raw)


async def movie_page(request: Request, genre_id: int | None = None) -> tuple[bytes, str | None]:
    """One page of the movie list as JSON bytes (and its entity tag, when it came from the local tier), through
    the two-tier cache.

    A page served before under the very same path, query string and catalogue version comes
    straight from the local tier, skipping validation (only valid requests are ever stored there).
    """
    raw, hot = _hot(request)
    if hot is not None:
        return hot
    ctx = request.app.ctx
    if genre_id is not None and genre_id not in (await ctx.genre_table.current(ctx.stores)).ids:
        raise NotFound(f"No genre with id {genre_id}.")
    query = Params(request, (*FILTERS, *ALIASES, *(() if genre_id else ("ids",)), "page", "page_size", "cursor"))
    if "ids" in query.args:
        body = await _by_ids(request, query, "movies", movies.summaries)
        ctx.local.put(raw, body)
        return body, None
    for alias, name in ALIASES.items():
        query.alias(name, alias)
    if "cursor" in query.args:
        body, ttl = await _keyset_page(request, query, genre_id)
        ctx.local.put(raw, body, ttl)
        return body, None
    page, size = query.page()
    sort = query.choice("sort", SORTS, "-popularity")
    movie_filter = await read_filter(request, query, genre_id)
    query.done()
    skip = (page - 1) * size
    ttl = USER_SORT_TTL if sort.lstrip("-") in USER_SORTS else None
    filter_params = movie_filter.params()
    body = await cached_page(
        request, "movies", {"f": filter_params, "sort": sort, "page": page, "size": size}, page, size,
        lambda keep: ctx.discover.movies(request, filter_params, sort, skip, size, keep),
        lambda: _from_mongo(movies.list_movies, ctx.stores, movie_filter, sort, skip, size), ttl)
    ctx.local.put(raw, body, ttl)
    return body, None


async def _keyset_page(request: Request, query: Params, genre_id: int | None) -> tuple[bytes, int | None]:
    """A keyset page of films (`?cursor=`, blank for the first) and how long the local tier keeps it: the
    films after the cursor's place in the sort, with the cursor of the next page; from the index, else from
    MongoDB through the two tiers."""
    token = query.cursor()
    _, size = query.page()
    sort = query.choice("sort", SORTS, "-popularity")
    movie_filter = await read_filter(request, query, genre_id)
    query.done()
    ctx = request.app.ctx
    filter_params = movie_filter.params()
    walk = {"f": filter_params, "sort": sort}
    key = cursors.decode(ctx.settings, token, walk) if token else None
    ttl = USER_SORT_TTL if sort.lstrip("-") in USER_SORTS else None
    keep = ttl or ctx.settings.cache_ttl_seconds

    def page(count: int, results: list[Any], last: Any) -> dict[str, Any]:
        following = cursors.encode(ctx.settings, walk, (last[0], last[1])) if last else None
        return keyset(request, results, count, following, size)

    found = await ctx.discover.movies_after(request, filter_params, sort, key, size, keep)
    if found is not None:
        return orjson.dumps(page(int(found["count"]), found["results"], found["last"])), ttl

    async def load() -> dict[str, Any]:
        return page(*await movies.list_movies_after(await ctx.stores.mongo(), movie_filter, sort, key, size))

    name = keys.work_key("movies", {**walk, "after": list(key) if key else None, "size": size,
                                    "v": ctx.local.version, "path": request.path.rstrip("/")})
    answer = await ctx.aside.get(keys.list_entry(name), charged(request, load), keep)
    if answer is None:
        raise Invalid("The list could not be built.")
    return answer, ttl


async def people_page(request: Request) -> tuple[bytes, str | None]:
    """One page of the people list (by popularity; `q` matches name words, the last as a prefix)."""
    raw, hot = _hot(request)
    if hot is not None:
        return hot
    query = Params(request, ("q", "search", "ids", "page", "page_size"))
    if "ids" in query.args:
        body = await _by_ids(request, query, "people", people.summaries)
        request.app.ctx.local.put(raw, body)
        return body, None
    query.alias("q", "search")
    page, size = query.page()
    q = query.text("q")
    q_words = tuple(words(q)[:6]) if q else ()
    if q and not q_words:
        query.fail("q", "Give at least one letter or digit.")
    query.done()
    ctx = request.app.ctx
    skip = (page - 1) * size
    body = await cached_page(request, "people", {"q": list(q_words), "page": page, "size": size}, page, size,
                             lambda keep: ctx.discover.people(request, q_words, skip, size, keep),
                             lambda: _from_mongo(people.list_people, ctx.stores, q_words, skip, size))
    ctx.local.put(raw, body)
    return body, None
