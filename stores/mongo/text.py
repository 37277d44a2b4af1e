"""Text normalisation shared by filters, sorting and the search index: case- and accent-free words."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
_ARTICLES = ("the ", "a ", "an ")


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
