"""Dramatiq actors: the broker first, then every actor module (`dramatiq actors`)."""

from actors.broker import broker
from actors import stats  # noqa: F401

__all__ = ["broker"]
