"""Seed-run progress: the stage after a complete one is sent by exactly one chunk."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from cache import progress


async def test_only_one_of_the_chunks_finishing_together_sends_the_next_stage(redis: Any) -> None:
    run_id = uuid.uuid4().hex
    await progress.plan_stage(redis, run_id, "accounts", 2)
    done = await asyncio.gather(*(progress.chunk_done(redis, run_id, "accounts", f"users:{n}", {"users": 1})
                                  for n in (1, 2)))
    assert any(done)
    claims = await asyncio.gather(*(progress.claim_next_stage(redis, run_id, "accounts", f"users:{n}")
                                    for n in (1, 2)))
    assert sorted(claims) == [False, True]


async def test_a_redelivered_claiming_chunk_sends_the_next_stage_again(redis: Any) -> None:
    run_id = uuid.uuid4().hex
    assert await progress.claim_next_stage(redis, run_id, "profiles", "genres:0:1")
    assert await progress.claim_next_stage(redis, run_id, "profiles", "genres:0:1")
    assert not await progress.claim_next_stage(redis, run_id, "profiles", "settings:0:1")
    assert await progress.claim_next_stage(redis, run_id, "catalogue", "settings:0:1")
