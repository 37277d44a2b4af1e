"""Every filter and every sort of the read API is backed by an index: explain() shows no collection scan.

Each filter is explained on its own, with the default sort, and each sort without a filter.
Combinations of filters are left to the query planner: real MongoDB intersects or picks among
these indexes, while the local stand-in only plans single-predicate queries with an index.
"""

from __future__ import annotations

from typing import Any

import pytest

from stores import Stores
from stores.mongo.movies import SORTS, MovieFilter, sort_spec
from textfold import fuzzy_terms


def stages(plan: dict[str, Any]) -> list[str]:
    """Every stage name in a query plan tree."""
    found = [plan.get("stage", "")]
    for child in ("inputStage", "queryPlan"):
        if isinstance(plan.get(child), dict):
            found += stages(plan[child])
    for child in plan.get("inputStages", []):
        found += stages(child)
    return found


QUERIES = [
    (MovieFilter(), "-popularity"),
    (MovieFilter(genre_sets=((3,),)), "-popularity"),
    (MovieFilter(year=(1995, 1995)), "-popularity"),
    (MovieFilter(year=(1990, 1999)), "-popularity"),
    (MovieFilter(rating=(7.5, None)), "-rating"),
    (MovieFilter(rating=(None, 4)), "-popularity"),
    (MovieFilter(votes=(1000, None)), "-votes"),
    (MovieFilter(mpaa="R"), "-popularity"),
    (MovieFilter(person_ids=(12,)), "-year"),
    (MovieFilter(words=("toy",)), "-popularity"),
    *[(MovieFilter(), sort) for sort in SORTS],
]


@pytest.mark.parametrize(("movie_filter", "sort"), QUERIES)
async def test_the_main_movie_queries_never_scan_the_collection(
    stores: Stores, seeded: str, movie_filter: MovieFilter, sort: str
) -> None:
    db = await stores.mongo()
    cursor = db.movies.find(movie_filter.query()).sort(sort_spec(sort))
    plan = (await cursor.limit(20).explain())["queryPlanner"]["winningPlan"]
    found = stages(plan)
    assert "COLLSCAN" not in found, found
    assert "IXSCAN" in found, found


async def test_people_search_uses_the_token_index(stores: Stores, seeded: str) -> None:
    db = await stores.mongo()
    plan = (await db.people.find({"tokens": "ak"}).sort([("popularity", -1)]).limit(20).explain())
    assert "COLLSCAN" not in stages(plan["queryPlanner"]["winningPlan"])


@pytest.mark.parametrize("collection", ["movies", "people"])
async def test_the_typo_lookup_uses_the_token_index(stores: Stores, seeded: str, collection: str) -> None:
    db = await stores.mongo()
    query = {"tokens": {"$in": sorted(fuzzy_terms("godfather"))}}
    plan = (await db[collection].find(query).sort([("popularity", -1)]).limit(4000).explain())
    found = stages(plan["queryPlanner"]["winningPlan"])
    assert "COLLSCAN" not in found and "IXSCAN" in found, found
