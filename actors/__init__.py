"""Dramatiq actors: the broker first, then every actor module (`dramatiq actors`)."""

from actors import (  # noqa: F401
    accounts,
    discover,
    email,
    library_io,
    outbox,
    rankings,
    recommendations,
    search,
    seeding,
    stats,
    tmdb,
)
from actors.broker import broker

__all__ = ["broker"]
