"""Search index terms, kept in the indexed `tokens` array of each movie and person.

For every folded word: the word, its prefixes from two letters, and for words of five letters
or more that are not all digits (a number has no typos: 19999 is not 1999), `~` + the word and
`~` + each of its one-letter deletions. Two words within one
edit of each other (insert, delete, substitute, adjacent swap) always share a `~` term, so a
typo is found with plain equality lookups on the index, which both MongoDB and the local
stand-in serve from the index (no `$text`).
"""

from __future__ import annotations

from typing import Any

from stores.mongo.text import words

MIN_PREFIX = 2
MIN_FUZZY = 5


def deletions(word: str) -> set[str]:
    """The word with each one of its letters left out."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def fuzzy(word: str) -> bool:
    """Whether a word is matched with one typo: five letters or more, not a number."""
    return len(word) >= MIN_FUZZY and not word.isdigit()


def fuzzy_terms(word: str) -> set[str]:
    """The `~` terms of a word (none for words shorter than five letters, nor for numbers)."""
    if not fuzzy(word):
        return set()
    return {"~" + word} | {"~" + variant for variant in deletions(word)}


def terms(text: str) -> list[str]:
    """Every index term of a text."""
    found: dict[str, None] = {}
    for word in words(text):
        found.setdefault(word, None)
        for end in range(MIN_PREFIX, len(word)):
            found.setdefault(word[:end], None)
        for term in sorted(fuzzy_terms(word)):
            found.setdefault(term, None)
    return list(found)


def movie_terms(doc: dict[str, Any]) -> list[str]:
    """The index terms of a movie: its title and original title."""
    return terms(" ".join(filter(None, (doc.get("title"), doc.get("original_title")))))


def person_terms(doc: dict[str, Any]) -> list[str]:
    """The index terms of a person: their name."""
    return terms(doc.get("name") or "")
