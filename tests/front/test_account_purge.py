"""Account deletion: nothing an account writes can outlive its purge, even writes racing the deletion."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from errors import Unauthorized
from stores import Stores
from stores.mysql import reviews
from tests.conftest import account


async def _reviews_of(stores: Stores, user_id: int) -> int:
    total, _ = await reviews.list_reviews(await stores.mysql(), user_id=user_id, limit=1)
    return total


async def _wait_until_gone(stores: Stores, user_id: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while await _reviews_of(stores, user_id) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def test_a_review_arriving_after_its_authors_purge_is_refused(http: httpx.Client, stores: Stores,
                                                                    seeded: str) -> None:
    user = account(http, "late")
    assert http.post("/api/reviews/", headers=user["headers"],
                     json={"movie_id": 21, "rating": 6, "body": "before"}).status_code == 201
    assert http.delete("/api/users/me/", headers=user["headers"]).status_code == 204
    await _wait_until_gone(stores, user["id"])
    assert await _reviews_of(stores, user["id"]) == 0
    # A request that was authenticated before the deletion reaches MySQL only now.
    with pytest.raises(Unauthorized):
        await reviews.create_review(await stores.mysql(), {"id": user["id"], "username": user["username"]}, 22, 7,
                                    "", "after the purge")
    assert await _reviews_of(stores, user["id"]) == 0


async def _purged(stores: Stores, user_id: int, timeout: float = 20) -> None:
    """Wait for the purge's first pass: it removes the profile only after the reviews."""
    firebase = await stores.firebase()
    deadline = time.monotonic() + timeout
    while await firebase.get(f"/profiles/{user_id}") is not None:
        assert time.monotonic() < deadline, "the purge did not run"
        await asyncio.sleep(0.1)


async def test_reviews_posted_during_an_account_deletion_leave_none_behind(http: httpx.Client, stores: Stores,
                                                                         server: str, seeded: str) -> None:
    # 200 reviews at once on one web process: most pass the token check, then wait their turn for
    # MySQL's few connections, so the deletion (sent once the first review lands) is committed and
    # the worker purges while they are still landing.
    films = range(1, 201)
    refused = 0
    for trial in range(3):
        user = account(http, f"racer{trial}")
        assert http.put("/api/users/me/profile/", headers=user["headers"], json={"bio": "racing"}).status_code == 200
        limits = httpx.Limits(max_connections=len(films) + 1, max_keepalive_connections=len(films) + 1)
        async with httpx.AsyncClient(base_url=server, timeout=60, limits=limits) as client:
            landed = asyncio.Event()

            async def post(movie_id: int, client: httpx.AsyncClient = client, user: dict[str, Any] = user,
                           landed: asyncio.Event = landed) -> int:
                response = await client.post("/api/reviews/", headers=user["headers"],
                                             json={"movie_id": movie_id, "rating": 5, "body": "racing"})
                if response.status_code == 201:
                    landed.set()
                return response.status_code

            posts = [asyncio.create_task(post(movie_id)) for movie_id in films]
            await asyncio.wait_for(landed.wait(), 30)
            deleted = await client.delete("/api/users/me/", headers=user["headers"])
            codes = await asyncio.gather(*posts)
        assert deleted.status_code == 204, deleted.text
        assert set(codes) <= {201, 401}, codes
        await _purged(stores, user["id"])
        left = await _reviews_of(stores, user["id"])
        assert left == 0, f"trial {trial}: {left} of {codes.count(201)} reviews posted outlived the purge"
        refused += codes.count(401)
    assert refused, "no post was refused: the deletion never fell among the posts"


async def test_the_second_pass_removes_a_profile_written_after_the_first(http: httpx.Client, stores: Stores,
                                                                         seeded: str) -> None:
    from stores.mysql import accounts
    from stores.profiles import put_profile

    user = account(http, "ghost")
    assert http.delete("/api/users/me/", headers=user["headers"]).status_code == 204
    firebase = await stores.firebase()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the first pass has run once the account is buried
        if await accounts.buried(await stores.mysql(), user["id"]):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    await put_profile(firebase, user["id"], {"bio": "written late"})
    deadline = time.monotonic() + 20
    while await firebase.get(f"/profiles/{user['id']}") is not None and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert await firebase.get(f"/profiles/{user['id']}") is None
