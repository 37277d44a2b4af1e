"""Moments as the API writes them: ISO 8601, with a UTC offset spelled `Z`.

A bottom-layer module, like errors.py: every layer (front, actors, stores, cache, seeds) may import it.
"""

from __future__ import annotations

from datetime import datetime


def iso(moment: datetime) -> str:
    """The moment in ISO 8601, `+00:00` written `Z` (2024-05-01T12:00:00.250000Z); a naive moment has no offset."""
    return moment.isoformat().replace("+00:00", "Z")
