"""What a member's reviews and library say about their taste: the films they like, have seen, mean to see.

A like is a review rated 7 or more, a favourite, or a diary entry rated 7 or more; a film is seen once it is
reviewed or in the diary. Recommendations start from the likes and never offer a film seen, a favourite or
one on the watchlist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stores.mysql import Pool
from stores.mysql.cooccurrence import LIKED

FAVOURITE = 10  # how strongly a favourite counts among the likes (a top rating)


@dataclass(frozen=True)
class Taste:
    """A member's likes (film -> strength, 7 to 10), the films they have seen and their watchlist."""

    likes: dict[int, int] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)
    watchlist: set[int] = field(default_factory=set)
    favorites: set[int] = field(default_factory=set)

    @property
    def liked(self) -> list[int]:
        """The liked films, strongest first (ties by id)."""
        return sorted(self.likes, key=lambda m: (-self.likes[m], m))

    @property
    def known(self) -> set[int]:
        """Every film the member has told us about, which is never recommended to them."""
        return self.seen | self.watchlist | self.favorites


async def of_user(pool: Pool, user_id: int) -> Taste:
    """The member's taste, read from their reviews, diary and shelves."""
    likes: dict[int, int] = {}
    seen: set[int] = set()
    shelves: dict[str, set[int]] = {"watchlist": set(), "favorites": set()}
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT movie_id, rating FROM reviews WHERE user_id = %s"
                          " UNION ALL SELECT movie_id, MAX(rating) FROM diary_entries WHERE user_id = %s"
                          " GROUP BY movie_id", (user_id, user_id))
        for movie_id, rating in await cur.fetchall():
            seen.add(int(movie_id))
            if rating is not None and int(rating) >= LIKED:
                likes[int(movie_id)] = max(likes.get(int(movie_id), 0), int(rating))
        await cur.execute("SELECT shelf, movie_id FROM shelf_items WHERE user_id = %s", (user_id,))
        for shelf, movie_id in await cur.fetchall():
            shelves.setdefault(str(shelf), set()).add(int(movie_id))
    for movie_id in shelves["favorites"]:
        likes[movie_id] = FAVOURITE
    return Taste(likes, seen, shelves["watchlist"], shelves["favorites"])
