"""The periodic tasks the scheduler sends; actor modules add theirs here."""

from __future__ import annotations

from actors.scheduler import Periodic

TASKS: list[Periodic] = []
