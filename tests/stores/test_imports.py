"""An import into the library lands whole or not at all, and follows its rules for each kind."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import date

import pymysql
import pytest

from stores import Stores
from stores.mysql import Pool, imports, library, outbox
from stores.mysql.imports import Film


@pytest.fixture
async def member(stores: Stores) -> AsyncIterator[tuple[Pool, int]]:
    """The MySQL pool and a member id nobody else uses; their library is removed afterwards."""
    pool = await stores.mysql()
    user_id = random.randrange(80_000_000, 89_999_999)
    yield pool, user_id
    await library.delete_user_library(pool, user_id)


async def _diary(pool: Pool, user_id: int) -> list[tuple[int, date, int | None, bool]]:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT movie_id, watched_on, rating, rewatch FROM diary_entries WHERE user_id = %s"
                          " ORDER BY watched_on, id", (user_id,))
        return [(int(m), w, None if r is None else int(r), bool(x)) for m, w, r, x in await cur.fetchall()]


async def test_a_failing_row_leaves_nothing_of_the_import_behind(member: tuple[Pool, int]) -> None:
    pool, user_id = member
    films = [Film(5, date(2024, 1, 1), 8), Film(6, date(2024, 1, 2), 11)]  # 11 breaks the rating's CHECK
    with pytest.raises(pymysql.err.MySQLError):
        await imports.import_films(pool, user_id, "diary", films)
    assert await _diary(pool, user_id) == []
    assert await library.holdings(pool, user_id) == 0


async def test_each_kind_follows_its_rules_and_a_second_run_changes_nothing(member: tuple[Pool, int]) -> None:
    pool, user_id = member
    day = date(2024, 3, 1)
    outcomes, message = await imports.import_films(pool, user_id, "diary", [
        Film(5, day, 8), Film(5, day, 8, rewatch=True), Film(6, day), Film(5, day, 6)])
    assert outcomes == ["added", "added", "added", "updated"]  # the same entry again takes the new rating
    assert message is not None and message.kwargs == {"user_id": user_id}
    await outbox.remove(pool, [message.id])
    ratings = [Film(5, date(2024, 4, 1), 8), Film(6, date(2024, 4, 1), 4), Film(7, date(2024, 4, 2), 2),
               Film(7, date(2024, 4, 3), 2)]
    # 5 is rated 8 already (its latest rated entry, the rewatch); 6 was watched unrated: its entry takes the
    # rating; 7 was never logged: a new entry on the row's date, then the same rating again changes nothing.
    outcomes, message = await imports.import_films(pool, user_id, "ratings", ratings)
    assert outcomes == ["unchanged", "updated", "added", "unchanged"]
    assert message is not None
    await outbox.remove(pool, [message.id])
    outcomes, _ = await imports.import_films(pool, user_id, "watched", [Film(6, date(2024, 5, 1)), Film(9, day)])
    assert outcomes == ["unchanged", "added"]
    assert await _diary(pool, user_id) == [(5, day, 6, False), (5, day, 8, True), (6, day, 4, False),
                                           (9, day, None, False), (7, date(2024, 4, 2), 2, False)]
    before = await _diary(pool, user_id)
    for kind, films in (("ratings", ratings), ("watched", [Film(6, date(2024, 5, 1)), Film(9, day)])):
        outcomes, message = await imports.import_films(pool, user_id, kind, films)
        assert set(outcomes) <= {"unchanged", "kept"} and message is None
    assert await _diary(pool, user_id) == before
    outcomes, message = await imports.import_films(pool, user_id, "ratings", [Film(5, date(2024, 6, 1), 10)])
    assert outcomes == ["kept"] and message is None


async def test_a_watchlist_import_keeps_the_films_already_there(member: tuple[Pool, int]) -> None:
    pool, user_id = member
    first, message = await imports.import_films(pool, user_id, "watchlist", [Film(5, date(2024, 1, 1)), Film(6)])
    assert first == ["added", "added"] and message is not None
    await outbox.remove(pool, [message.id])
    again, message = await imports.import_films(pool, user_id, "watchlist", [Film(6, date(2020, 1, 1)), Film(5)])
    assert again == ["unchanged", "unchanged"] and message is None
