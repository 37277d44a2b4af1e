"""Generated people and credits: deterministic, sized like real films, linked both ways.

The data set has no people, so a pool of people is generated from fixed seeds (person
`i` is always the same person), and each film draws its director, writers, crew and
cast from the people whose careers cover its year, favouring a few prolific ones.
A film's credits depend only on its id, year and genres and the pool size, so worker
processes seeding different chunks agree on them. A film whose real director is known (seeds/vega.py)
is credited to that person instead of the generated one drawn for it: every draw is made as before, so
every other credit, and every generated person, stays the same.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from seeds import vega
from seeds.films import REAL_FILMS, Film
from seeds.names import DEPARTMENTS, FIRST_NAMES, LAST_NAMES, PLACES, ROLES

EARLIEST_BIRTH, LATEST_BIRTH = 1830, 1990
CREW_JOBS = {
    "Production": ("Producer", "Executive Producer"),
    "Sound": ("Original Music Composer", "Sound Designer"),
    "Camera": ("Director of Photography", "Camera Operator"),
}


@dataclass(frozen=True)
class Person:
    """A generated person: who they are, when born, what they do."""

    id: int
    name: str
    birthday: str
    birth_year: int
    department: str
    place_of_birth: str


@dataclass(frozen=True)
class Pool:
    """All generated people, indexed by department and birth year."""

    people: tuple[Person, ...]
    by_year: dict[str, dict[int, list[int]]]
    years: dict[str, list[int]]


def pool_size(film_count: int) -> int:
    """How many people a catalogue gets: 0.6 per film of the whole real catalogue (or more at scale).

    It never depends on how many real films a run seeds, so a film's credits are the same
    whatever the size of the run.
    """
    return int(max(film_count, REAL_FILMS) * 0.6)


def make_person(person_id: int) -> Person:
    """Person `person_id`, the same on every machine."""
    rng = random.Random(f"person:{person_id}")
    birth_year = rng.randint(EARLIEST_BIRTH, LATEST_BIRTH)
    department = rng.choices(list(DEPARTMENTS), weights=list(DEPARTMENTS.values()))[0]
    return Person(
        id=person_id,
        name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        birthday=f"{birth_year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        birth_year=birth_year,
        department=department,
        place_of_birth=rng.choice(PLACES),
    )


@lru_cache(maxsize=4)
def people_pool(size: int) -> Pool:
    """The pool of `size` people, built once per process."""
    people = tuple(make_person(i) for i in range(1, size + 1))
    by_year: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for person in people:
        by_year[person.department][person.birth_year].append(person.id)
    years = {dept: sorted(buckets) for dept, buckets in by_year.items()}
    return Pool(people, {d: dict(b) for d, b in by_year.items()}, years)


def _pick(rng: random.Random, pool: Pool, department: str, year: int, taken: set[int]) -> Person | None:
    """Someone of the department aged 18 to 75 in that year, the first of each cohort most often."""
    years = pool.years.get(department, [])
    low, high = bisect.bisect_left(years, year - 75), bisect.bisect_right(years, year - 18)
    if low >= high:
        return None
    for _ in range(4):
        cohort = pool.by_year[department][years[rng.randrange(low, high)]]
        person_id = cohort[int(len(cohort) * rng.random() ** 1.7)]
        if person_id not in taken:
            taken.add(person_id)
            return pool.people[person_id - 1]
    return None


def _character(rng: random.Random, genre_ids: tuple[int, ...]) -> str:
    if 5 in genre_ids:
        return "Self"
    name = rng.choice(ROLES) if rng.random() < 0.4 else rng.choice(FIRST_NAMES)
    return f"{name} (voice)" if 2 in genre_ids else name


def film_credits(film: Film, pool: Pool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The cast and crew of one film, deterministic from its id, year, genres and the pool."""
    rng = random.Random(f"credits:{film.id}")
    short, documentary = 7 in film.genre_ids, 5 in film.genre_ids
    taken: set[int] = set()
    crew: list[dict[str, Any]] = []

    def add_crew(department: str, job: str) -> Person | None:
        person = _pick(rng, pool, department, film.year, taken)
        if person is not None:
            crew.append({"person_id": person.id, "name": person.name, "job": job, "department": department})
        return person

    director = add_crew("Directing", "Director")
    if director is not None and rng.random() < 0.3:
        crew.append({"person_id": director.id, "name": director.name, "job": "Screenplay",
                     "department": "Writing"})
    for job in ("Screenplay", "Story", "Writer")[: rng.randint(0 if short else 1, 1 if short else 3)]:
        add_crew("Writing", job)
    if not short:
        for department, jobs in CREW_JOBS.items():
            if rng.random() < 0.6:
                add_crew(department, jobs[0] if rng.random() < 0.8 else jobs[1])
    size = rng.randint(1, 4) if documentary else rng.randint(2, 5) if short else rng.randint(5, 15)
    cast: list[dict[str, Any]] = []
    for order in range(size):
        actor = _pick(rng, pool, "Acting", film.year, taken)
        if actor is not None:
            cast.append({"person_id": actor.id, "name": actor.name,
                         "character": _character(rng, film.genre_ids), "order": order})
    real = vega.director_of(film.id)
    if real is not None:
        crew = [{"person_id": real[0], "name": real[1], "job": "Director", "department": "Directing"},
                *(credit for credit in crew if credit["job"] != "Director")]
    return cast, crew


def with_credits(doc: dict[str, Any], film: Film, pool: Pool) -> dict[str, Any]:
    """A movie document with its cast, crew and person_ids filled in."""
    cast, crew = film_credits(film, pool)
    doc["cast"], doc["crew"] = cast, crew
    doc["person_ids"] = sorted({c["person_id"] for c in cast} | {c["person_id"] for c in crew})
    return doc
