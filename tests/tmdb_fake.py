"""A local server that answers like TMDB's v3 API (movie details with credits, the changes feed), for tests.

It runs a real aiohttp server in a background thread, checks the API key, and can be told to answer the next
requests for a path with 429s (with Retry-After) or 5xx before the real answer. It records every request and
the most requests it ever had in flight at once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from aiohttp import web

API_KEY = "test-tmdb-key"


class FakeTmdb:
    """The server's state: films, changes, scripted failures, and what it saw."""

    def __init__(self, port: int, delay: float = 0.0) -> None:
        self.port = port
        self.delay = delay
        self.movies: dict[int, dict[str, Any]] = {}
        self.changes: list[int] = []
        self.failures: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.seen: list[tuple[float, str, int]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """What TMDB_API_URL should be."""
        return f"http://127.0.0.1:{self.port}/3"

    def fail(self, path: str, *answers: tuple[int, dict[str, str]]) -> None:
        """Answer the next requests for `path` (e.g. `/3/movie/5`) with these statuses and headers first."""
        self.failures.setdefault(path, []).extend(answers)

    def reset(self) -> None:
        """Forget films, changes, failures and the request log."""
        self.movies.clear()
        self.changes.clear()
        self.failures.clear()
        self.seen.clear()
        self.most_in_flight = 0

    async def _handle(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            status, body, headers = self._answer(request)
            self.seen.append((time.monotonic(), request.path, status))
            return web.json_response(body, status=status, headers=headers)
        finally:
            self.in_flight -= 1

    def _answer(self, request: web.Request) -> tuple[int, dict[str, Any], dict[str, str]]:
        key = request.query.get("api_key")
        if key != API_KEY:
            return 401, {"status_code": 7, "status_message": "Invalid API key.", "success": False}, {}
        scripted = self.failures.get(request.path)
        if scripted:
            status, headers = scripted.pop(0)
            return status, {"status_message": "scripted failure"}, headers
        parts = request.path.strip("/").split("/")
        if parts[:3] == ["3", "movie", "changes"]:
            page = int(request.query.get("page", "1"))
            size = 2
            items = [{"id": i, "adult": False} for i in self.changes]
            chunk = items[(page - 1) * size : page * size]
            pages = max(1, -(-len(items) // size))
            return 200, {"results": chunk, "page": page, "total_pages": pages, "total_results": len(items)}, {}
        if len(parts) == 3 and parts[:2] == ["3", "movie"] and parts[2].isdigit():
            movie = self.movies.get(int(parts[2]))
            if movie is None:
                return 404, {"status_code": 34, "status_message": "The resource could not be found."}, {}
            body = dict(movie)
            if "credits" not in (request.query.get("append_to_response") or ""):
                body.pop("credits", None)
            return 200, body, {}
        return 404, {"status_code": 34, "status_message": "Not found."}, {}

    def start(self) -> FakeTmdb:
        """Serve in a background thread until stop()."""
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_get("/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake-tmdb", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake TMDB server did not start")
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


def tmdb_movie(tmdb_id: int, title: str, year: int, *, cast: list[tuple[int, str, str]] = (),  # type: ignore[assignment]
               crew: list[tuple[int, str, str]] = (), genres: tuple[str, ...] = ("Drama",),  # type: ignore[assignment]
               runtime: int = 101) -> dict[str, Any]:
    """A TMDB movie payload with credits: cast as (person id, name, character), crew as (id, name, job)."""
    return {
        "id": tmdb_id, "title": title, "original_title": title, "release_date": f"{year}-05-17",
        "runtime": runtime, "budget": 1_500_000, "overview": f"TMDB's overview of {title}.", "tagline": "A tagline.",
        "poster_path": f"/poster{tmdb_id}.jpg", "vote_average": 7.4, "vote_count": 1234, "popularity": 12.5,
        "genres": [{"id": 18 + i, "name": g} for i, g in enumerate(genres)] + [{"id": 53, "name": "Thriller"}],
        "adult": False,
        "credits": {
            "cast": [{"id": pid, "name": name, "character": character, "order": order,
                      "known_for_department": "Acting", "profile_path": f"/p{pid}.jpg"}
                     for order, (pid, name, character) in enumerate(cast)],
            "crew": [{"id": pid, "name": name, "job": job, "department": "Directing" if job == "Director" else "Crew"}
                     for pid, name, job in crew],
        },
    }
