"""Lists: a member's named, ordered selections of films, public or private, ranked or not.

Items are replaced in one go: the old ones are deleted and the new ones written in one transaction,
so a reader sees the list before or after, never half of it. A change that moves which films public lists
hold (items of a public list, a list made public or private, a public list deleted) commits a follow-up
naming those films, whose cached details (with their library counts) it drops.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from errors import NotFound
from stores.mysql import Pool, accounts, outbox, transaction
from stores.outbox import LIBRARY_CHANGED, Message
from timestamps import iso

COLUMNS = "id, user_id, name, description, public, ranked, item_count, created_at, updated_at"


def _iso(moment: datetime) -> str:
    return iso(moment.replace(tzinfo=UTC))


def public(row: tuple[Any, ...]) -> dict[str, Any]:
    """The public document of a list row (without its items)."""
    list_id, user_id, name, description, is_public, ranked, item_count, created, updated = row
    return {"id": int(list_id), "user_id": int(user_id), "name": name, "description": description,
            "public": bool(is_public), "ranked": bool(ranked), "item_count": int(item_count),
            "created_at": _iso(created), "updated_at": _iso(updated)}


async def create_list(pool: Pool, user_id: int, name: str, description: str, is_public: bool,
                      ranked: bool) -> dict[str, Any]:
    """Create an empty list."""
    now = datetime.now(UTC).replace(tzinfo=None)
    async with transaction(pool) as cur:
        await accounts.guard(cur, user_id)
        await cur.execute(
            "INSERT INTO lists (user_id, name, description, public, ranked, item_count, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, 0, %s, %s)", (user_id, name, description, int(is_public), int(ranked),
                                                         now, now))
        list_id = int(cur.lastrowid)
    return public((list_id, user_id, name, description, is_public, ranked, 0, now, now))


async def get_list(pool: Pool, list_id: int) -> dict[str, Any] | None:
    """One list (without items), or None."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT {COLUMNS} FROM lists WHERE id = %s", (list_id,))
        row = await cur.fetchone()
    return None if row is None else public(row)


async def _locked(cur: Any, list_id: int) -> tuple[int, bool]:
    """Lock the list's row and its owner's guard inside the caller's transaction (404 if it is gone);
    returns (its owner, whether it is public)."""
    await cur.execute("SELECT user_id FROM lists WHERE id = %s", (list_id,))
    owner = await cur.fetchone()
    if owner is None:
        raise NotFound(f"No list with id {list_id}.")
    await accounts.guard(cur, int(owner[0]))
    await cur.execute("SELECT user_id, public FROM lists WHERE id = %s FOR UPDATE", (list_id,))
    row = await cur.fetchone()
    if row is None:
        raise NotFound(f"No list with id {list_id}.")
    return int(row[0]), bool(row[1])


async def _films(cur: Any, list_id: int) -> list[int]:
    await cur.execute("SELECT movie_id FROM list_items WHERE list_id = %s ORDER BY position", (list_id,))
    return [int(r[0]) for r in await cur.fetchall()]


async def _moved(cur: Any, user_id: int, movie_ids: list[int]) -> Message | None:
    """The follow-up of a change to which films public lists hold, if it moved any."""
    if not movie_ids:
        return None
    return await outbox.add(cur, LIBRARY_CHANGED, {"user_id": user_id, "movie_ids": sorted(movie_ids)})


async def update_list(pool: Pool, list_id: int, changes: dict[str, Any]) -> tuple[dict[str, Any], Message | None]:
    """Change a list's name, description, visibility or ranking; (the list, the follow-up of a visibility
    change of a list with items)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    values = {name: int(v) if isinstance(v, bool) else v for name, v in changes.items()}
    sets = ", ".join(f"{name} = %s" for name in values)
    async with transaction(pool) as cur:
        owner, was_public = await _locked(cur, list_id)
        await cur.execute(f"UPDATE lists SET {sets}, updated_at = %s WHERE id = %s", (*values.values(), now, list_id))
        await cur.execute(f"SELECT {COLUMNS} FROM lists WHERE id = %s", (list_id,))
        row = await cur.fetchone()
        flipped = "public" in changes and bool(changes["public"]) != was_public
        message = await _moved(cur, owner, await _films(cur, list_id)) if flipped else None
    return public(row), message


async def replace_items(pool: Pool, list_id: int, items: list[tuple[int, str]]
                        ) -> tuple[dict[str, Any], Message | None]:
    """Replace every item of a list with `(movie_id, note)` pairs, in their order, in one transaction;
    (the list, for a public list the follow-up naming the films that came or went)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    async with transaction(pool) as cur:
        owner, is_public = await _locked(cur, list_id)
        before = set(await _films(cur, list_id)) if is_public else set()
        await cur.execute("DELETE FROM list_items WHERE list_id = %s", (list_id,))
        if items:
            await cur.executemany("INSERT INTO list_items (list_id, position, movie_id, note) VALUES (%s, %s, %s, %s)",
                                  [(list_id, position, movie_id, note)
                                   for position, (movie_id, note) in enumerate(items, 1)])
        await cur.execute("UPDATE lists SET item_count = %s, updated_at = %s WHERE id = %s",
                          (len(items), now, list_id))
        await cur.execute(f"SELECT {COLUMNS} FROM lists WHERE id = %s", (list_id,))
        row = await cur.fetchone()
        after = {movie_id for movie_id, _ in items} if is_public else set()
        message = await _moved(cur, owner, list(before ^ after))
    return public(row), message


async def delete_list(pool: Pool, list_id: int) -> Message | None:
    """Delete a list and its items; the follow-up naming its films if it was public."""
    async with transaction(pool) as cur:
        await cur.execute("SELECT user_id, public FROM lists WHERE id = %s FOR UPDATE", (list_id,))
        row = await cur.fetchone()
        if row is None:
            return None
        held = await _films(cur, list_id) if row[1] else []
        await cur.execute("DELETE FROM list_items WHERE list_id = %s", (list_id,))
        await cur.execute("DELETE FROM lists WHERE id = %s", (list_id,))
        return await _moved(cur, int(row[0]), held)


async def items(pool: Pool, list_id: int, skip: int, limit: int) -> list[dict[str, Any]]:
    """One page of a list's items in their order: `{position, movie_id, note}`."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT position, movie_id, note FROM list_items WHERE list_id = %s ORDER BY position"
                          " LIMIT %s OFFSET %s", (list_id, limit, skip))
        return [{"position": int(p), "movie_id": int(m), "note": n} for p, m, n in await cur.fetchall()]


async def _page(pool: Pool, clause: str, args: tuple[Any, ...], skip: int,
                limit: int) -> tuple[int, list[dict[str, Any]]]:
    columns = ", ".join(f"lists.{c.strip()}" for c in COLUMNS.split(","))
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT COUNT(*) FROM lists {clause}", args)
        total = int((await cur.fetchone())[0])
        await cur.execute(f"SELECT {columns} FROM lists {clause} ORDER BY lists.updated_at DESC, lists.id DESC"
                          " LIMIT %s OFFSET %s", (*args, limit, skip))
        rows = await cur.fetchall()
    return total, [public(r) for r in rows]


async def user_lists(pool: Pool, user_id: int, *, with_private: bool, skip: int = 0,
                     limit: int = 20) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page) of a member's lists, last changed first; private ones only if asked."""
    clause = "WHERE lists.user_id = %s" + ("" if with_private else " AND lists.public = 1")
    return await _page(pool, clause, (user_id,), skip, limit)


async def movie_lists(pool: Pool, movie_id: int, skip: int = 0, limit: int = 20) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page) of the public lists that hold a film, last changed first."""
    clause = ("JOIN list_items ON list_items.list_id = lists.id WHERE list_items.movie_id = %s AND lists.public = 1")
    return await _page(pool, clause, (movie_id,), skip, limit)


async def holding(pool: Pool, user_id: int, movie_id: int) -> list[dict[str, Any]]:
    """The member's own lists (private ones too) that hold the film: `{id, name, position}`."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT lists.id, lists.name, list_items.position FROM lists JOIN list_items"
                          " ON list_items.list_id = lists.id WHERE lists.user_id = %s AND list_items.movie_id = %s"
                          " ORDER BY lists.id", (user_id, movie_id))
        return [{"id": int(i), "name": n, "position": int(p)} for i, n, p in await cur.fetchall()]
