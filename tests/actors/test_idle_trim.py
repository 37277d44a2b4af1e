"""The index's idle trim: the memory queries freed is handed back once they pause, never while they go on."""

from __future__ import annotations

import pytest

import actors.catalogue
from actors.catalogue import IdleTrim


@pytest.fixture
def trims(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the calls to glibc's malloc_trim that IdleTrim makes."""
    made: list[int] = []
    monkeypatch.setattr(actors.catalogue, "release_freed_memory", lambda: made.append(1))
    return made


def test_trims_once_after_a_whole_tick_without_a_query(trims: list[int]) -> None:
    trim = IdleTrim()
    assert not trim.tick()  # nothing ran yet
    trim.used()
    assert not trim.tick()  # a query ran in this tick: it may go on
    assert trim.tick()  # a whole tick without one
    assert not trim.tick() and not trim.tick()  # once per pause
    assert trims == [1]


def test_never_trims_while_queries_go_on(trims: list[int]) -> None:
    trim = IdleTrim()
    for _ in range(50):
        trim.used()
        assert not trim.tick()
    assert trims == []
    assert trim.tick()
    trim.used()
    trim.used()
    assert not trim.tick()
    assert trim.tick()
    assert trims == [1, 1]


def test_queries_through_the_follower_are_counted() -> None:
    from actors.catalogue.follower import Follower

    follower = Follower()
    follower.serving()
    follower.serving()
    assert follower.trim.uses == 2
