"""An import into a member's library: films already matched, written in one transaction with one follow-up.

Every import lands whole or not at all, and importing the same films again changes nothing:

- watchlist: the film is put on the watchlist (dated as given, else now); one already there stays as it is.
- watched: a diary entry on the date, without rating, for a film the member has no entry of.
- diary: an entry is the same when film, watched date and rewatch are; a new one is written, an existing one
  takes the row's rating when the row has one and it differs.
- ratings: the member's rating of a film is their review's, else their latest rated diary entry's (as a
  film's state says). A film rated the same is unchanged; a film rated otherwise keeps its rating (`kept`:
  what the member wrote here wins); an unrated film they watched takes the rating on its latest entry; a
  film they never logged gets an entry on the row's date with the rating.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from stores.mysql import Pool, accounts, diary, outbox, shelves, transaction
from stores.outbox import LIBRARY_CHANGED, Message

OUTCOMES = ("added", "updated", "unchanged", "kept")


@dataclass(frozen=True)
class Film:
    """One matched row: the film, and the date, rating (1-10) and rewatch flag the row gives."""

    movie_id: int
    day: date | None = None
    rating: int | None = None
    rewatch: bool = False


@dataclass
class _Entry:
    id: int
    watched_on: date
    rating: int | None
    rewatch: bool


class _Library:
    """The member's diary (and review ratings) as the import goes, read once inside its transaction."""

    def __init__(self, cur: Any, user_id: int, now: datetime) -> None:
        self.cur, self.user_id, self.now = cur, user_id, now
        self.entries: dict[int, list[_Entry]] = defaultdict(list)
        self.reviewed: dict[int, int] = {}

    async def load(self, with_reviews: bool) -> None:
        await self.cur.execute("SELECT id, movie_id, watched_on, rating, rewatch FROM diary_entries"
                               " WHERE user_id = %s ORDER BY watched_on, id", (self.user_id,))
        for entry_id, movie_id, watched_on, rating, rewatch in await self.cur.fetchall():
            self.entries[int(movie_id)].append(_Entry(int(entry_id), watched_on,
                                                      None if rating is None else int(rating), bool(rewatch)))
        if with_reviews:
            await self.cur.execute("SELECT movie_id, rating FROM reviews WHERE user_id = %s", (self.user_id,))
            self.reviewed = {int(m): int(r) for m, r in await self.cur.fetchall()}

    def rating(self, movie_id: int) -> int | None:
        """The member's rating of the film: their review's, else their latest rated entry's."""
        if movie_id in self.reviewed:
            return self.reviewed[movie_id]
        rated = [e for e in self.entries[movie_id] if e.rating is not None]
        return max(rated, key=lambda e: (e.watched_on, e.id)).rating if rated else None

    def entry(self, film: Film) -> _Entry | None:
        """The film's entry of that date and rewatch flag (the latest written, if several)."""
        same = [e for e in self.entries[film.movie_id] if e.watched_on == film.day and e.rewatch == film.rewatch]
        return max(same, key=lambda e: e.id) if same else None

    async def log(self, film: Film, rating: int | None) -> str:
        assert film.day is not None
        entry_id = await diary.insert(self.cur, self.user_id, film.movie_id, film.day, rating, film.rewatch, "",
                                      self.now)
        self.entries[film.movie_id].append(_Entry(entry_id, film.day, rating, film.rewatch))
        return "added"

    async def rate(self, entry: _Entry, rating: int) -> str:
        if entry.rating == rating:
            return "unchanged"
        await diary.rate(self.cur, entry.id, rating, self.now)
        entry.rating = rating
        return "updated"

    async def watched(self, film: Film) -> str:
        return "unchanged" if self.entries[film.movie_id] else await self.log(film, None)

    async def logged(self, film: Film) -> str:
        entry = self.entry(film)
        if entry is None:
            return await self.log(film, film.rating)
        return "unchanged" if film.rating is None else await self.rate(entry, film.rating)

    async def rated(self, film: Film) -> str:
        assert film.rating is not None
        current = self.rating(film.movie_id)
        if current is not None:
            return "unchanged" if current == film.rating else "kept"
        watched = self.entries[film.movie_id]
        if watched:
            return await self.rate(max(watched, key=lambda e: (e.watched_on, e.id)), film.rating)
        return await self.log(Film(film.movie_id, film.day), film.rating)


def _midnight(day: date | None, now: datetime) -> datetime:
    return now if day is None else datetime(day.year, day.month, day.day)


async def import_films(pool: Pool, user_id: int, kind: str, films: list[Film]) -> tuple[list[str], Message | None]:
    """Import matched films of a kind (watchlist, watched, diary, ratings) into the member's library in one
    transaction; the outcome of each film (one of OUTCOMES, in order) and the follow-up if anything changed."""
    now = datetime.now(UTC).replace(tzinfo=None)
    outcomes: list[str] = []
    shelved: list[int] = []  # films put on the watchlist, whose library counts moved
    async with transaction(pool) as cur:
        await accounts.guard(cur, user_id)
        if kind == "watchlist":
            for film in films:
                added = await shelves.put(cur, user_id, "watchlist", film.movie_id, _midnight(film.day, now))
                outcomes.append("added" if added else "unchanged")
                if added:
                    shelved.append(film.movie_id)
        else:
            library = _Library(cur, user_id, now)
            await library.load(with_reviews=kind == "ratings")
            step = {"watched": library.watched, "diary": library.logged, "ratings": library.rated}[kind]
            for film in films:
                outcomes.append(await step(film))
        changed = any(outcome in ("added", "updated") for outcome in outcomes)
        followup = {"user_id": user_id, **({"movie_ids": shelved} if shelved else {})}
        message = await outbox.add(cur, LIBRARY_CHANGED, followup) if changed else None
    return outcomes, message
