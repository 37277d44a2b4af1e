"""The catalogue index's compact columns: exact whatever their type, sorted alike whichever way they sort."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from actors.catalogue import Films
from actors.catalogue.columns import Column, Packed
from actors.catalogue.shelf import counted_page, descending_order, page_of
from stores.mongo.movies import MovieFilter, prepare

NAN = float("nan")


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize(("values", "dtype", "scale"), [
    ([1999, 2001, NAN], np.int16, 1),
    ([7.3, 8.1, 0.1, NAN], np.int16, 10),
    ([12.345, 0.001, 99_999.999], np.int32, 1000),
    ([3_000_000, 1], np.int32, 1),
    ([0.1234, 5], np.float64, 1),
    ([3e12, 1], np.float64, 1),
    ([NAN, NAN], np.int16, 1),
])
def test_a_column_takes_the_narrowest_exact_type(values: list[float], dtype: Any, scale: int) -> None:
    column = Column(np.array(values))
    assert (column.values.dtype, column.scale) == (dtype, scale)
    assert all(same(column[i], v) for i, v in enumerate(values))
    assert all(same(a, b) for a, b in zip(column.floats().tolist(), values, strict=True))


def test_a_value_the_type_cannot_hold_widens_the_column_and_reads_back_exactly() -> None:
    column = Column(np.array([7.3, 8.1, NAN]))
    for position, value in ((2, 9.9), (0, 40_000.5), (1, 0.123456), (2, NAN)):
        column.set(position, value)
        assert same(column[position], value)
    assert [column[0], column[1]] == [40_000.5, 0.123456]
    assert column.values.dtype == np.float64


def test_ranges_compare_the_very_floats_held() -> None:
    values = [7.3, 7.2, 8.0, NAN, 0.1]
    column = Column(np.array(values))
    for low, high in ((7.3, None), (None, 7.3), (7.25, 7.3), (0.1, 0.1), (None, None)):
        within = column.within(low, high)
        expected = [not math.isnan(v) and (low is None or v >= low) and (high is None or v <= high) for v in values]
        assert (within is None) == (low is None and high is None)
        if within is not None:
            assert within.tolist() == expected


def test_counting_sorts_like_the_precomputed_order() -> None:
    """Any mask, direction and page, positions in id order or not, nulls included."""
    rng = np.random.default_rng(14)
    for trial in range(2000):
        n = int(rng.integers(1, 300))
        values = rng.integers(0, int(rng.integers(1, 30)), n) / 10
        values[rng.random(n) < 0.2] = np.nan
        ids = (rng.permutation(10 * n)[:n] if trial % 2 else np.arange(n) * 3).astype(np.int32)
        by_id = np.argsort(ids, kind="stable").astype(np.int32) if trial % 2 else None
        column = Column(values)
        assert column.counted
        mask = rng.random(n) < 0.7
        forward, skip, limit = bool(trial % 3), int(rng.integers(0, n + 2)), int(rng.integers(1, 50))
        order = descending_order(column.floats(), ids)
        assert counted_page(mask, column, by_id, forward, skip, limit) == page_of(mask, order, forward, skip, limit)


def test_packed_positions_read_back() -> None:
    values = np.array([0, 1, 2**24 - 1, 12345, 7], dtype=np.int32)
    packed = Packed(values)
    assert packed.nbytes == 15
    assert packed[0:5].tolist() == values.tolist() and packed[2:4].tolist() == [2**24 - 1, 12345]
    assert Packed(np.array([0, 2**24], dtype=np.int32))[0:2].tolist() == [0, 2**24]


def film(film_id: int, title: str, **fields: Any) -> dict[str, Any]:
    return prepare({"_id": film_id, "title": title, "genres": [], "genre_ids": [], "person_ids": [],
                    "rating": {"average": 5.0, "votes": 1}, "popularity": 1.0, **fields})


def titles(films: Films, sort: str = "title") -> list[int]:
    return [s["id"] for s in films.page(MovieFilter(), sort, 0, 1000)[1]]


def test_retitled_and_new_films_are_placed_in_the_title_order() -> None:
    rng = random.Random(3)
    docs = {i: film(i, rng.choice(["The Cat", "A Dog", "Zebra", "ant", "Émile", "cat"]) + f" {rng.randint(1, 5)}")
            for i in range(1, 200)}
    films = Films.of(docs.values())
    changes = {i: film(i, rng.choice(["Aardvark", "The Zoo", "cat 3", "Dog"]), year=2000 + i % 5)
               for i in rng.sample(sorted(docs), 40)}
    changes.update({i: film(i, "Newcomer " + str(i % 3)) for i in (500, 3, 250)})
    changes[7] = None
    films.apply(changes)
    docs.update(changes)
    live = [d for d in docs.values() if d is not None]
    ascending = [d["_id"] for d in sorted(live, key=lambda d: (d["title_sort"], d["_id"]))]
    assert titles(films) == ascending
    assert titles(films, "-title") == ascending[::-1]
    year_order = sorted(live, key=lambda d: (-(d.get("year") or -1), d["_id"]))
    assert titles(films, "-year") == [d["_id"] for d in year_order]


def test_paging_a_selective_mask_through_the_ranks_walks_the_order_alike() -> None:
    rng = np.random.default_rng(19)
    for trial in range(2000):
        n = int(rng.integers(1, 400))
        order = rng.permutation(n).astype(np.int32)
        ranks = np.empty(n, dtype=np.int32)
        ranks[order] = np.arange(n, dtype=np.int32)
        mask = rng.random(n) < (0.02 if trial % 2 else 0.5)
        forward, limit = bool(trial % 3), int(rng.integers(1, 50))
        skip = int(rng.integers(0, max(2, int(mask.sum()) + 2)))
        assert page_of(mask, order, forward, skip, limit, ranks) == page_of(mask, order, forward, skip, limit)


def test_a_films_genres_changed_or_a_film_added_shows_in_genre_filters_at_once() -> None:
    docs = [film(i, f"Film {i}", genre_ids=[i % 3 + 1], genres=[{"id": i % 3 + 1, "name": f"G{i % 3 + 1}"}])
            for i in range(1, 60)]
    films = Films.of(docs)

    def holding(*genres: int) -> set[int]:
        return {s["id"] for s in films.page(MovieFilter(genre_sets=(genres,)), "title", 0, 1000)[1]}

    assert holding(1) == {i for i in range(1, 60) if i % 3 == 0}
    assert holding(1, 2) == {i for i in range(1, 60) if i % 3 in (0, 1)}
    films.apply({3: film(3, "Film 3", genre_ids=[2], genres=[{"id": 2, "name": "G2"}]),
                 900: film(900, "New", genre_ids=[1], genres=[{"id": 1, "name": "G1"}])})
    assert holding(1) == {i for i in range(1, 60) if i % 3 == 0 and i != 3} | {900}
    assert 3 in holding(2) and 3 in holding(1, 2)
