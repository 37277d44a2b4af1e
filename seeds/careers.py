"""Person documents: each person's credits gathered from every film, and a short biography.

Generated people (seeds/people.py) and the real directors of the films matched in vega-datasets
(seeds/vega.py) both; each document says which it is (`generated`).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from seeds import vega
from seeds.films import Film, display_title, popularity
from seeds.people import Person, Pool, film_credits

NOUNS = {
    "Acting": "actor", "Directing": "director", "Writing": "screenwriter", "Production": "producer",
    "Sound": "composer", "Camera": "cinematographer",
}


class CareerIndex:
    """The credits of the people with ids in [start, end), gathered in one pass over the films.

    Credits are kept compact (film position, character or job, department) and made into
    documents' dicts per person on demand, so one index can serve many chunks of people.
    """

    def __init__(self, films: Sequence[Film], pool: Pool, start: int, end: int) -> None:
        self.films, self.pool, self.start, self.end = films, pool, start, end
        self.titles = [display_title(film.title) for film in films]
        self.popularity = {film.id: popularity(film.votes, film.year) for film in films}
        self.by_person: dict[int, list[tuple[int, str, str | None]]] = defaultdict(list)
        for position, film in enumerate(films):
            cast, crew = film_credits(film, pool)
            for credit in cast:
                if start <= credit["person_id"] < end:
                    self.by_person[credit["person_id"]].append((position, credit["character"], None))
            for credit in crew:
                if start <= credit["person_id"] < end:
                    self.by_person[credit["person_id"]].append((position, credit["job"], credit["department"]))

    def covers(self, start: int, end: int) -> bool:
        """Whether the index holds every credit of the people with ids in [start, end)."""
        return self.start <= start and end <= self.end

    def credits(self, person_id: int) -> dict[str, list[dict[str, Any]]]:
        """One person's cast and crew credits, in film order."""
        found: dict[str, list[dict[str, Any]]] = {"cast": [], "crew": []}
        for position, role, department in self.by_person.get(person_id, ()):
            film = self.films[position]
            credit: dict[str, Any] = {"movie_id": film.id, "title": self.titles[position], "year": film.year}
            if department is None:
                credit["character"] = role
                found["cast"].append(credit)
            else:
                credit["job"], credit["department"] = role, department
                found["crew"].append(credit)
        return found

    def documents(self, start: int, end: int) -> list[dict[str, Any]]:
        """Documents of the people with ids in [start, end) who have any credit."""
        return [person_document(self.pool.people[pid - 1], self.credits(pid), self.popularity)
                for pid in sorted(self.by_person) if start <= pid < end]


def _deathday(person: Person, last_year: int) -> str | None:
    rng = random.Random(f"death:{person.id}")
    if person.birth_year >= 1935:
        return None
    year = max(person.birth_year + rng.randint(55, 98), last_year + 1)
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if year <= 2024 else None


def _biography(person: Person, known: list[dict[str, Any]], deathday: str | None) -> str:
    noun = NOUNS[person.department]
    life = f"born {person.birthday} in {person.place_of_birth}"
    if deathday:
        life += f", died {deathday}"
    titles = ", ".join(f"{c['title']} ({c['year']})" for c in known[:3])
    article = "an" if noun[0] in "aeiou" else "a"
    films = "film" if len(known) == 1 else "films"
    return f"{person.name} ({life}) is {article} {noun} credited on {len(known)} {films}, including {titles}."


def person_document(person: Person, credits: dict[str, list[dict[str, Any]]],
                    film_popularity: dict[int, float]) -> dict[str, Any]:
    """The MongoDB document of one person with at least one credit."""
    unique = _films_of(credits, film_popularity)
    deathday = _deathday(person, max(c["year"] for c in unique))
    return {
        "_id": person.id,
        "name": person.name,
        "biography": _biography(person, unique, deathday),
        "birthday": person.birthday,
        "deathday": deathday,
        "place_of_birth": person.place_of_birth,
        "known_for_department": person.department,
        "profile_url": None,
        "popularity": _popularity(unique, film_popularity),
        "credits": _in_order(credits),
        "generated": True,
    }


def _films_of(credits: dict[str, list[dict[str, Any]]], film_popularity: dict[int, float]) -> list[dict[str, Any]]:
    """One credit per film, the most popular films first."""
    everything = sorted(
        credits["cast"] + credits["crew"], key=lambda c: -film_popularity.get(c["movie_id"], 0)
    )
    return list({c["movie_id"]: c for c in everything}.values())


def _popularity(unique: list[dict[str, Any]], film_popularity: dict[int, float]) -> float:
    """A fifth of the popularity of the person's five most popular films, plus half a point per film."""
    top = sorted((film_popularity.get(c["movie_id"], 0.0) for c in unique), reverse=True)[:5]
    return round(sum(top) / 5 + len(unique) * 0.5, 3)


def _in_order(credits: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {"cast": sorted(credits["cast"], key=lambda c: (c["year"], c["movie_id"])),
            "crew": sorted(credits["crew"], key=lambda c: (c["year"], c["movie_id"], c["job"]))}


def real_person_document(person_id: int, name: str, credits: dict[str, list[dict[str, Any]]],
                         film_popularity: dict[int, float]) -> dict[str, Any]:
    """The MongoDB document of a real director with at least one credit (only their name is known)."""
    unique = _films_of(credits, film_popularity)
    titles = ", ".join(f"{c['title']} ({c['year']})" for c in unique[:3])
    films = "film" if len(unique) == 1 else "films"
    return {
        "_id": person_id,
        "name": name,
        "biography": f"{name} is a director credited on {len(unique)} {films} here, including {titles}.",
        "birthday": None,
        "deathday": None,
        "place_of_birth": None,
        "known_for_department": "Directing",
        "profile_url": None,
        "popularity": _popularity(unique, film_popularity),
        "credits": _in_order(credits),
        "generated": False,
    }


def real_people_documents(films: Sequence[Film]) -> list[dict[str, Any]]:
    """Documents of the real directors of these films, each with the films of theirs among them, by id."""
    film_popularity = {film.id: popularity(film.votes, film.year) for film in films}
    by_person: dict[int, tuple[str, list[dict[str, Any]]]] = {}
    for film in films:
        real = vega.director_of(film.id)
        if real is not None:
            by_person.setdefault(real[0], (real[1], []))[1].append(
                {"movie_id": film.id, "title": display_title(film.title), "year": film.year, "job": "Director",
                 "department": "Directing"})
    return [real_person_document(person_id, name, {"cast": [], "crew": crew}, film_popularity)
            for person_id, (name, crew) in sorted(by_person.items())]


def person_documents(films: Sequence[Film], pool: Pool, start: int, end: int) -> list[dict[str, Any]]:
    """Documents of the people with ids in [start, end) who have any credit in the films."""
    return CareerIndex(films, pool, start, end).documents(start, end)
