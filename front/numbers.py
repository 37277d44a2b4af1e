"""The one parser of integers and numbers that clients send as text: query values, path ids, token subjects.

Python's own `int()` and `float()` accept far more than a client should send (`"--1"` fails
only after a check that let it through, `"1_000"`, `"١٢"`, `" 5 "`, `"nan"`, `"inf"`), so
every such value goes through here: ASCII digits, an optional leading minus, nothing else.
"""

from __future__ import annotations

import math
import re

INTEGER = re.compile(r"-?[0-9]{1,19}")
NUMBER = re.compile(r"-?(?:[0-9]{1,19}(?:\.[0-9]{0,19})?|\.[0-9]{1,19})(?:[eE][-+]?[0-9]{1,3})?")


def integer(raw: str, low: int | None = None, high: int | None = None) -> int:
    """The integer the text spells, within [low, high]; ValueError saying why not."""
    if not isinstance(raw, str) or not INTEGER.fullmatch(raw):
        raise ValueError("Must be an integer.")
    value = int(raw)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"Must be between {low} and {high}." if high is not None else f"Must be at least {low}.")
    return value


def number(raw: str, low: float, high: float) -> float:
    """The finite number the text spells, within [low, high]; ValueError saying why not."""
    if not isinstance(raw, str) or not NUMBER.fullmatch(raw):
        raise ValueError("Must be a number.")
    value = float(raw)
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"Must be between {low:g} and {high:g}.")
    return value
