"""Search index terms of the stored documents, kept in the indexed `tokens` array of each movie and person.

The terms themselves (words, prefixes, one-letter typos) are textfold's, which the catalogue
index files too, so a MongoDB lookup and the index find the same near words.
"""

from __future__ import annotations

from typing import Any

from textfold import terms


def movie_terms(doc: dict[str, Any]) -> list[str]:
    """The index terms of a movie: its title and original title."""
    return terms(" ".join(filter(None, (doc.get("title"), doc.get("original_title")))))


def person_terms(doc: dict[str, Any]) -> list[str]:
    """The index terms of a person: their name."""
    return terms(doc.get("name") or "")
