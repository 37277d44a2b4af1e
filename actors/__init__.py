"""Dramatiq actors: the broker first, then every actor module (`dramatiq actors`)."""

from actors import accounts, email, outbox, rankings, recommendations, search, seeding, stats, tmdb  # noqa: F401
from actors.broker import broker

__all__ = ["broker"]
