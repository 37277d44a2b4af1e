"""`python -m seeds --status`: the live seed run, its stages and chunks, and any superseded run."""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis

from cache import progress, seedruns

STAGES = ("accounts", "profiles", "catalogue", "relations", "finish")
SHOWN_RUNS = 3


def _stages(state: dict[str, Any]) -> str:
    parts = []
    for stage in STAGES:
        found = state["stages"].get(stage)
        parts.append(f"{stage} {found['done']}/{found['chunks']}" if found else f"{stage} -")
    return ", ".join(parts)


def _writing(chunks: list[tuple[str, float]]) -> str:
    if not chunks:
        return "none"
    return ", ".join(f"{chunk} ({left:.1f} s left on its lease)" for chunk, left in sorted(chunks))


def _age(started: float) -> str:
    return f"started {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(started))}" if started else "not begun"


def _stores(state: dict[str, Any]) -> list[str]:
    return [f"    {name:<9} {counts.get('done', 0):>10,} / {counts.get('total', 0):,}"
            for name, counts in sorted(state["stores"].items())]


async def report(redis: Redis, queued: dict[str, int] | None = None) -> str:
    """The live run (or the latest), with its stages, chunks and stores, then the runs it superseded."""
    live = await seedruns.live_run(redis)
    held = await seedruns.leases(redis)
    lines = []
    if live is None:
        lines.append("no live seed run")
    else:
        state = await progress.progress(redis, live)
        if state is None:
            lines.append(f"live run {live}: queued, not begun")
        else:
            lines += [f"live run {live}: {state['status']}, {_age(state['started'])}",
                      f"  stages: {_stages(state)}",
                      f"  chunks writing: {_writing(held.get(live, []))}", *_stores(state)]
    shown = 0
    for run_id, _ in await seedruns.recent_runs(redis):
        state = None if run_id == live else await progress.progress(redis, run_id)
        if state is None or state["status"] != "superseded" or shown == SHOWN_RUNS:
            continue
        shown += 1
        lines += [f"superseded run {run_id} (by {state['superseded_by']}), {_age(state['started'])}",
                  f"  stages: {_stages(state)}", f"  chunks still writing: {_writing(held.get(run_id, []))}"]
    if queued is not None:
        lines.append("bulk queue: " + ", ".join(f"{name} {count:,}" for name, count in queued.items()))
    return "\n".join(lines)
