"""The seed loaders that run in a worker: the people chunks share one career index per process."""

from __future__ import annotations

from actors.seeding import loaders
from seeds import careers, films, people


def test_people_chunks_from_the_shared_career_index_match_a_fresh_pass() -> None:
    size = people.pool_size(400)
    catalogue, pool = films.films_between(1, 401), people.people_pool(size)
    first = loaders._people_documents(400, 1, 101)
    index = loaders._career_index(400, 101, 201)
    assert loaders._people_documents(400, 101, 201) == careers.person_documents(catalogue, pool, 101, 201)
    assert first == careers.person_documents(catalogue, pool, 1, 101)
    assert loaders._career_index(400, 1, size + 1) is index
