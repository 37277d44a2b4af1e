"""Real directors and box-office facts: npm's `vega-datasets` 3.2.1 (`data/movies.json`), matched to our films.

The package is installed with npm into `seeds/vega/` the first time the seed needs it, as the Firebase
emulator is (one process at a time, under a file lock); nothing else is downloaded. Its 3,201 US films carry
the real director, release date, MPAA rating, budget, US and worldwide gross, distributor, source, major
genre, creative type and Rotten Tomatoes rating. A vega film matches our real film of the same folded title
(`textfold.fold` of our display title) released within a year of its date; a date that does not parse leaves
the film out. When several of ours qualify, the nearest year wins, then the most IMDb votes, then the lowest
id; a film of ours takes at most one vega film. The match is computed over the whole real catalogue, so a
film gets the same facts whatever the size of a seed run.

Each director name is one real person. Their ids come from a range of their own, REAL_PEOPLE_BASE + 1 up
(by the name's place among every director of the file, so the same on every machine): generated people stop
at `pool_size(MAX_MOVIES)` (1,200,000) and TMDB's new people start at 100,000,001.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from seeds.films import GENRES, REAL_FILMS, Film, all_films, display_title, movie_document
from textfold import fold

PACKAGE, VERSION = "vega-datasets", "3.2.1"
FOLDER = Path(__file__).resolve().parent / "vega"
DATA = FOLDER / "node_modules" / PACKAGE / "data" / "movies.json"
REAL_PEOPLE_BASE = 90_000_000
REAL_PEOPLE_MAX = 99_999_999
MPAA = ("G", "PG", "PG-13", "R", "NC-17")
NPM = ("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", "--loglevel=error")


def installed_version() -> str | None:
    """The version of vega-datasets installed in `seeds/vega/`, or None."""
    try:
        found = json.loads((FOLDER / "node_modules" / PACKAGE / "package.json").read_text())
    except (OSError, ValueError):
        return None
    version = found.get("version") if isinstance(found, dict) else None
    return version if isinstance(version, str) else None


def ensure_installed() -> Path:
    """The path of `data/movies.json`, installing the pinned package with npm first if it is not there."""
    if installed_version() == VERSION and DATA.is_file():
        return DATA
    with (FOLDER / ".npm.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be installing it right now
        if installed_version() != VERSION or not DATA.is_file():
            if shutil.which("npm") is None:
                raise RuntimeError(f"npm is needed to install {PACKAGE} {VERSION} for the seed (apt-get install npm)")
            done = subprocess.run(NPM, cwd=FOLDER, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                raise RuntimeError(f"npm could not install {PACKAGE} {VERSION}: {done.stderr.strip()[-2000:]}")
    if installed_version() != VERSION or not DATA.is_file():
        raise RuntimeError(f"{PACKAGE} {VERSION} is not installed in {FOLDER} after npm install")
    return DATA


@dataclass(frozen=True)
class Facts:
    """One vega film: what the seed takes of it."""

    title: str
    release_date: str  # YYYY-MM-DD
    year: int
    director: str | None
    mpaa: str | None
    budget: int | None
    us_gross: int | None
    worldwide_gross: int | None
    distributor: str | None
    source_material: str | None
    major_genre: str | None
    creative_type: str | None
    rotten_tomatoes: int | None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _count(value: Any, top: int | None = None) -> int | None:
    """A whole non-negative number (at most `top`), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value < 0:
        return None
    if top is not None and value > top:
        return None
    return int(value) if float(value).is_integer() else None


def _facts(row: dict[str, Any]) -> Facts | None:
    """A row of movies.json, or None without a title or a date that parses."""
    title = row.get("Title")
    if isinstance(title, int | float) and not isinstance(title, bool):
        title = str(title)  # a few titles are numbers in the JSON: 1776, 1941, 2046, 54
    date = row.get("Release Date")
    if not isinstance(title, str) or not title.strip() or not isinstance(date, str):
        return None
    try:
        released = datetime.strptime(date.strip(), "%b %d %Y").date()
    except ValueError:
        return None
    mpaa = _text(row.get("MPAA Rating"))
    us, worldwide = _count(row.get("US Gross")), _count(row.get("Worldwide Gross"))
    if us == 0 and worldwide == 0:
        us = worldwide = None  # nothing grossed anywhere: the file's way of not knowing
    return Facts(
        title=title.strip(), release_date=released.isoformat(), year=released.year,
        director=_text(row.get("Director")), mpaa=mpaa if mpaa in MPAA else None,
        budget=_count(row.get("Production Budget")) or None,
        us_gross=us, worldwide_gross=worldwide,
        distributor=_text(row.get("Distributor")), source_material=_text(row.get("Source")),
        major_genre=_text(row.get("Major Genre")), creative_type=_text(row.get("Creative Type")),
        rotten_tomatoes=_count(row.get("Rotten Tomatoes Rating"), top=100),
    )


@lru_cache(maxsize=1)
def rows() -> tuple[dict[str, Any], ...]:
    """Every row of the installed data/movies.json, read once per process."""
    data = json.loads(ensure_installed().read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise RuntimeError(f"{DATA} is not a list of films")
    return tuple(row for row in data if isinstance(row, dict))


@lru_cache(maxsize=1)
def vega_films() -> tuple[Facts, ...]:
    """The films of the file that have a title and a date that parses, in file order."""
    return tuple(facts for facts in map(_facts, rows()) if facts is not None)


@lru_cache(maxsize=1)
def matches() -> dict[int, Facts]:
    """The vega film each matched real film of ours takes, by our film id."""
    ours: dict[str, list[tuple[int, int, int]]] = defaultdict(list)  # folded title: (year, votes, id)
    for film in all_films():
        ours[fold(display_title(film.title))].append((film.year, film.votes, film.id))
    found: dict[int, tuple[tuple[int, int, int], Facts]] = {}
    for order, facts in enumerate(vega_films()):
        near = [(abs(year - facts.year), -votes, film_id) for year, votes, film_id in ours.get(fold(facts.title), ())
                if abs(year - facts.year) <= 1]
        if not near:
            continue
        distance, _, film_id = min(near)
        rank = (distance, order, film_id)
        if film_id not in found or rank < found[film_id][0]:
            found[film_id] = (rank, facts)
    return {film_id: facts for film_id, (_, facts) in sorted(found.items())}


@lru_cache(maxsize=1)
def director_ids() -> dict[str, int]:
    """Every director name of the file and their person id, in name order from REAL_PEOPLE_BASE + 1."""
    names = sorted({facts.director for facts in vega_films() if facts.director})
    return {name: REAL_PEOPLE_BASE + 1 + rank for rank, name in enumerate(names)}


def facts_of(film_id: int) -> Facts | None:
    """The vega film our real film matched, or None (synthetic films beyond the real ones never match)."""
    return matches().get(film_id) if film_id <= REAL_FILMS else None


def director_of(film_id: int) -> tuple[int, str] | None:
    """(person id, name) of a matched film's real director, or None."""
    facts = facts_of(film_id)
    if facts is None or facts.director is None:
        return None
    return director_ids()[facts.director], facts.director


GENRE_IDS = {name: gid for gid, name in GENRES}


def with_facts(doc: dict[str, Any]) -> dict[str, Any]:
    """A real film's document with the facts of the vega film it matched (unchanged when it matched none).

    Release date, MPAA rating and budget fill only what the document leaves empty; the major genre joins
    the film's genres when it is one of ours."""
    facts = facts_of(int(doc["_id"]))
    if facts is None:
        return doc
    doc["gross"] = {"us": facts.us_gross, "worldwide": facts.worldwide_gross}
    doc["distributor"] = facts.distributor
    doc["rotten_tomatoes"] = facts.rotten_tomatoes
    doc["source_material"] = facts.source_material
    doc["creative_type"] = facts.creative_type
    for field, value in (("release_date", facts.release_date), ("mpaa", facts.mpaa), ("budget", facts.budget)):
        if doc.get(field) is None:
            doc[field] = value
    genre = GENRE_IDS.get(facts.major_genre or "")
    if genre is not None and genre not in doc["genre_ids"]:
        doc["genre_ids"] = sorted([*doc["genre_ids"], genre])
        doc["genres"] = [{"id": gid, "name": name} for gid, name in GENRES if gid in doc["genre_ids"]]
    return doc


def match_counts(movie_count: int) -> dict[str, int]:
    """What a seed of the first `movie_count` films gets: films matched, films with a real director, real people."""
    matched = {film_id: facts for film_id, facts in matches().items() if film_id <= movie_count}
    directed = [facts.director for facts in matched.values() if facts.director]
    return {"films_matched": len(matched), "films_directed": len(directed), "real_people": len(set(directed))}


def film_document(film: Film) -> dict[str, Any]:
    """The seed's document of a film: its row of the data set with the facts of the vega film it matched."""
    return with_facts(movie_document(film))
