"""Search index terms: folded words and their prefixes, kept in an indexed array on each document."""

from __future__ import annotations

from typing import Any

from stores.mongo.text import words

MIN_PREFIX = 2


def terms(text: str) -> list[str]:
    """Every folded word of the text and every prefix of it from two letters on."""
    found: dict[str, None] = {}
    for word in words(text):
        found.setdefault(word, None)
        for end in range(MIN_PREFIX, len(word)):
            found.setdefault(word[:end], None)
    return list(found)


def movie_terms(doc: dict[str, Any]) -> list[str]:
    """The index terms of a movie: its title and original title."""
    text = " ".join(filter(None, (doc.get("title"), doc.get("original_title"))))
    return terms(text)


def person_terms(doc: dict[str, Any]) -> list[str]:
    """The index terms of a person: their name."""
    return terms(doc.get("name") or "")
