"""Moments as the API writes them: ISO 8601, with a UTC offset spelled `Z`.

A bottom-layer module, like errors.py: every layer (front, actors, stores, cache, seeds) may import it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(moment: datetime) -> str:
    """The moment in ISO 8601, `+00:00` written `Z` (2024-05-01T12:00:00.250000Z); a naive moment has no offset."""
    return moment.isoformat().replace("+00:00", "Z")


def micros(moment: datetime) -> int:
    """Microseconds since 1970 (a naive moment is UTC, as MySQL's UTC_TIMESTAMP gives it): an exact, ordered stamp."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware - EPOCH) // timedelta(microseconds=1)
