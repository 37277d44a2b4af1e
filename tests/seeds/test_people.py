"""Generated people: deterministic, plausible careers, credits linked both ways."""

from __future__ import annotations

from seeds import careers, films, people

CATALOGUE = films.all_films()[:3000]
POOL = people.people_pool(2000)


def test_the_pool_does_not_depend_on_how_many_films_are_seeded() -> None:
    assert people.pool_size(400) == people.pool_size(58_788) == 35_272
    assert people.pool_size(1_000_000) == 600_000


def test_the_same_person_is_generated_every_time() -> None:
    assert people.make_person(42) == people.make_person(42)
    assert people.film_credits(CATALOGUE[10], POOL) == people.film_credits(CATALOGUE[10], POOL)


def test_films_have_a_director_and_a_realistic_cast() -> None:
    features = [f for f in CATALOGUE if not ({5, 7} & set(f.genre_ids))]
    sizes, directed = [], 0
    for film in features:
        cast, crew = people.film_credits(film, POOL)
        sizes.append(len(cast))
        directed += any(c["job"] == "Director" for c in crew)
    assert directed / len(features) > 0.95
    assert 5 <= sum(sizes) / len(sizes) <= 15
    assert max(sizes) <= 15


def test_everyone_is_between_18_and_75_in_the_year_of_their_film() -> None:
    for film in CATALOGUE[:500]:
        cast, crew = people.film_credits(film, POOL)
        for credit in cast + crew:
            if credit["person_id"] > len(POOL.people):
                continue  # a real director (seeds/vega.py), whose birth year nobody knows here
            age = film.year - POOL.people[credit["person_id"] - 1].birth_year
            assert 18 <= age <= 75, (film.id, credit)


def test_credits_are_linked_both_ways_exactly() -> None:
    docs = careers.person_documents(CATALOGUE, POOL, 1, len(POOL.people) + 1) + careers.real_people_documents(CATALOGUE)
    assert any(not d["generated"] for d in docs) and any(d["generated"] for d in docs)
    from_people = {
        (d["_id"], c["movie_id"], c.get("character") or c.get("job"))
        for d in docs for c in d["credits"]["cast"] + d["credits"]["crew"]
    }
    from_films = set()
    for film in CATALOGUE:
        cast, crew = people.film_credits(film, POOL)
        from_films |= {(c["person_id"], film.id, c.get("character") or c.get("job")) for c in cast + crew}
    assert from_people == from_films


def test_some_people_are_prolific_and_most_are_not() -> None:
    docs = careers.person_documents(CATALOGUE, POOL, 1, len(POOL.people) + 1)
    counts = sorted((len(d["credits"]["cast"]) + len(d["credits"]["crew"]) for d in docs), reverse=True)
    assert counts[0] >= 5 * counts[len(counts) // 2]
