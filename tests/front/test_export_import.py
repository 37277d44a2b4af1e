"""Export and import of the library through workers: Letterboxd files imported with their counts, again with no
change, an export imported into a fresh account giving the same library, bad files refused, and an export
that only its owner can download."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cache import exports, jobs, keys
from tests.conftest import FAULTS_VHOST, account, start_server, start_worker

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "letterboxd"
CSV = {"Content-Type": "text/csv"}


def finished(http: httpx.Client, user: dict[str, Any], started: httpx.Response, timeout: float = 120.0) -> Any:
    """The result of the job a 202 names, once it is done."""
    assert started.status_code == 202, started.text
    assert started.headers["Location"] == started.json()["status_url"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(started.json()["status_url"], headers=user["headers"]).json()
        assert job["status"] != "failed", job
        if job["status"] == "done":
            return job["result"]
        time.sleep(0.2)
    raise AssertionError(f"job {started.json()['job_id']} did not finish")


def send(http: httpx.Client, user: dict[str, Any], kind: str, body: bytes,
         headers: dict[str, str] | None = None) -> httpx.Response:
    """POST a file to the import."""
    return http.post("/api/users/me/import/", params={"kind": kind}, content=body,
                     headers={**user["headers"], **(CSV if headers is None else headers)})


def imported(http: httpx.Client, user: dict[str, Any], kind: str, body: bytes | None = None) -> dict[str, Any]:
    """Import a file (the fixture of the kind by default) and wait for its counts."""
    body = body or (FIXTURES / f"{kind}.csv").read_bytes()
    result: dict[str, Any] = finished(http, user, send(http, user, kind, body))
    return result


def counts(result: dict[str, Any]) -> dict[str, int]:
    return {name: result[name] for name in ("rows", "matched", "added", "updated", "unchanged", "kept",
                                            "unmatched_count")}


def library(http: httpx.Client, user: dict[str, Any]) -> dict[str, Any]:
    """What the member's library holds: watchlist, diary entries and each watched or listed film's rating."""
    def every(path: str) -> list[dict[str, Any]]:
        found, page = [], 1
        while True:
            got = http.get(path, params={"page": page, "page_size": 100}, headers=user["headers"])
            if got.status_code == 404 and page > 1:
                return found
            assert got.status_code == 200, got.text
            found += got.json()["results"]
            if not got.json()["next"]:
                return found
            page += 1

    watchlist = sorted(item["movie_id"] for item in every(f"/api/users/{user['id']}/watchlist/"))
    diary = Counter((e["movie_id"], e["watched_on"], e["rating"], e["rewatch"])
                    for e in every(f"/api/users/{user['id']}/diary/"))
    films = {movie_id for movie_id, *_ in diary} | set(watchlist)
    ratings = {movie_id: http.get(f"/api/movies/{movie_id}/state/", headers=user["headers"]).json()["rating"]
               for movie_id in sorted(films)}
    return {"watchlist": watchlist, "diary": diary, "ratings": ratings}


def test_the_letterboxd_files_import_with_their_counts_and_again_change_nothing(http: httpx.Client,
                                                                               seeded: str) -> None:
    user = account(http, "boxd")
    diary = imported(http, user, "diary")
    assert counts(diary) == {"rows": 6, "matched": 5, "added": 5, "updated": 0, "unchanged": 0, "kept": 0,
                             "unmatched_count": 1}
    assert diary["unmatched"] == [{"line": 7, "name": "A Film That Nobody Made", "year": 2011}]
    # Ratings after the diary: the two films rated otherwise in it keep the diary's rating.
    assert counts(imported(http, user, "ratings")) == {"rows": 4, "matched": 3, "added": 1, "updated": 0,
                                                       "unchanged": 0, "kept": 2, "unmatched_count": 1}
    assert counts(imported(http, user, "watched")) == {"rows": 3, "matched": 2, "added": 1, "updated": 0,
                                                       "unchanged": 1, "kept": 0, "unmatched_count": 1}
    watchlist = imported(http, user, "watchlist")
    assert counts(watchlist) == {"rows": 5, "matched": 4, "added": 4, "updated": 0, "unchanged": 0, "kept": 0,
                                 "unmatched_count": 1}
    assert watchlist["unmatched"] == [{"line": 6, "name": "No Such Film Ever", "year": 2020}]
    held = library(http, user)
    # 2001 (twice, the rewatch rated 5 stars), 12 Angry Men, the accented and upper-case 13th Warrior, the
    # 15 Minutes of 2001 from the diary and of 1999 from watched, 10 Things I Hate About You from ratings.
    assert held["diary"] == Counter({(282, "2024-01-02", 9, False): 1, (282, "2024-02-10", 10, True): 1,
                                     (156, "2024-03-04", 7, False): 1, (186, "2024-03-06", 1, False): 1,
                                     (197, "2024-03-30", None, False): 1, (196, "2024-06-01", None, False): 1,
                                     (112, "2024-05-01", 5, False): 1})
    assert held["watchlist"] == [19, 51, 231, 232]
    assert {m: held["ratings"][m] for m in (282, 156, 186, 197, 112)} == {282: 10, 156: 7, 186: 1, 197: None,
                                                                         112: 5}
    state = http.get("/api/movies/282/state/", headers=user["headers"]).json()
    assert (state["times_watched"], state["last_watched_on"]) == (2, "2024-02-10")
    for kind in ("diary", "ratings", "watched", "watchlist"):
        again = imported(http, user, kind)
        assert again["added"] == again["updated"] == 0, (kind, again)
    assert library(http, user) == held


def test_an_export_imported_into_a_fresh_account_gives_the_same_library(http: httpx.Client, seeded: str) -> None:
    source = account(http, "exporter")
    for movie_id in (51, 19, 282):
        assert http.put(f"/api/users/me/watchlist/{movie_id}/", headers=source["headers"]).status_code == 204
    assert http.put("/api/users/me/favorites/156/", headers=source["headers"]).status_code == 204
    for entry in ({"movie_id": 156, "watched_on": "2023-05-01", "rating": 7, "note": "jury room"},
                  {"movie_id": 156, "watched_on": "2023-09-09", "rating": 8, "rewatch": True},
                  {"movie_id": 186, "watched_on": "2023-06-01"},
                  {"movie_id": 58, "watched_on": "2023-07-04", "rating": 1},
                  {"movie_id": 197, "watched_on": "2023-07-05", "rating": 6}):
        made = http.post("/api/users/me/diary/", headers=source["headers"], json=entry)
        assert made.status_code == 201, made.text
    made = http.post("/api/lists/", headers=source["headers"], json={"name": "Jurors", "public": False})
    assert http.put(f"/api/lists/{made.json()['id']}/items/", headers=source["headers"],
                    json={"items": [{"movie_id": 156, "note": "twelve"}]}).status_code == 200
    started = http.post("/api/users/me/export/", headers=source["headers"])
    result = finished(http, source, started)
    assert set(result["files"]) == {"movieverse.json", "diary.csv", "ratings.csv", "watched.csv", "watchlist.csv"}
    base = f"/api/users/me/export/{started.json()['job_id']}"
    files, tags = {}, {}
    for name in result["files"]:
        got = http.get(f"{base}/{name}/", headers=source["headers"])
        assert got.status_code == 200, got.text
        assert got.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        assert got.headers["Content-Type"].startswith("application/json" if name.endswith(".json") else "text/csv")
        files[name], tags[name] = got.content, got.headers["ETag"]
    held = http.get(f"{base}/diary.csv", headers={**source["headers"], "If-None-Match": tags["diary.csv"]})
    assert held.status_code == 304 and not held.content
    document = orjson.loads(files["movieverse.json"])
    assert document["account"]["username"] == source["username"] and document["account"]["email"] == source["email"]
    assert [row["movie_id"] for row in document["favorites"]] == [156]
    assert (document["diary"][0]["movie_id"], document["diary"][0]["note"]) == (156, "jury room")
    assert document["lists"][0]["name"] == "Jurors" and document["lists"][0]["items"][0]["note"] == "twelve"
    assert files["diary.csv"].splitlines()[0] == b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date"
    assert b"12 Angry Men,1957,,3.5,,,2023-05-01" in files["diary.csv"]
    assert b"12 Angry Men,1957,,4,Yes,,2023-09-09" in files["diary.csv"]
    assert b"*batteries not included,1987,,0.5" in files["ratings.csv"]
    copy = account(http, "importer")
    for kind in ("diary", "ratings", "watched", "watchlist"):
        result = imported(http, copy, kind, files[f"{kind}.csv"])
        assert result["unmatched_count"] == 0, result
    assert library(http, copy) == library(http, source)


def test_only_its_owner_can_download_an_export(http: httpx.Client, seeded: str) -> None:
    owner, other = account(http, "owner"), account(http, "nosy")
    started = http.post("/api/users/me/export/", headers=owner["headers"])
    finished(http, owner, started)
    path = f"/api/users/me/export/{started.json()['job_id']}/movieverse.json"
    assert http.get(path, headers=owner["headers"]).status_code == 200
    job = started.json()["status_url"]
    assert http.get(job, headers=owner["headers"]).status_code == 200
    assert http.get(job, headers=other["headers"]).status_code == http.get(job).status_code == 404
    sent = send(http, owner, "watchlist", (FIXTURES / "watchlist.csv").read_bytes())
    assert http.get(sent.json()["status_url"], headers=other["headers"]).status_code == 404
    for headers, status in ((other["headers"], 404), ({}, 401)):
        response = http.get(path, headers=headers)
        assert response.status_code == status and owner["email"] not in response.text
    assert http.get(path.replace("movieverse.json", "reviews.csv"), headers=owner["headers"]).status_code == 404
    assert http.get(f"/api/users/me/export/{uuid.uuid4().hex}/diary.csv", headers=owner["headers"]).status_code == 404


async def test_an_export_not_done_yet_answers_202_with_its_job(http: httpx.Client, seeded: str, redis: Any,
                                                              settings: Any) -> None:
    owner, other = account(http, "waiting"), account(http, "nosy")
    job_id = uuid.uuid4().hex  # a job no worker was sent: queued for as long as the test needs
    await jobs.record(redis, job_id, "export", f"export:{job_id}", 60)
    await exports.link(redis, owner["id"], job_id, uuid.uuid4().hex, 60)
    try:
        response = http.get(f"/api/users/me/export/{job_id}/diary.csv", headers=owner["headers"])
        assert response.status_code == 202, response.text
        assert response.json() == {"job_id": job_id, "status": "queued", "status_url": f"/api/jobs/{job_id}/"}
        assert response.headers["Location"] == f"/api/jobs/{job_id}/"
        assert http.get(f"/api/users/me/export/{job_id}/diary.csv", headers=other["headers"]).status_code == 404
    finally:
        await redis.delete(keys.job(job_id), keys.export_job(owner["id"], job_id))


@pytest.mark.parametrize(("kind", "body", "headers", "status", "named"), [
    ("watchlist", b"Date,Name,Year\n" + b"x" * (5 * 1024 * 1024), None, 413, ""),
    ("watchlist", b"Name,Year\nHeat,1995\n", {"Content-Type": "application/json"}, 415, ""),
    ("watchlist", b"Name,Year\nHeat,1995\n", {"Content-Type": "text/plain"}, 415, ""),
    ("watchlist", b"Name,Year\nHeat,1995\n", {"Content-Type": "text/csv; charset=latin-1"}, 415, ""),
    ("watchlist", b"Name,Year\nHeat,1995\n", {}, 415, ""),
    ("watchlist", b"Name,Year\n\xe9t\xe9,1995\n", None, 400, "UTF-8"),
    ("watchlist", b'Name,Year\n"Heat,1995\n', None, 400, "CSV"),
    ("watchlist", b"Name,Year\nHeat,1995,1\n", None, 400, "Row 2"),
    ("watchlist", b"", None, 400, "empty"),
    ("ratings", b"Date,Name,Year\n2024-01-01,Heat,1995\n", None, 422, "Rating"),
    ("diary", b"Date,Name,Year,Rating\n2024-01-01,Heat,1995,4\n", None, 422, "Watched Date"),
    ("ratings", b"Date,Name,Year,Rating\n2024-01-01,Heat,1995,4.2\n", None, 422, "row 2"),
    ("diary", b"Name,Year,Watched Date\nHeat,1995,2999-01-01\n", None, 422, "row 2"),
    ("reviews", b"Name,Year\nHeat,1995\n", None, 400, "kind"),
    ("", b"Name,Year\nHeat,1995\n", None, 400, "kind"),
])
def test_a_bad_import_is_a_problem_naming_it_and_imports_nothing(http: httpx.Client, seeded: str, kind: str,
                                                                body: bytes, headers: dict[str, str] | None,
                                                                status: int, named: str) -> None:
    user = account(http, "badfile")
    response = send(http, user, kind, body, headers)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert named in response.text
    assert http.get(f"/api/users/{user['id']}/diary/").json()["count"] == 0
    assert http.get(f"/api/users/{user['id']}/watchlist/").json()["count"] == 0


def test_the_import_and_the_export_need_a_member(http: httpx.Client, seeded: str) -> None:
    assert http.post("/api/users/me/export/").status_code == 401
    assert http.post("/api/users/me/import/?kind=watchlist", content=b"Name,Year\n", headers=CSV).status_code == 401


def test_a_file_just_under_five_mebibytes_is_taken(http: httpx.Client, seeded: str) -> None:
    user = account(http, "bigfile")
    header = b"Date,Name,Year,Letterboxd URI\n"
    row = b"2024-06-11,1941,1979,https://boxd.it/" + b"x" * 200 + b"\n"
    body = header + row * ((5 * 1024 * 1024 - len(header)) // len(row))
    assert len(body) <= 5 * 1024 * 1024
    result = imported(http, user, "watchlist", body)
    assert (result["matched"], result["added"], result["unchanged"]) == (result["rows"], 1, result["rows"] - 1)


def test_an_import_fails_rather_than_match_in_mongodb_where_no_worker_holds_an_index(logs: Path, seeded: str) -> None:
    # A web server and a worker of their own, on a vhost no session worker serves; the worker keeps no index.
    worker = start_worker(logs, "noindex-worker", queues="interactive default", SEARCH_MEMORY_LIMIT="0",
                          RABBITMQ_URL=FAULTS_VHOST)
    web, base = start_server(logs, RABBITMQ_URL=FAULTS_VHOST)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            user = account(client, "noindex")
            started = send(client, user, "watchlist", (FIXTURES / "watchlist.csv").read_bytes())
            assert started.status_code == 202, started.text
            deadline = time.monotonic() + 90
            while (job := client.get(started.json()["status_url"], headers=user["headers"]).json())["status"] not in (
                    "done", "failed"):
                assert time.monotonic() < deadline, job
                time.sleep(0.2)
            assert job["status"] == "failed" and "too large" in job["error"], job
            assert client.get(f"/api/users/{user['id']}/watchlist/").json()["count"] == 0
    finally:
        web.stop()
        worker.stop()
