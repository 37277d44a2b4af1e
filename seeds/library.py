"""Deterministic libraries for the demo users: watchlists, favourites, diaries and a few lists.

Each user's library is drawn from a generator seeded by the user's id, over the weighted film table the
reviews use, and agrees with the user's reviews: some reviewed films have a diary entry on the day of the
review with the review's rating (a few of them a later rewatch), favourites are films the user rated
highly, and the watchlist holds films the user has not reviewed or watched. A few users keep a public
list, fewer a private one. User 2, `demo`, always has some of everything (a rewatch, a public ranked list
and a private one), so every library route has something to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from seeds.films import GENRES, Film, display_title
from seeds.reviews import FilmTable

DEMO = 2
DIARY_SHARE = 0.3  # of a user's reviewed films, logged in the diary on the review's day
DIARY_MOST = 120  # reviewed films logged per user at most (the heaviest reviewers review thousands)
REWATCH_SHARE = 0.12
NOTES = ("", "", "", "Second time round it hit harder.", "Watched with friends.", "Late-night viewing.",
         "On the big screen at last.", "Fell asleep halfway, will try again.")
LIST_NAMES = ("Comfort watches", "Films to show my friends", "Hidden gems", "Rainy Sunday afternoons",
              "My all-time top ten", "Worth the long runtime", "Guilty pleasures")
GENRE_NAMES = dict(GENRES)


@dataclass
class Library:
    """One user's seeded library: shelf rows, diary entries and lists, in the order they are written."""

    watchlist: list[tuple[int, datetime]] = field(default_factory=list)
    favorites: list[tuple[int, datetime]] = field(default_factory=list)
    diary: list[dict[str, Any]] = field(default_factory=list)
    lists: list[dict[str, Any]] = field(default_factory=list)

    def rows(self) -> int:
        """How many rows the library writes (list items included)."""
        return (len(self.watchlist) + len(self.favorites) + len(self.diary)
                + sum(1 + len(made["items"]) for made in self.lists))


def _day(moment: datetime) -> date:
    return moment.date()


def _earlier(rng: random.Random, now: datetime, most_days: int) -> datetime:
    return now - timedelta(seconds=rng.randint(3600, most_days * 86400))


def _unseen(rng: random.Random, table: FilmTable, seen: set[int], count: int) -> list[Film]:
    """Up to `count` distinct films not in `seen`, popular ones likelier (bounded tries, for small catalogues)."""
    chosen: dict[int, Film] = {}
    for _ in range(count * 20):
        if len(chosen) >= count:
            break
        film = table.choose(rng)
        if film.id not in seen:
            chosen.setdefault(film.id, film)
    return list(chosen.values())


def _diary(rng: random.Random, reviews: list[dict[str, Any]], extra: list[Film], now: datetime,
           demo: bool) -> list[dict[str, Any]]:
    logged = [r for r in reviews if rng.random() < DIARY_SHARE][:DIARY_MOST]
    entries = [{"movie_id": r["movie_id"], "watched_on": _day(r["created_at"]), "rating": r["rating"],
                "rewatch": False, "note": "", "created_at": r["created_at"]} for r in logged]
    for film in extra:
        moment = _earlier(rng, now, 3 * 365)
        rating = rng.choice((None, max(1, min(10, round(film.rating + rng.uniform(-2, 2))))))
        entries.append({"movie_id": film.id, "watched_on": _day(moment), "rating": rating, "rewatch": False,
                        "note": rng.choice(NOTES), "created_at": moment})
    rewatches: list[dict[str, Any]] = []
    for first in entries:
        room = (now - first["created_at"]).total_seconds()
        if room > 86400 and (rng.random() < REWATCH_SHARE or (demo and not rewatches)):
            moment = first["created_at"] + timedelta(seconds=rng.randint(86400, int(room)))
            rewatches.append({**first, "watched_on": _day(moment), "rewatch": True, "created_at": moment,
                              "note": rng.choice(NOTES[3:])})
    return sorted(entries + rewatches, key=lambda e: (e["watched_on"], e["movie_id"], e["rewatch"]))


def _list(rng: random.Random, films: list[Film], name: str, public: bool, now: datetime) -> dict[str, Any]:
    ranked = name == "My all-time top ten"
    picked = films[:10] if ranked else films[: rng.randint(5, 25)]
    genre = GENRE_NAMES.get(picked[0].genre_ids[0]) if picked and picked[0].genre_ids else None
    description = f"Mostly {genre.lower()}, all of them worth a look." if genre else "Films I keep coming back to."
    notes = ["", "", "A must.", f"{display_title(picked[0].title)} first, always."] if picked else [""]
    return {"name": name, "description": description, "public": public, "ranked": ranked,
            "created_at": _earlier(rng, now, 2 * 365),
            "items": [(film.id, rng.choice(notes) if ranked else "") for film in picked]}


def user_library(user_id: int, reviews: list[dict[str, Any]], table: FilmTable, now: datetime) -> Library:
    """The library of user `user_id`, given the reviews the seed writes for them."""
    rng = random.Random(f"library:{user_id}")
    demo = user_id == DEMO
    by_id = {film.id: film for film in table.films}
    reviewed = {r["movie_id"] for r in reviews}
    extra = _unseen(rng, table, reviewed, max(8 if demo else 0, rng.randint(0, 4)))
    library = Library(diary=_diary(rng, reviews, extra, now, demo))
    watched = reviewed | {e["movie_id"] for e in library.diary}
    wanted = max(0, min(60, int(rng.paretovariate(1.5) * 6) - 3))
    library.watchlist = [(film.id, _earlier(rng, now, 2 * 365))
                         for film in _unseen(rng, table, watched, max(12 if demo else 0, wanted))]
    rated = sorted(reviews, key=lambda r: (-r["rating"], r["movie_id"]))
    good = [r["movie_id"] for r in rated if r["rating"] >= 8]
    good += [e["movie_id"] for e in library.diary if (e["rating"] or 0) >= 8]
    if demo:
        good += [r["movie_id"] for r in rated] + [e["movie_id"] for e in library.diary]
    liked = list(dict.fromkeys(good))  # a rewatched film once
    favourites = liked[: max(6 if demo else 0, rng.randint(0, 8))]
    library.favorites = [(movie_id, _earlier(rng, now, 2 * 365)) for movie_id in favourites]
    seen = [by_id[m] for m in dict.fromkeys([*favourites, *liked, *(r["movie_id"] for r in rated)]) if m in by_id]
    public_lists = 2 if demo else 1 if rng.random() < 0.1 else 0
    names = rng.sample(LIST_NAMES, 3)
    if demo:
        names = ["My all-time top ten", "Hidden gems", "Still to decide"]
    for number in range(public_lists):
        films = seen if number == 0 else [by_id[m] for m, _ in library.watchlist] + seen
        library.lists.append(_list(rng, films, names[number], True, now))
    if demo or rng.random() < 0.03:
        films = [by_id[m] for m, _ in library.watchlist] or seen
        library.lists.append(_list(rng, films, names[2], False, now))
    library.lists = [made for made in library.lists if made["items"]] if not demo else library.lists
    return library
