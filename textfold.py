"""Text folding shared by filters, sorting, search queries and the search index: case- and accent-free words.

A bottom-layer module, like timestamps.py: every layer may import it. The search index terms
(`terms`) are kept in the indexed `tokens` array of each movie and person (stores/mongo) and
filed by the catalogue index (actors/catalogue), so both find the same near words. For every
folded word: the word, its prefixes from two letters, and for words of five letters or more
that are not all digits (a number has no typos: 19999 is not 1999), `~` + the word and `~` +
each of its one-letter deletions. Two words within one edit of each other (insert, delete,
substitute, adjacent swap) always share a `~` term, so a typo is found with plain equality
lookups on the index, which both MongoDB and the local stand-in serve from the index (no `$text`).
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
_ARTICLES = ("the ", "a ", "an ")
QUERY_WORDS = 8
MIN_PREFIX = 2
MIN_FUZZY = 5


def fold(text: str) -> str:
    """Lower-case, accents stripped, ligatures expanded, punctuation turned into spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("ß", "ss").replace("æ", "ae").replace("œ", "oe").replace("ø", "o")
    return _NON_WORD.sub(" ", stripped).strip()


def words(text: str) -> list[str]:
    """The folded words of a text, in order, duplicates kept out."""
    seen: dict[str, None] = {}
    for word in fold(text).split():
        seen.setdefault(word, None)
    return list(seen)


def sort_key(title: str) -> str:
    """A title's sort key: folded, with a leading English article moved out of the way."""
    folded = fold(title)
    for article in _ARTICLES:
        if folded.startswith(article):
            return folded[len(article):] + ", " + article.strip()
    return folded


def query_words(query: str) -> list[str]:
    """The words a search looks for: the query's folded words, the first QUERY_WORDS of them."""
    return words(query)[:QUERY_WORDS]


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
