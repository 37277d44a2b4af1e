"""The catalogue index lists what MongoDB lists: the same films and people, in the same order, with the same counts."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from actors.catalogue import Catalogue
from config import Settings
from seeds import films, people
from stores import mongo
from stores.mongo import movies
from stores.mongo import people as mongo_people
from stores.mongo.indexes import ensure_indexes
from stores.mongo.movies import SORTS, MovieFilter

FILMS = 2000
COMBINATIONS = 300
MPAA = ("G", "PG", "PG-13", "R", "NC-17")


def catalogue(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Films and people from the seed's generators, with gaps (nulls), reviewers' figures and posters mixed in."""
    catalogue_films = films.films_between(1, FILMS + 1)
    pool = people.people_pool(people.pool_size(FILMS))
    docs = []
    for film in catalogue_films:
        doc = people.with_credits(films.movie_document(film), film, pool)
        for field in ("year", "runtime", "mpaa"):
            if rng.random() < 0.04:
                doc[field] = None
        if rng.random() < 0.04:
            doc["rating"] = {"average": None, "votes": doc["rating"]["votes"]}
        if rng.random() < 0.3:
            doc["user_rating"] = {"average": rng.choice([None, round(rng.uniform(1, 10), 2)]),
                                  "count": rng.randint(1, 4)}
        if rng.random() < 0.1:
            doc["poster_url"] = f"https://images.example/{film.id}.jpg"
        if rng.random() < 0.05:
            doc["popularity"] = docs[-1]["popularity"] if docs else None  # ties broken by id
        if rng.random() < 0.3:  # box office as the vega match gives it: some unknown, some tied, some past 2**31
            worldwide = rng.choice([None, rng.choice([1_000_000, 25_000_000]), rng.randint(0, 3_000_000_000)])
            doc["gross"] = {"us": rng.choice([None, rng.randint(0, 10**9)]), "worldwide": worldwide}
        if rng.random() < 0.3:
            doc["rotten_tomatoes"] = rng.choice([None, rng.randint(0, 100)])
        docs.append(movies.prepare(doc))
    crowd: dict[int, dict[str, Any]] = {}
    for doc in docs:
        for credit in doc["cast"] + doc["crew"]:
            crowd.setdefault(credit["person_id"], {
                "_id": credit["person_id"], "name": credit["name"], "popularity": round(rng.uniform(0, 50), 1),
                "known_for_department": credit.get("department", "Acting")})
    return docs, [mongo_people.prepare(doc) for doc in crowd.values()]


BUILT = {"_id": "catalogue", "films": FILMS, "generator": 2}


@pytest.fixture(scope="module")
async def db(settings: Settings) -> AsyncIterator[Any]:
    """A MongoDB database of its own holding a generated catalogue of a few thousand films.

    The stand-in writes slowly, so a database already holding this very catalogue is kept.
    """
    session = await mongo.connect(settings)
    own = session.client[session.name + "_discover"]
    if await own.built.find_one({"_id": "catalogue"}) != BUILT:
        await own.client.drop_database(own.name)
        film_docs, people_docs = catalogue(random.Random(14))
        await own.movies.insert_many(film_docs)
        await own.people.insert_many(people_docs)
        await ensure_indexes(own)
        await own.built.insert_one(BUILT)
    yield own
    await mongo.close(session)


def draw(rng: random.Random, docs: list[dict[str, Any]], credited: list[int]) -> MovieFilter:
    """A random combination of filters, each present about a third of the time."""
    pick: dict[str, Any] = {}

    def some() -> bool:
        return rng.random() < 0.3

    def bounds(low: float, high: float, whole: bool = True) -> tuple[Any, Any]:
        a, b = sorted(rng.uniform(low, high) for _ in range(2))
        a, b = (int(a), int(b)) if whole else (round(a, 1), round(b, 1))
        return rng.choice([(a, b), (a, None), (None, b)])

    genres = range(1, 8)
    if some():
        pick["genre_sets"] = tuple(tuple(sorted(rng.sample(genres, rng.choice([1, 1, 2]))))
                                   for _ in range(rng.randint(1, 2)))
    if some():
        pick["without_genres"] = tuple(sorted(rng.sample(genres, rng.randint(1, 2))))
    if some():
        pick["year"] = bounds(1900, 2005)
    if some():
        pick["rating"] = bounds(1, 10, whole=False)
    if some():
        pick["votes"] = bounds(0, 3000)
    if some():
        pick["runtime"] = bounds(1, 200)
    if some():
        pick["gross"] = rng.choice([bounds(0, 3_000_000_000), (rng.choice([0, 1_000_000, 25_000_000]), None)])
    if some():
        pick["rotten_tomatoes"] = rng.choice([bounds(0, 100), (rng.randint(0, 100), None)])
    if rng.random() < 0.15:
        pick["mpaa"] = rng.choice(MPAA)
    if rng.random() < 0.15:
        pick["person_ids"] = tuple(rng.sample(credited, rng.choice([1, 1, 2])))
    if rng.random() < 0.25:
        title = rng.choice(docs)["words"] or ["the"]
        word = rng.choice(title)
        pick["words"] = rng.choice([(word,), (word[: max(1, len(word) // 2)],), tuple(title[:2])])
    return MovieFilter(**pick)


async def test_random_filters_sorts_and_pages_list_the_same_films_as_mongodb(db: Any) -> None:
    index = await Catalogue.load(db)
    docs = [doc async for doc in db.movies.find({}, {"words": 1, "person_ids": 1})]
    credited = sorted({p for doc in docs for p in doc["person_ids"]})
    rng = random.Random(1414)
    sorts = [sign + name for name in SORTS for sign in ("-", "")]
    seen_empty = seen_deep = 0
    for _ in range(COMBINATIONS):
        movie_filter, sort = draw(rng, docs, credited), rng.choice(sorts)
        limit = rng.choice([1, 5, 20, 100])
        skip = rng.choice([0, 0, limit * rng.randint(1, 30), FILMS + limit])
        expected = await movies.list_movies(db, movie_filter, sort, skip, limit)
        assert index.films.page(movie_filter, sort, skip, limit) == expected, (movie_filter, sort, skip, limit)
        seen_empty += expected[0] == 0
        seen_deep += skip > 0 and bool(expected[1])
    assert seen_empty and seen_deep > 10, "the draw covers empty lists and deep pages"


async def test_people_lists_by_name_match_mongodb(db: Any) -> None:
    index = await Catalogue.load(db)
    names = [doc["words"] async for doc in db.people.find({}, {"words": 1}).limit(200)]
    rng = random.Random(15)
    for _ in range(60):
        held = rng.choice(names)
        query_words = rng.choice([(), tuple(held[:1]), tuple(held), (held[-1][:2],)])
        skip, limit = rng.choice([(0, 20), (20, 20), (0, 1), (100, 50)])
        expected = await mongo_people.list_people(db, query_words, skip, limit)
        assert index.people.page(query_words, skip, limit) == expected, query_words


async def test_lookups_by_id_give_the_same_entries_as_mongodb_in_the_order_asked(db: Any) -> None:
    index = await Catalogue.load(db)
    film_ids = [doc["_id"] async for doc in db.movies.find({}, {"_id": 1})]
    person_ids = [doc["_id"] async for doc in db.people.find({}, {"_id": 1}).limit(500)]
    rng = random.Random(19)
    for shelf, store, held in ((index.films, movies, film_ids), (index.people, mongo_people, person_ids)):
        for _ in range(40):
            asked = [*rng.sample(held, rng.randint(1, 100)), 10**12 + rng.randint(0, 99)]
            rng.shuffle(asked)
            found = await store.summaries(db, asked)
            expected = [found[i] for i in asked if i in found]
            assert shelf.summaries(shelf.live_positions(asked)) == expected
            assert len(expected) == len(asked) - 1


async def test_changes_applied_to_the_index_keep_it_equal_to_mongodb(db: Any) -> None:
    index = await Catalogue.load(db)
    originals = [doc async for doc in db.movies.find({"_id": {"$in": [5, 9, 11]}})]
    added = movies.prepare({**films.movie_document(films.scale_film(FILMS + 7)), "_id": FILMS + 7})
    try:
        await db.movies.insert_one(added)
        await db.movies.update_one({"_id": 5}, {"$set": {"popularity": 999.0, "year": None, "genre_ids": [7],
                                                         "user_rating": {"average": 9.5, "count": 40},
                                                         "gross": {"us": 1, "worldwide": 4_000_000_000},
                                                         "rotten_tomatoes": 100}})
        renamed = movies.prepare({**(await db.movies.find_one({"_id": 9})), "title": "Zyxwvut Quaggle"})
        await db.movies.replace_one({"_id": 9}, renamed)
        await db.movies.delete_one({"_id": 11})
        await index.refresh(db, {"movie": {FILMS + 7, 5, 9, 11}})
        for movie_filter in (MovieFilter(), MovieFilter(genre_sets=((7,),)), MovieFilter(words=("quag",)),
                             MovieFilter(year=(None, 1950)), MovieFilter(words=("zyxwvut", "quaggle"))):
            for sort in ("-popularity", "year", "-reviews", "title", "-title", "gross", "-gross",
                         "rotten_tomatoes", "-rotten_tomatoes"):
                assert index.films.page(movie_filter, sort, 0, 50) == await movies.list_movies(
                    db, movie_filter, sort, 0, 50), (movie_filter, sort)
    finally:
        await db.movies.delete_one({"_id": FILMS + 7})
        for doc in originals:
            await db.movies.replace_one({"_id": doc["_id"]}, doc, upsert=True)


async def test_films_without_a_gross_or_a_rotten_tomatoes_rating_come_last_either_way(db: Any) -> None:
    index = await Catalogue.load(db)
    docs = {doc["_id"]: doc async for doc in db.movies.find({}, {"gross": 1, "rotten_tomatoes": 1})}
    for name, value in (("gross", lambda d: (d.get("gross") or {}).get("worldwide")),
                        ("rotten_tomatoes", lambda d: d.get("rotten_tomatoes"))):
        for sort in (name, "-" + name):
            count, page = index.films.page(MovieFilter(), sort, 0, FILMS)
            assert (count, page) == await movies.list_movies(db, MovieFilter(), sort, 0, FILMS)
            values = [value(docs[film["id"]]) for film in page]
            held = [v for v in values if v is not None]
            assert 100 < len(held) < len(values) and values[len(held):] == [None] * (len(values) - len(held))
            assert held == sorted(held, reverse=sort.startswith("-")), sort
            with_value = MovieFilter(**{name: (0, None)})
            assert index.films.page(with_value, sort, 0, FILMS)[0] == len(held)


def walk(index: Catalogue, movie_filter: MovieFilter, sort: str, limit: int) -> list[dict[str, Any]]:
    """Every film of a list, page after page by keyset."""
    found: list[dict[str, Any]] = []
    key = None
    while True:
        _, results, key = index.films.page_after(movie_filter, sort, key, limit)
        found += results
        if key is None:
            return found


async def test_keyset_pages_walk_the_films_mongodb_lists_in_the_same_order(db: Any) -> None:
    index = await Catalogue.load(db)
    docs = [doc async for doc in db.movies.find({}, {"words": 1, "person_ids": 1})]
    credited = sorted({p for doc in docs for p in doc["person_ids"]})
    rng = random.Random(1919)
    for name in SORTS:
        for sort in ("-" + name, name):
            for movie_filter in (MovieFilter(), draw(rng, docs, credited)):
                limit = rng.choice([7, 50])
                everything = await movies.list_movies(db, movie_filter, sort, 0, FILMS)
                assert walk(index, movie_filter, sort, limit) == everything[1], (movie_filter, sort)
                key = None
                for _ in range(3):  # the fallback pages the same walk from the same keys
                    page = index.films.page_after(movie_filter, sort, key, limit)
                    assert page == await movies.list_movies_after(db, movie_filter, sort, key, limit), (sort, key)
                    key = page[2]
                    if key is None:
                        break


async def test_a_keyset_walk_neither_repeats_nor_skips_a_film_when_others_move_meanwhile(db: Any) -> None:
    index = await Catalogue.load(db)
    sort, limit = "-popularity", 20
    first, results, key = index.films.page_after(MovieFilter(), sort, None, limit)
    before = (await movies.list_movies(db, MovieFilter(), sort, 0, 3 * limit))[1]
    assert results == before[:limit] and key is not None
    moved = [before[3]["id"], before[50]["id"], before[55]["id"]]
    originals = [doc async for doc in db.movies.find({"_id": {"$in": moved}})]
    try:  # a film of the first page is gone, two from further down jump to the top
        await db.movies.delete_one({"_id": moved[0]})
        await db.movies.update_many({"_id": {"$in": moved[1:]}}, {"$set": {"popularity": 10**6}})
        await index.refresh(db, {"movie": set(moved)})
        count, following, _ = index.films.page_after(MovieFilter(), sort, key, limit)
        assert count == first - 1
        assert following == before[limit : 2 * limit]
        by_number = index.films.page(MovieFilter(), sort, limit, limit)[1]
        assert by_number[0] == before[limit - 1], "page 2 by number repeats a film here: keyset pages do not"
        assert following == (await movies.list_movies_after(db, MovieFilter(), sort, key, limit))[1]
    finally:
        for doc in originals:
            await db.movies.replace_one({"_id": doc["_id"]}, doc, upsert=True)
