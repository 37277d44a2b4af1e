"""Letterboxd's CSV files read strictly and written back, and films found by title and year in the index."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from actors import letterboxd
from actors.catalogue import Films
from errors import Invalid, Unprocessable
from textfold import words

DIARY = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"


def test_half_stars_are_twice_our_rating_both_ways() -> None:
    assert [letterboxd.stars(r) for r in (1, 2, 7, 8, 9, 10, None)] == ["0.5", "1", "3.5", "4", "4.5", "5", ""]
    body = "Date,Name,Year,Letterboxd URI,Rating\n" + "".join(
        f"2024-01-01,Film {n},2000,,{letterboxd.stars(n)}\n" for n in range(1, 11))
    assert [row.rating for row in letterboxd.read("ratings", body.encode())] == list(range(1, 11))


def test_a_diary_row_carries_its_watched_date_rating_and_rewatch_and_falls_back_to_its_date() -> None:
    body = DIARY + '2024-02-11,"Heat, Again",1995,,4.5,Yes,"a, b",2024-02-10\n\n2024-03-01,Ran,1985,,,,,\n'
    first, second = letterboxd.read("diary", ("\ufeff" + body).encode())
    assert (first.line, first.name, first.year, first.day, first.rating, first.rewatch) == (
        2, "Heat, Again", 1995, date(2024, 2, 10), 9, True)
    assert (second.line, second.day, second.rating, second.rewatch) == (4, date(2024, 3, 1), None, False)
    assert letterboxd.Row.of(first.public()) == first


def test_what_the_export_writes_the_import_reads_back() -> None:
    rows = [{"Date": "2024-01-01", "Name": 'The "Quoted", Film', "Year": 1999, "Rating": "3.5", "Rewatch": "Yes",
             "Watched Date": "2023-12-31"}, {"Date": "2024-01-02", "Name": "Plain", "Year": None}]
    written = letterboxd.write("diary", rows)
    assert written.splitlines()[0] == DIARY.strip().encode()
    read = letterboxd.read("diary", written)  # no watched date: the row's date
    assert [(r.name, r.year, r.rating, r.rewatch, r.day) for r in read] == [
        ('The "Quoted", Film', 1999, 7, True, date(2023, 12, 31)), ("Plain", None, None, False, date(2024, 1, 2))]


@pytest.mark.parametrize("body", [b"\xff\xfeN\x00a\x00", b'Name,Year\n"Heat,1995\n', b"Name,Year\nHeat,1995,x\n",
                                  b"Name,Year\nHe\x00at,1995\n", b"", b"\n\n"])
def test_a_file_that_is_not_readable_csv_is_a_400(body: bytes) -> None:
    with pytest.raises(Invalid) as raised:
        letterboxd.read("watchlist", body)
    assert raised.value.status == 400


def test_missing_columns_are_a_422_naming_them() -> None:
    with pytest.raises(Unprocessable) as raised:
        letterboxd.read("ratings", b"Date,Name,Letterboxd URI\n2024-01-01,Heat,\n")
    assert "Year, Rating" in raised.value.detail and raised.value.errors == {"columns": ["Missing: Year, Rating."]}


@pytest.mark.parametrize(("row", "problem"), [
    ("2024-01-01,Heat,1995,,3.3", "Rating"), ("2024-01-01,Heat,1995,,0", "Rating"),
    ("2024-01-01,Heat,1995,,6", "Rating"), ("2024-01-01,Heat,1995,,", "Rating"),
    ("2024-01-01,Heat,1995,,lots", "Rating"), ("2024-1-1,Heat,1995,,3", "Date"),
    ("2999-01-01,Heat,1995,,3", "Date"), (",Heat,1995,,3", "Date"), ("2024-01-01,,1995,,3", "Name"),
    ("2024-01-01,Heat,95,,3", "Year"), ("2024-01-01,Heat,MCMXCV,,3", "Year"),
])
def test_a_bad_value_is_a_422_naming_the_row_and_the_column(row: str, problem: str) -> None:
    body = f"Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Fine,1990,,4\n{row}\n".encode()
    with pytest.raises(Unprocessable) as raised:
        letterboxd.read("ratings", body)
    assert list(raised.value.errors) == ["row 3"] and raised.value.errors["row 3"][0].startswith(problem)


def _film(film_id: int, title: str, year: int | None, popularity: float) -> dict[str, Any]:
    return {"_id": film_id, "title": title, "year": year, "popularity": popularity, "words": words(title)}


def test_a_film_is_found_by_folded_title_and_year_else_a_year_either_side() -> None:
    films = Films.of([_film(1, "Amélie", 2001, 5.0), _film(2, "15 Minutes", 1999, 1.0),
                      _film(3, "15 Minutes", 2001, 9.0), _film(4, "The 'Burbs", 1989, 2.0),
                      _film(5, "15 Minutes of Fame", 2001, 50.0), _film(6, "Untitled", None, 1.0)])
    assert films.titled("AMELIE", 2001) == 1
    assert films.titled("amelie", 2002) == 1 and films.titled("Amelie", 2003) is None
    assert (films.titled("15 minutes", 1999), films.titled("15 Minutes", 2001)) == (2, 3)
    assert films.titled("15 Minutes", 2000) == 3  # a year either side: the more popular
    assert films.titled("15 Minutes", None) == 3
    assert films.titled("The Burbs", 1989) == 4 and films.titled('the "burbs"', 1989) == 4
    assert films.titled("15", 2001) is None and films.titled("!!!", 2001) is None
    assert films.titled("Untitled", None) == 6 and films.titled("Untitled", 1990) is None
