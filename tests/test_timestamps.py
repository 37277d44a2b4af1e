"""Moments are written in ISO 8601 with UTC spelled Z."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from timestamps import iso


def test_a_utc_moment_is_written_with_z() -> None:
    assert iso(datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)) == "2024-05-01T12:00:00.250000Z"


def test_another_offset_and_a_naive_moment_are_written_as_they_are() -> None:
    assert iso(datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=2)))) == "2024-05-01T12:00:00+02:00"
    assert iso(datetime(2024, 5, 1, 12)) == "2024-05-01T12:00:00"


def test_micros_counts_exact_microseconds_and_reads_naive_moments_as_utc() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from timestamps import micros

    assert micros(datetime(1970, 1, 1, 0, 0, 1, 5)) == 1_000_005
    aware = datetime(2024, 5, 1, 14, 0, 0, 250001, tzinfo=timezone(timedelta(hours=2)))
    assert micros(aware) == micros(datetime(2024, 5, 1, 12, 0, 0, 250001)) == micros(aware.astimezone(UTC))
