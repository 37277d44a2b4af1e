"""How a seed run is split: within a stage, the chunks of one kind cover its rows once, without overlap."""

from __future__ import annotations

import pytest

from actors.seeding.plan import chunks
from seeds.people import pool_size
from seeds.plan import DEFAULTS, make_spec

STAGES = ("accounts", "profiles", "catalogue", "relations", "finish")


@pytest.mark.parametrize("sizes", [(600, 3000, 6000), (1, 1, 0), (DEFAULTS["movies"], DEFAULTS["users"], 10)])
def test_the_chunks_of_a_stage_touch_disjoint_rows_and_miss_none(sizes: tuple[int, int, int]) -> None:
    movies, users, reviews = sizes
    spec = make_spec(movies, users, reviews)
    rows = {"users": users, "profiles": users, "movies": movies, "reviews": users, "library": users,
            "people": pool_size(movies)}
    for stage in STAGES:
        covered: dict[str, list[int]] = {}
        for kind, start, end in chunks(spec, stage):
            assert start < end, (stage, kind, start, end)
            covered.setdefault(kind, []).extend(range(start, end))
        for kind, ids in covered.items():
            if kind in rows:
                assert sorted(ids) == list(range(1, rows[kind] + 1)), f"{stage}: {kind} rows once each"
            else:
                assert ids == [0], f"{stage}: one {kind} chunk"
