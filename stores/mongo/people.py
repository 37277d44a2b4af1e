"""People: documents with their credits, kept searchable by name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stores.mongo import changes, listing
from stores.mongo.bulk import DIGEST
from stores.mongo.database import Database
from stores.mongo.search_index import person_terms
from textfold import fold, words


def prepare(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with its derived fields (sort key, words, search terms, updated_at) filled in."""
    ready = dict(doc)
    ready.pop(DIGEST, None)  # what the seed wrote is no longer what the document holds
    ready["name_sort"] = fold(ready.get("name") or "")
    ready["words"] = words(ready.get("name") or "")
    ready["tokens"] = person_terms(ready)
    ready["updated_at"] = datetime.now(UTC)
    return ready


async def get_person(db: Database, person_id: int) -> dict[str, Any] | None:
    """One person with credits, or None."""
    return await db.people.find_one({"_id": person_id}, {"words": 0, "tokens": 0, "name_sort": 0, DIGEST: 0})


async def remove_others(db: Database, start: int, end: int, keep: list[int]) -> int:
    """Delete the people with ids in [start, end) other than `keep` (credits that no longer exist).

    Deleted by an `_id` `$in` list, which the `_id` index serves; a range on `_id` is a
    collection scan on the local stand-in.
    """
    kept = set(keep)
    others = [person_id for person_id in range(start, end) if person_id not in kept]
    if not others:
        return 0
    held = [doc["_id"] async for doc in db.people.find({"_id": {"$in": others}}, {"_id": 1})]
    if not held:
        return 0
    await changes.log(db, "person", held, changes.DELETED)
    result = await db.people.delete_many({"_id": {"$in": held}})
    return int(result.deleted_count)


PERSON_SUMMARY = {"name": 1, "known_for_department": 1, "popularity": 1}


async def list_people(
    db: Database, query_words: tuple[str, ...], skip: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of people) by popularity (ties by id); every word but the last whole, the last a prefix.

    """
    query = listing.words_query(query_words) if query_words else {}
    return await listing.page(db.people, query, [("popularity", -1), ("_id", 1)], PERSON_SUMMARY, _summary, skip,
                              limit)


async def summaries(db: Database, person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The list entries of the given people, by id (missing ids are left out)."""
    if not person_ids:
        return {}
    return {doc["_id"]: _summary(doc) async for doc in db.people.find({"_id": {"$in": person_ids}}, PERSON_SUMMARY)}


def _summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc["_id"], "name": doc.get("name"), "known_for_department": doc.get("known_for_department"),
            "popularity": doc.get("popularity")}


def detail(doc: dict[str, Any]) -> dict[str, Any]:
    """The public document of a person with credits."""
    fields = ("name", "biography", "birthday", "deathday", "place_of_birth", "known_for_department",
              "profile_url", "popularity")
    credits = doc.get("credits") or {}
    generated = doc.get("generated")
    if not isinstance(generated, bool):  # written before people said so: only TMDB's were real then
        generated = doc.get("tmdb_id") is None
    return {"id": doc["_id"], **{name: doc.get(name) for name in fields}, "generated": generated,
            "credits": {"cast": credits.get("cast", []), "crew": credits.get("crew", [])}}
