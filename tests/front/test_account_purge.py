"""Account deletion: nothing an account writes can outlive its purge, even writes racing the deletion."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

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


async def test_reviews_posted_during_an_account_deletion_leave_none_behind(http: httpx.Client, stores: Stores,
                                                                         server: str, seeded: str) -> None:
    for trial in range(3):
        user = account(http, f"racer{trial}")

        def post(movie_id: int, headers: dict[str, str] = user["headers"]) -> int:
            with httpx.Client(base_url=server, timeout=30) as client:
                return client.post("/api/reviews/", headers=headers,
                                   json={"movie_id": movie_id, "rating": 5, "body": "racing"}).status_code

        with ThreadPoolExecutor(8) as pool:
            posts = [pool.submit(post, movie_id) for movie_id in range(30 + trial * 40, 62 + trial * 40)]
            await asyncio.sleep(0.05)
            assert http.delete("/api/users/me/", headers=user["headers"]).status_code == 204
            codes = [f.result() for f in posts]
        assert set(codes) <= {201, 401}, codes
        await _wait_until_gone(stores, user["id"])
        await asyncio.sleep(3)  # the second pass, and any late write, have had their chance
        assert await _reviews_of(stores, user["id"]) == 0


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
