"""Bulk writes for seeding: batched multi-row upserts and one-statement rating aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stores.mysql import Pool, transaction
from timestamps import micros

# The space after VALUES matters: aiomysql only batches executemany when it sees `VALUES (`.
UPSERT_REVIEWS = (
    "INSERT INTO reviews (movie_id, user_id, username, rating, title, body, created_at, updated_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON DUPLICATE KEY UPDATE rating = VALUES(rating), title = VALUES(title), body = VALUES(body),"
    " created_at = VALUES(created_at), updated_at = VALUES(updated_at)"
)

REFRESH_ALL_STATS = """
INSERT INTO rating_stats (movie_id, review_count, rating_sum, histogram, updated_at)
SELECT movie_id, COUNT(*), SUM(rating),
       JSON_ARRAY(SUM(rating = 1), SUM(rating = 2), SUM(rating = 3), SUM(rating = 4), SUM(rating = 5),
                  SUM(rating = 6), SUM(rating = 7), SUM(rating = 8), SUM(rating = 9), SUM(rating = 10)),
       %s
FROM reviews GROUP BY movie_id
ON DUPLICATE KEY UPDATE review_count = VALUES(review_count), rating_sum = VALUES(rating_sum),
    histogram = VALUES(histogram), updated_at = VALUES(updated_at)
"""

UPSERT_SHELF_ITEMS = (
    "INSERT INTO shelf_items (user_id, shelf, movie_id, added_at) VALUES (%s, %s, %s, %s)"
    " ON DUPLICATE KEY UPDATE added_at = VALUES(added_at)"
)
# A NULL id is a new entry; an id is the entry an earlier run wrote, written again in place.
UPSERT_DIARY = (
    "INSERT INTO diary_entries (id, user_id, movie_id, watched_on, rating, rewatch, note, created_at, updated_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON DUPLICATE KEY UPDATE watched_on = VALUES(watched_on), rating = VALUES(rating), rewatch = VALUES(rewatch),"
    " note = VALUES(note), created_at = VALUES(created_at), updated_at = VALUES(updated_at)"
)
UPSERT_LISTS = (
    "INSERT INTO lists (id, user_id, name, description, public, ranked, item_count, created_at, updated_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON DUPLICATE KEY UPDATE description = VALUES(description), public = VALUES(public), ranked = VALUES(ranked),"
    " item_count = VALUES(item_count), created_at = VALUES(created_at), updated_at = VALUES(updated_at)"
)
INSERT_LIST_ITEMS = "INSERT INTO list_items (list_id, position, movie_id, note) VALUES (%s, %s, %s, %s)"

BATCH = 5000


async def upsert_reviews(pool: Pool, rows: Sequence[dict[str, Any]]) -> int:
    """Insert or update reviews by (user, movie) in batches of one transaction each; returns the row count."""
    records = [
        (
            row["movie_id"], row["user_id"], row["username"], row["rating"], row["title"], row["body"],
            _naive(row["created_at"]), _naive(row["updated_at"]),
        )
        for row in rows
    ]
    async with pool.acquire() as conn:
        for start in range(0, len(records), BATCH):
            await conn.begin()
            try:
                async with conn.cursor() as cur:
                    await cur.executemany(UPSERT_REVIEWS, records[start : start + BATCH])
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
    return len(records)


async def put_libraries(pool: Pool, user_ids: Sequence[int], shelf_rows: Sequence[tuple[int, str, int, Any]],
                        diary_rows: Sequence[dict[str, Any]], list_rows: Sequence[dict[str, Any]]) -> int:
    """Write the seeded libraries of `user_ids` in one transaction; returns the rows written.

    Run again (a redelivered chunk, a second seed), it writes the same rows in place instead of adding
    more: a shelf row by its key, the n-th seeded watch of a film by the user's n-th entry of it, a list
    by its owner and name (its items replaced). `diary_rows` come in watch order per user and film.
    """
    if not user_ids:
        return 0
    marks = ", ".join(["%s"] * len(user_ids))
    async with transaction(pool) as cur:
        await _many(cur, UPSERT_SHELF_ITEMS, [(u, shelf, m, _naive(at)) for u, shelf, m, at in shelf_rows])
        await cur.execute(f"SELECT id, user_id, movie_id FROM diary_entries WHERE user_id IN ({marks})"
                          " ORDER BY user_id, movie_id, watched_on, id", tuple(user_ids))
        earlier: dict[tuple[int, int], list[int]] = {}
        for entry_id, user_id, movie_id in await cur.fetchall():
            earlier.setdefault((int(user_id), int(movie_id)), []).append(int(entry_id))
        await _many(cur, UPSERT_DIARY, [
            (_pop(earlier.get((row["user_id"], row["movie_id"]))), row["user_id"], row["movie_id"], row["watched_on"],
             row["rating"], int(row["rewatch"]), row["note"], _naive(row["created_at"]), _naive(row["created_at"]))
            for row in diary_rows])
        named = await _list_ids(cur, marks, user_ids)
        await _many(cur, UPSERT_LISTS, [
            (named.get((row["user_id"], row["name"])), row["user_id"], row["name"], row["description"],
             int(row["public"]), int(row["ranked"]), len(row["items"]), _naive(row["created_at"]),
             _naive(row["created_at"])) for row in list_rows])
        named = await _list_ids(cur, marks, user_ids)
        ids = [named[(row["user_id"], row["name"])] for row in list_rows]
        if ids:
            await cur.execute(f"DELETE FROM list_items WHERE list_id IN ({', '.join(['%s'] * len(ids))})", tuple(ids))
        await _many(cur, INSERT_LIST_ITEMS, [(list_id, position, movie_id, note)
                                             for list_id, row in zip(ids, list_rows, strict=True)
                                             for position, (movie_id, note) in enumerate(row["items"], 1)])
    return len(shelf_rows) + len(diary_rows) + sum(1 + len(row["items"]) for row in list_rows)


async def _many(cur: Any, statement: str, records: list[tuple[Any, ...]]) -> None:
    for start in range(0, len(records), BATCH):
        await cur.executemany(statement, records[start : start + BATCH])


def _pop(ids: list[int] | None) -> int | None:
    return ids.pop(0) if ids else None


async def _list_ids(cur: Any, marks: str, user_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """`{(owner, name): id}` of the users' lists (the first of a name)."""
    await cur.execute(f"SELECT id, user_id, name FROM lists WHERE user_id IN ({marks}) ORDER BY id DESC",
                      tuple(user_ids))
    return {(int(user_id), str(name)): int(list_id) for list_id, user_id, name in await cur.fetchall()}


async def link_seeded_reviews(pool: Pool) -> int:
    """Point each seeded review without an entry at the seeded watch it comes with (the same author, film and
    moment, not a rewatch); how many reviews were linked. A seeded watch of a reviewed film is written with the
    review's moment, which no entry a member writes shares."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "UPDATE reviews JOIN diary_entries ON diary_entries.user_id = reviews.user_id"
            " AND diary_entries.movie_id = reviews.movie_id AND diary_entries.created_at = reviews.created_at"
            " AND diary_entries.rewatch = 0"
            " SET reviews.diary_entry_id = diary_entries.id WHERE reviews.diary_entry_id IS NULL")
        return int(cur.rowcount)


async def refresh_all_stats(pool: Pool) -> int:
    """Recompute every movie's rating statistics from the reviews in one statement; returns its version.

    The version is MySQL's clock read before the statement reads the reviews (see ratings._refresh)."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT UTC_TIMESTAMP(6)")
        (moment,) = await cur.fetchone()
        await cur.execute(REFRESH_ALL_STATS, (moment,))
        await cur.execute(
            "DELETE FROM rating_stats WHERE movie_id NOT IN (SELECT DISTINCT movie_id FROM reviews)"
        )
    return micros(moment)


async def all_stats(pool: Pool) -> dict[int, tuple[float | None, int, int]]:
    """`{movie_id: (average, count, version)}` of every film with reviews."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT movie_id, review_count, rating_sum, updated_at FROM rating_stats WHERE review_count > 0")
        rows = await cur.fetchall()
    return {int(movie_id): (round(total / count, 2), int(count), micros(moment))
            for movie_id, count, total, moment in rows}


def _naive(moment: Any) -> Any:
    """MySQL DATETIME has no zone: store UTC wall-clock time."""
    return moment.replace(tzinfo=None) if getattr(moment, "tzinfo", None) is not None else moment
