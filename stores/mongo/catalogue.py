"""Whole-catalogue facts: how many movies, genres and people there are."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stores.mongo import Database


async def counts(db: Database) -> dict[str, int]:
    """The number of movies, genres and people."""
    return {
        "movies": await db.movies.estimated_document_count(),
        "genres": await db.genres.estimated_document_count(),
        "people": await db.people.estimated_document_count(),
    }
