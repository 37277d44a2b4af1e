"""What the library routes share: who may see a member's library, and films named by id in a page.

A member's watchlist, favourites and diary are public unless the member set `library_public` to false;
then they are 404 to everyone but the member. Lists have a visibility of their own.
"""

from __future__ import annotations

from typing import Any

from sanic import Request

from errors import NotFound, Unprocessable
from front.identity import AuthUser, optional_user
from stores.mongo import movies
from stores.postgres import users


async def library_of(request: Request, user_id: int) -> AuthUser | None:
    """Check that the caller may see the member's library (404 if not); returns the caller, if signed in."""
    owner = await users.get_user(await request.app.ctx.stores.postgres(), user_id)
    if owner is None:
        raise NotFound(f"No user with id {user_id}.")
    viewer = await optional_user(request)
    if not owner["library_public"] and (viewer is None or viewer.id != user_id):
        raise NotFound(f"User {user_id} keeps their library private.")
    return viewer


async def with_movies(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with `movie`: the summary of its `movie_id` (null for a film the catalogue no longer has)."""
    found = await movies.summaries(await request.app.ctx.stores.mongo(), [row["movie_id"] for row in rows])
    return [{**row, "movie": found.get(row["movie_id"])} for row in rows]


async def check_films(request: Request, field: str, movie_ids: list[int]) -> None:
    """422 naming the ids that are not films."""
    known = await movies.existing_ids(await request.app.ctx.stores.mongo(), movie_ids)
    unknown = [movie_id for movie_id in movie_ids if movie_id not in known]
    if unknown:
        shown = ", ".join(str(movie_id) for movie_id in unknown[:20]) + (", ..." if len(unknown) > 20 else "")
        raise Unprocessable(f"No movie with id {shown}.", errors={field: [f"Unknown movie ids: {shown}."]})
