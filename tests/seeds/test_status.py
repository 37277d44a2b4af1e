"""`python -m seeds --status`: the live run with its stages and the chunks writing, then the run it superseded."""

from __future__ import annotations

import uuid
from typing import Any

from cache import progress, seedruns
from seeds.status import report


async def started(redis: Any, stages: dict[str, tuple[int, list[str]]]) -> str:
    """A run made live and begun, with each stage's chunk count and the chunks done."""
    run_id = uuid.uuid4().hex
    await seedruns.make_live(redis, run_id)
    await progress.start_run(redis, run_id, {"movies": 600}, {"movies": 600, "users": 3000})
    for stage, (count, done) in stages.items():
        await progress.plan_stage(redis, run_id, stage, count)
        for chunk in done:
            await progress.chunk_done(redis, run_id, stage, chunk, {})
    return run_id


async def test_the_status_shows_the_live_run_its_stages_and_chunks_and_the_run_it_superseded(redis: Any) -> None:
    old = await started(redis, {"accounts": (3, ["users:1:1001"])})
    async with seedruns.lease(redis, old, "accounts:users:1001:2001") as held:
        assert held
        new = await started(redis, {"accounts": (3, ["users:1:1001", "users:1001:2001"]), "profiles": (4, [])})
        assert await progress.supersede(redis, old, by=new)
        async with seedruns.lease(redis, new, "profiles:genres:0:1") as writing:
            assert writing
            lines = (await report(redis, {"bulk": 5})).splitlines()

    assert lines[0].startswith(f"live run {new}: running, started ")
    assert lines[1] == "  stages: accounts 2/3, profiles 0/4, catalogue -, relations -, finish -"
    assert lines[2].startswith("  chunks writing: profiles:genres:0:1 (") and "left on its lease" in lines[2]
    superseded = lines.index(next(line for line in lines if line.startswith(f"superseded run {old} ")))
    assert lines[superseded].startswith(f"superseded run {old} (by {new}), started ")
    assert lines[superseded + 1] == "  stages: accounts 1/3, profiles -, catalogue -, relations -, finish -"
    assert lines[superseded + 2].startswith("  chunks still writing: accounts:users:1001:2001 (")
    assert lines[-1] == "bulk queue: bulk 5"
