"""The films of the catalogue index: a column per filter and sort field, an order per sort.

A discover query is a few vector operations: a boolean mask from the filters (range
comparisons on columns, genre sets through a per-film genre combination code, people and
words through postings), then the page of the mask in the sort's order: one gather through
a precomputed order (popularity, votes, title), or, for a column of 16-bit values (year,
runtime, rating in tenths, the reviewers' figures), counting the selected values and sorting
only the page's span of them. Every order is the walk of the matching MongoDB index
(stores/mongo/movies.py `sort_spec`): value descending with ties by ascending id (titles
ascending), nulls last; the opposite direction is the same walk backwards. So the index and
MongoDB list the same films in the same order.
"""

from __future__ import annotations

import bisect
from array import array
from typing import Any

import numpy as np
import numpy.typing as npt

from actors.catalogue.columns import Column, Mask, Postings, Texts, narrowest, room_for
from actors.catalogue.shelf import Shelf, number, page_of, plain, same
from stores.mongo.movies import NULLS_LAST, RANGES, MovieFilter
from stores.mongo.search import Doc
from textfold import fold, sort_key, words

SortKey = tuple[Any, int]  # a film's sort value (None for none) and its id

# column: (path in the document, whole numbers)
NUMBERS = {"year": (("year",), True), "runtime": (("runtime",), True), "rating": (("rating", "average"), False),
           "votes": (("rating", "votes"), True), "user_rating": (("user_rating", "average"), False),
           "reviews": (("user_rating", "count"), True), "gross": (("gross", "worldwide"), True),
           "rotten_tomatoes": (("rotten_tomatoes",), True)}
SORTS = ("popularity", "rating", "votes", "year", "title", "runtime", "user_rating", "reviews", "gross",
         "rotten_tomatoes")


def _path(doc: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = doc
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    return value


class Films(Shelf):
    """Every film's filter and sort fields, by position."""

    kind = "movie"
    label = "title"

    def __init__(self) -> None:
        self._numbers = {name: array("d") for name in NUMBERS}
        self._combos: dict[tuple[Any, ...], int] = {}
        self._codes, self._mpaa_codes = array("i"), array("i")
        self.people = Postings()
        self.mpaa_values: dict[str | None, int] = {}
        self.combos: list[tuple[frozenset[int], list[dict[str, Any]]]] = []
        self.posters = Texts()  # "" for none
        # A title's sort key is sort_key(title) (stores/mongo/movies.py `prepare`); only the films whose
        # stored key is another are kept here. The title order is kept by placing moved films in it.
        self.title_keys: dict[int, str] = {}
        self._title_sorts: list[str] = []
        self._retitled: set[int] = set()
        self._genre_bits: dict[int, npt.NDArray[np.uint8]] = {}  # each genre's films, packed (`_with_genres`)
        super().__init__()

    def collect(self, doc: dict[str, Any]) -> None:
        """Read a film's columns while building."""
        for name, (path, _) in NUMBERS.items():
            self._numbers[name].append(number(_path(doc, path)))
        self._codes.append(self._combo(doc))
        self._mpaa_codes.append(self._mpaa(doc.get("mpaa")))
        self.people.add(int(p) for p in doc.get("person_ids") or ())
        title_sort = doc.get("title_sort") or ""
        self._title_sorts.append(title_sort)
        if title_sort != sort_key(doc.get("title") or ""):
            self.title_keys[len(self._title_sorts) - 1] = title_sort
        self.posters.add(doc.get("poster_url") or "")

    def _combo(self, doc: dict[str, Any]) -> int:
        ids = frozenset(int(g) for g in doc.get("genre_ids") or ())
        genres = doc.get("genres") or []
        key = (ids, tuple(sorted((g.get("id"), g.get("name")) for g in genres if isinstance(g, dict))), len(genres))
        code = self._combos.get(key)
        if code is None:
            code = self._combos[key] = len(self.combos)
            self.combos.append((ids, genres))
        return code

    def _mpaa(self, value: Any) -> int:
        key = value if isinstance(value, str) else None
        return self.mpaa_values.setdefault(key, len(self.mpaa_values))

    def columns(self) -> None:
        """Turn the collected fields into columns, postings and sort orders."""
        self.numbers = {name: Column(np.frombuffer(values, dtype=np.float64)) for name, values in self._numbers.items()}
        self.codes = narrowest(np.frombuffer(self._codes, dtype=np.int32))
        self.mpaa = narrowest(np.frombuffer(self._mpaa_codes, dtype=np.int32))
        self.people.finish()
        del self._numbers, self._codes, self._mpaa_codes
        keys = self._title_sorts  # a stable sort of the positions in id order: ties stay by id
        in_id_order = range(len(keys)) if self._by_id is None else self._by_id.tolist()
        self.orders: dict[str, Any] = {"title": np.array(sorted(in_id_order, key=keys.__getitem__), dtype=np.int32)}
        del self._title_sorts
        self.resort({name for name in SORTS if name != "title"})

    def grow(self, extra: int) -> None:
        """Room for new films at the end."""
        super().grow(extra)
        for column in self.numbers.values():
            column.grow(extra)
        self.codes = np.concatenate([self.codes, np.zeros(extra, dtype=self.codes.dtype)])
        self.mpaa = np.concatenate([self.mpaa, np.zeros(extra, dtype=self.mpaa.dtype)])
        self._genre_bits = {}

    def write(self, position: int, doc: dict[str, Any]) -> set[str]:
        """Take a film's current fields; returns the sortable columns that changed."""
        was = self.title_key(position) if position < len(self.orders["title"]) else None
        changed = super().write(position, doc)
        for name, (path, _) in NUMBERS.items():
            value, column = number(_path(doc, path)), self.numbers[name]
            if not same(column[position], value):
                column.set(position, value)
                changed.add(name)
        code, mpaa = self._combo(doc), self._mpaa(doc.get("mpaa"))
        self.codes, self.mpaa = room_for(self.codes, code), room_for(self.mpaa, mpaa)
        if self.codes[position] != code:
            self._genre_bits = {}
        self.codes[position], self.mpaa[position] = code, mpaa
        self.people.set(position, {int(p) for p in doc.get("person_ids") or ()})
        title_sort = doc.get("title_sort") or ""
        if title_sort == sort_key(self.names[position]):
            self.title_keys.pop(position, None)
        else:
            self.title_keys[position] = title_sort
        if was != title_sort:
            self._retitled.add(position)
            changed.add("title")
        poster = doc.get("poster_url") or ""
        if self.posters[position] != poster:
            self.posters.set(position, poster)
        return changed

    def title_key(self, position: int) -> str:
        """A film's title sort key."""
        found = self.title_keys.get(position)
        return found if found is not None else sort_key(self.names[position])

    def forget(self, position: int) -> None:
        """Drop what is kept apart for a film that is gone."""
        super().forget(position)
        self.people.forget(position)

    def resort(self, columns: set[str]) -> None:
        """Recompute the orders of the sorts whose column changed (`*`: every one); films whose title
        moved are placed again in the title order."""
        for sort in SORTS:
            if sort == "title":
                self._place_titles()
            elif "*" in columns or sort in columns:
                self.orders[sort] = self.order_of(self.sort_column(sort))

    def sort_column(self, sort: str) -> Column:
        """The column a sort (other than title) orders by."""
        return self.popularity if sort == "popularity" else self.numbers[sort]

    def _place_titles(self) -> None:
        """Take the retitled (and new) films out of the title order and put each where (key, id) sorts it."""
        if not self._retitled:
            return
        moved = np.fromiter(self._retitled, dtype=np.int32)
        self._retitled = set()
        order = self.orders["title"]
        order = order[~np.isin(order, moved)]
        ids = self.ids
        keys = {int(p): (self.title_key(int(p)), int(ids[p])) for p in moved}
        places = [(bisect.bisect_left(order, keys[p], key=lambda q: (self.title_key(int(q)), int(ids[q]))), p)
                  for p in sorted(keys, key=keys.__getitem__)]
        self.orders["title"] = np.insert(order, [at for at, _ in places], [p for _, p in places]).astype(np.int32)

    def select(self, movie_filter: MovieFilter) -> Mask:
        """The live films that pass every filter."""
        mask = self.alive.copy()
        for genre_set in movie_filter.genre_sets:
            mask &= self._with_genres(set(genre_set))
        if movie_filter.without_genres:
            mask &= ~self._with_genres(set(movie_filter.without_genres))
        for name in RANGES:
            within = self.numbers[name].within(*getattr(movie_filter, name))
            if within is not None:
                mask &= within
        if movie_filter.mpaa is not None:
            code = self.mpaa_values.get(movie_filter.mpaa)
            mask &= self.mpaa == code if code is not None else False
        for person in movie_filter.person_ids:
            held = np.zeros(self.size, dtype=np.bool_)
            self.people.mark(held, person)
            mask &= held
        if movie_filter.words:
            mask &= self.matching(movie_filter.words)
        return mask

    def _nulls_last(self, mask: Mask, name: str, skip: int, limit: int) -> tuple[int, list[int]]:
        """An ascending page of a NULLS_LAST sort: the films with a value (the order walked backwards), then
        those without (the same walk), as stores/mongo/movies.py `list_movies` pages them."""
        column = self.numbers[name]
        present = column.present()
        held, positions = self.page_by(mask & present, column, self.orders[name], False, skip, limit, name)
        without = mask & ~present
        if len(positions) < limit:
            rest, more = self.page_by(without, column, self.orders[name], False, max(skip - held, 0),
                                      limit - len(positions), name)
            return held + rest, positions + more
        return held + int(without.sum()), positions

    def _with_genres(self, genre_ids: set[int]) -> Mask:
        """The films holding any of these genres. Each genre's films are kept, one bit a film, until a film's
        genres change or films are added."""
        bits = self._genre_bits
        held = None
        for genre in genre_ids:
            films = bits.get(genre)
            if films is None:
                table = np.fromiter((genre in ids for ids, _ in self.combos), dtype=np.bool_, count=len(self.combos))
                films = bits[genre] = np.packbits(table[self.codes])
            held = films if held is None else held | films
        if held is None:
            return np.zeros(len(self.codes), dtype=np.bool_)
        return np.unpackbits(held, count=len(self.codes)).view(np.bool_)

    def page(self, movie_filter: MovieFilter, sort: str, skip: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """(how many films match, the summaries of one page), sorted as MongoDB's `sort_spec` sorts."""
        count, positions = self._page(self.select(movie_filter), sort, skip, limit)
        return count, self.summaries(positions)

    def page_after(self, movie_filter: MovieFilter, sort: str, key: SortKey | None,
                   limit: int) -> tuple[int, list[dict[str, Any]], SortKey | None]:
        """A keyset page: (how many films match, the summaries of the films that follow `key` in the sort's
        walk (from the start without one), the key of the page's last film when more follow)."""
        mask = self.select(movie_filter)
        skip = self.preceding(mask, sort, key) if key is not None else 0
        count, positions = self._page(mask, sort, skip, limit)
        last = self.key_of(positions[-1], sort) if positions and skip + len(positions) < count else None
        return count, self.summaries(positions), last

    def key_of(self, position: int, sort: str) -> SortKey:
        """A film's place in a sort: (its sort value, None for none; its id)."""
        name = sort.lstrip("-")
        film_id = int(self.ids[position])
        if name == "title":
            return self.title_key(position), film_id
        value = self.sort_column(name)[position]
        return (None if value != value else value), film_id

    def preceding(self, mask: Mask, sort: str, key: SortKey) -> int:
        """How many selected films come before `key` in the sort's walk, or at it (stores/mongo/movies.py
        `after` asks MongoDB the same): where the keyset page after it starts, whatever was added or removed
        since the key was read."""
        name, (value, film_id) = sort.lstrip("-"), key
        descending, ids = sort.startswith("-"), self.ids
        if name == "title":  # (key, id) ascending, or the same walk backwards
            order = self.orders["title"]

            def place(q: Any) -> tuple[str, int]:
                return self.title_key(int(q)), int(ids[q])

            if descending:
                before = order[bisect.bisect_left(order, (str(value), film_id), key=place):]
            else:
                before = order[:bisect.bisect_right(order, (str(value), film_id), key=place)]
            return int(np.count_nonzero(mask[before]))
        values = self.sort_column(name).floats()
        present = ~np.isnan(values)
        later_id, earlier_id = ids >= film_id, ids <= film_id  # the key's own film is passed too
        if value is None:  # among the films without a value
            if descending:  # values first, then the nulls by ascending id
                held = present | (~present & earlier_id)
            elif name in NULLS_LAST:  # values first, then the nulls by descending id
                held = present | (~present & later_id)
            else:  # nulls first, by descending id
                held = ~present & later_id
        elif descending:  # value descending, ties by ascending id, nulls last
            held = (values > value) | ((values == value) & earlier_id)
        else:  # value ascending, ties by descending id; nulls first unless the sort lists them last
            held = (values < value) | ((values == value) & later_id)
            if name not in NULLS_LAST:
                held |= ~present
        return int(np.count_nonzero(mask & held))

    def _page(self, mask: Mask, sort: str, skip: int, limit: int) -> tuple[int, list[int]]:
        name = sort.lstrip("-")
        forward = sort.startswith("-") != (name == "title")
        if name == "title":
            order = self.orders[name]
            count, positions = page_of(mask, order, forward, skip, limit, self.ranks(name, order))
        elif name in NULLS_LAST and not forward:
            count, positions = self._nulls_last(mask, name, skip, limit)
        else:
            count, positions = self.page_by(mask, self.sort_column(name), self.orders[name], forward, skip, limit,
                                            name)
        return count, positions

    def titled(self, title: str, year: int | None) -> int | None:
        """The id of the live film of this title (folded: case, accents and punctuation aside) and year, else of
        a year either side (the nearest, then the more popular); with no year, the most popular of the title."""
        folded = fold(title)
        if not folded:
            return None
        found = [p for p in np.flatnonzero(self.matching(tuple(words(title)))).tolist()
                 if fold(self.names[p]) == folded]
        years = self.numbers["year"]
        if year is not None:
            found = [p for p in found if years[p] == years[p] and abs(years[p] - year) <= 1]
        if not found:
            return None
        best = min(found, key=lambda p: (0 if year is None else abs(years[p] - year),
                                         -float(np.nan_to_num(self.popularity[p], nan=-np.inf)), int(self.ids[p])))
        return int(self.ids[best])

    def summaries(self, positions: list[int]) -> list[dict[str, Any]]:
        """The films' public summaries (as stores/mongo/movies.py `summary` builds them), column by column."""
        at = np.asarray(positions, dtype=np.intp)
        numbers, combos = self.numbers, self.combos
        return [{"id": film_id, "title": title or None, "year": year, "genres": combos[code][1],
                 "rating": {"average": average, "votes": votes}, "popularity": popularity,
                 "poster_url": poster or None}
                for title, poster, film_id, year, code, average, votes, popularity in zip(
                    self.names.take(positions), self.posters.take(positions), self.ids[at].tolist(),
                    numbers["year"].plain(at, True), self.codes[at].tolist(),
                    numbers["rating"].plain(at), numbers["votes"].plain(at, True), self.popularity.plain(at),
                    strict=True)]

    def doc(self, position: int) -> Doc:
        """What ranking reads of one film."""
        return Doc(int(self.ids[position]), self.names[position], plain(self.numbers["year"][position], True),
                   self.words.words_of(position), float(np.nan_to_num(self.popularity[position])))

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, roughly."""
        arrays = [self.ids, self.alive, self.popularity, self.codes, self.mpaa, *self.numbers.values(),
                  *(order for order in self.orders.values() if order is not None)]
        return (sum(a.nbytes for a in arrays) + sum(bits.nbytes for bits in self._genre_bits.values())
                + sum(texts.nbytes for texts in (self.names, self.posters, self.words, self.people)))
