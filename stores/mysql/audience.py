"""A film's audience in the library: how many members keep it on their watchlist, as a favourite, and how
many public lists hold it (the `library` counts of its detail).

The counts are anonymous totals, so a member whose library is private counts like any other; a private
list does not count, as it is not there for anyone else to see.
"""

from __future__ import annotations

from stores.mysql import Pool

COUNTS = (
    "SELECT (SELECT COUNT(*) FROM shelf_items WHERE movie_id = %s AND shelf = 'watchlist'),"
    " (SELECT COUNT(*) FROM shelf_items WHERE movie_id = %s AND shelf = 'favorites'),"
    " (SELECT COUNT(*) FROM list_items JOIN lists ON lists.id = list_items.list_id"
    "  WHERE list_items.movie_id = %s AND lists.public = 1)"
)


async def library_counts(pool: Pool, movie_id: int) -> dict[str, int]:
    """`{watchlists, favorites, lists}` of one film, read through the films' indexes in one round trip."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(COUNTS, (movie_id, movie_id, movie_id))
        watchlists, favorites, public_lists = await cur.fetchone()
    return {"watchlists": int(watchlists), "favorites": int(favorites), "lists": int(public_lists)}
