"""Account deletion: nothing an account writes (reviews, library) can outlive its purge, even writes racing the
deletion."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from errors import Unauthorized
from stores import Stores
from stores.mysql import library, reviews, shelves
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


async def test_the_purge_removes_the_whole_library(http: httpx.Client, stores: Stores, seeded: str) -> None:
    user = account(http, "librarian")
    headers = user["headers"]
    assert http.put("/api/users/me/profile/", headers=headers, json={"bio": "collector"}).status_code == 200
    assert http.post("/api/users/me/watchlist/", headers=headers, json={"movie_ids": [31, 32]}).status_code == 200
    assert http.put("/api/users/me/favorites/33/", headers=headers).status_code == 204
    assert http.post("/api/users/me/diary/", headers=headers,
                     json={"movie_id": 34, "watched_on": "2024-01-01"}).status_code == 201
    listed = http.post("/api/lists/", headers=headers, json={"name": "All of them"}).json()
    assert http.put(f"/api/lists/{listed['id']}/items/", headers=headers,
                    json={"items": [{"movie_id": 35}]}).status_code == 200
    assert await library.holdings(await stores.mysql(), user["id"]) == 5
    assert http.delete("/api/users/me/", headers=headers).status_code == 204
    await _purged(stores, user["id"])
    assert await library.holdings(await stores.mysql(), user["id"]) == 0
    assert http.get(f"/api/lists/{listed['id']}/").status_code == 404
    assert listed["id"] not in [entry["id"] for entry in http.get("/api/movies/35/lists/").json()["results"]]
    async with (await stores.mysql()).acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*) FROM list_items WHERE list_id = %s", (listed["id"],))
        assert (await cur.fetchone())[0] == 0
    with pytest.raises(Unauthorized):
        await shelves.add(await stores.mysql(), user["id"], "watchlist", [36])


async def test_shelf_writes_during_an_account_deletion_leave_none_behind(http: httpx.Client, stores: Stores,
                                                                        server: str, seeded: str) -> None:
    # The shape of the review race above: 200 watchlist adds at once, the deletion sent once the first lands.
    films = range(1, 201)
    refused = 0
    for trial in range(3):
        user = account(http, f"shelfracer{trial}")
        assert http.put("/api/users/me/profile/", headers=user["headers"], json={"bio": "racing"}).status_code == 200
        limits = httpx.Limits(max_connections=len(films) + 1, max_keepalive_connections=len(films) + 1)
        async with httpx.AsyncClient(base_url=server, timeout=60, limits=limits) as client:
            landed = asyncio.Event()

            async def put(movie_id: int, client: httpx.AsyncClient = client, user: dict[str, Any] = user,
                          landed: asyncio.Event = landed) -> int:
                response = await client.put(f"/api/users/me/watchlist/{movie_id}/", headers=user["headers"])
                if response.status_code == 204:
                    landed.set()
                return response.status_code

            puts = [asyncio.create_task(put(movie_id)) for movie_id in films]
            await asyncio.wait_for(landed.wait(), 30)
            deleted = await client.delete("/api/users/me/", headers=user["headers"])
            codes = await asyncio.gather(*puts)
        assert deleted.status_code == 204, deleted.text
        assert set(codes) <= {204, 401}, codes
        await _purged(stores, user["id"])
        left = await library.holdings(await stores.mysql(), user["id"])
        assert left == 0, f"trial {trial}: {left} of {codes.count(204)} films added outlived the purge"
        refused += codes.count(401)
    assert refused, "no add was refused: the deletion never fell among the adds"
