"""The CSV files Letterboxd exports, read and written: diary, ratings, watched and watchlist.

Letterboxd rates from 0.5 to 5 stars in half stars; MovieVerse rates from 1 to 10, so a
MovieVerse rating is twice the stars. Reading is strict: a file that is not UTF-8 CSV with one
field per column is malformed (`Malformed`, a 400), a file without the columns its kind needs or
with a value that cannot be read is refused naming the rows (`Unprocessable`, a 422). Columns
the import does not use (Letterboxd URI, Tags) may be there or not.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from errors import Invalid, Unprocessable

KINDS = ("diary", "ratings", "watched", "watchlist")
COLUMNS = {
    "diary": ("Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date"),
    "ratings": ("Date", "Name", "Year", "Letterboxd URI", "Rating"),
    "watched": ("Date", "Name", "Year", "Letterboxd URI"),
    "watchlist": ("Date", "Name", "Year", "Letterboxd URI"),
}
# What an import reads of each kind; a file without one of these is refused.
REQUIRED = {
    "diary": ("Name", "Year", "Watched Date"),
    "ratings": ("Date", "Name", "Year", "Rating"),
    "watched": ("Date", "Name", "Year"),
    "watchlist": ("Name", "Year"),
}
EARLIEST = date(1870, 1, 1)
AHEAD = timedelta(hours=14)  # "not in the future" anywhere, as the diary has it
NAME_LENGTH = 500
SHOWN_ROWS = 20


class Malformed(Invalid):
    """The body is not a CSV file that can be read (encoding, quoting, fields per row)."""

    code = "malformed-csv"


@dataclass(frozen=True)
class Row:
    """One row of an imported file: the film as named, and what the kind carries (`line`: its line in the file)."""

    line: int
    name: str
    year: int | None
    day: date | None = None
    rating: int | None = None
    rewatch: bool = False

    def public(self) -> list[Any]:
        """The row as a message carries it."""
        return [self.line, self.name, self.year, self.day.isoformat() if self.day else None, self.rating,
                self.rewatch]

    @staticmethod
    def of(fields: list[Any]) -> Row:
        """A row from its `public()` form."""
        line, name, year, day, rating, rewatch = fields
        return Row(int(line), str(name), year, date.fromisoformat(day) if day else None, rating, bool(rewatch))


def stars(rating: int | None) -> str:
    """A MovieVerse rating (1-10) as Letterboxd stars: 7 is 3.5, 8 is 4; empty for none."""
    if rating is None:
        return ""
    return str(rating // 2) if rating % 2 == 0 else f"{rating / 2:.1f}"


def write(kind: str, rows: Iterable[dict[str, Any]]) -> bytes:
    """A Letterboxd CSV file of the kind: a header of its columns, then one line per row (dicts by column)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS[kind])
    for row in rows:
        writer.writerow(["" if row.get(column) is None else row[column] for column in COLUMNS[kind]])
    return out.getvalue().encode()


def _rating(raw: str, required: bool) -> int | None:
    if not raw:
        if required:
            raise ValueError("Rating: give 0.5 to 5 stars")
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"Rating: {raw[:20]!r} is not a number of stars") from None
    doubled = value * 2
    if not (1 <= doubled <= 10 and doubled == int(doubled)):
        raise ValueError(f"Rating: {raw[:20]!r} is not 0.5 to 5 in half stars")
    return int(doubled)


def _day(column: str, raw: str, required: bool) -> date | None:
    if not raw:
        if required:
            raise ValueError(f"{column}: give a date (YYYY-MM-DD)")
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{column}: {raw[:20]!r} is not a date (YYYY-MM-DD)") from None
    if not EARLIEST <= day <= (datetime.now(UTC) + AHEAD).date():
        raise ValueError(f"{column}: {raw} is not between {EARLIEST.isoformat()} and today")
    return day


def _year(raw: str) -> int | None:
    if not raw:
        return None
    if not (len(raw) == 4 and raw.isdigit() and EARLIEST.year <= int(raw) <= 2100):
        raise ValueError(f"Year: {raw[:20]!r} is not a year")
    return int(raw)


def _rewatch(raw: str) -> bool:
    word = raw.lower()
    if word not in ("", "yes", "no"):
        raise ValueError(f"Rewatch: {raw[:20]!r} is not Yes or No")
    return word == "yes"


def _row(kind: str, line: int, values: dict[str, str]) -> Row:
    name = values["Name"]
    if not name:
        raise ValueError("Name: the film's title is empty")
    if len(name) > NAME_LENGTH:
        raise ValueError(f"Name: longer than {NAME_LENGTH} characters")
    year = _year(values["Year"])
    if kind == "diary":
        day = _day("Watched Date", values["Watched Date"] or values.get("Date", ""), True)
        return Row(line, name, year, day, _rating(values.get("Rating", ""), False),
                   _rewatch(values.get("Rewatch", "")))
    if kind == "ratings":
        return Row(line, name, year, _day("Date", values["Date"], True), _rating(values["Rating"], True))
    return Row(line, name, year, _day("Date", values.get("Date", ""), kind == "watched"))


def _lines(body: bytes) -> list[tuple[int, list[str]]]:
    """The CSV records of the body with the line each ends on, blank lines left out (400 for anything that is
    not readable CSV)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Malformed(f"The file is not UTF-8 text (byte {exc.start}).") from exc
    if "\x00" in text:
        raise Malformed("The file holds a NUL character; send the CSV text itself.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return [(reader.line_num, record) for record in reader if record]
    except csv.Error as exc:
        raise Malformed(f"The file is not valid CSV: {exc}.") from exc


def read(kind: str, body: bytes) -> list[Row]:
    """The rows of a Letterboxd CSV file of the kind, every value checked."""
    records = _lines(body)
    if not records:
        raise Malformed("The file is empty; send a header line and the rows.")
    header = [column.strip() for column in records[0][1]]
    missing = [column for column in REQUIRED[kind] if column not in header]
    if missing:
        raise Unprocessable(f"A {kind} file needs the columns {', '.join(REQUIRED[kind])}; missing: "
                            f"{', '.join(missing)}.", errors={"columns": [f"Missing: {', '.join(missing)}."]})
    rows: list[Row] = []
    problems: dict[str, list[str]] = {}
    for line, record in records[1:]:
        if len(record) != len(header):
            raise Malformed(f"Row {line} has {len(record)} fields; the header has {len(header)}.")
        try:
            rows.append(_row(kind, line, {column: value.strip() for column, value in zip(header, record, strict=True)}))
        except ValueError as exc:
            if len(problems) < SHOWN_ROWS:
                problems[f"row {line}"] = [str(exc)]
            else:
                problems.setdefault("more", ["Further rows are not valid either."])
    if problems:
        first = next(iter(problems))
        raise Unprocessable(f"Some rows cannot be imported ({first}: {problems[first][0]}); nothing was imported.",
                            errors=problems)
    return rows
