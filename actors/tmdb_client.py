"""A small TMDB v3 client over aiohttp: bounded concurrency, 429 + Retry-After, retries on 5xx and lost connections.

Only two calls are needed: the movie changes feed and one movie's details with its credits.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import aiohttp
import orjson

log = logging.getLogger(__name__)


class TmdbError(Exception):
    """TMDB refused the request for good (bad key, bad request): retrying will not help."""


class TmdbUnavailable(Exception):
    """TMDB kept failing (5xx, 429, lost connections) after every retry."""


def retry_after(value: str | None, default: float, cap: float) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), within [0, cap]."""
    if not value:
        return min(default, cap)
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return min(default, cap)
    return max(0.0, min(moment.timestamp() - time.time(), cap))


class Tmdb:
    """TMDB's API at `base_url` (e.g. https://api.themoviedb.org/3) with one API key.

    A v3 key travels as the `api_key` parameter; a v4 read access token (a JWT) as a bearer header.
    At most `concurrency` requests are in flight; 429s wait for Retry-After and 5xx/connection errors back off
    exponentially, `attempts` times in all.
    """

    def __init__(self, session: aiohttp.ClientSession, base_url: str, api_key: str, *, concurrency: int = 4,
                 attempts: int = 6, backoff: float = 0.25, max_wait: float = 30.0) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.gate = asyncio.Semaphore(max(1, concurrency))
        self.attempts = attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.requests = 0
        self.retried = 0
        self.rate_limited = 0

    def _auth(self) -> tuple[dict[str, str], dict[str, str]]:
        if self.api_key.count(".") == 2:
            return {}, {"Authorization": f"Bearer {self.api_key}"}
        return {"api_key": self.api_key}, {}

    async def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The JSON object at `path`, or None for a 404."""
        query, headers = self._auth()
        query.update({k: str(v) for k, v in (params or {}).items()})
        url = f"{self.base_url}/{path.lstrip('/')}"
        problem = "no attempt made"
        for attempt in range(self.attempts):
            delay = self.backoff * 2**attempt
            try:
                async with self.gate:
                    self.requests += 1
                    async with self.session.get(url, params=query, headers=headers) as response:
                        if response.status == 200:
                            return orjson.loads(await response.read())
                        if response.status == 404:
                            return None
                        if response.status == 429:
                            self.rate_limited += 1
                            delay = retry_after(response.headers.get("Retry-After"), delay, self.max_wait)
                        elif response.status < 500:
                            raise TmdbError(f"TMDB answered {response.status} for {path}")
                        problem = f"HTTP {response.status}"
            except (TimeoutError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            except orjson.JSONDecodeError as exc:
                problem = f"invalid JSON: {exc}"
            if attempt + 1 < self.attempts:
                self.retried += 1
                log.info("TMDB %s: %s; retrying in %.2f s", path, problem, delay)
                await asyncio.sleep(delay)
        raise TmdbUnavailable(f"TMDB {path}: {problem} after {self.attempts} attempts")

    async def changed_movie_ids(self, start: date, end: date) -> AsyncIterator[int]:
        """Ids of the movies TMDB's changes feed lists between two dates (every page)."""
        page, pages = 1, 1
        while page <= pages:
            body = await self.get("movie/changes", {"start_date": start.isoformat(), "end_date": end.isoformat(),
                                                    "page": page}) or {}
            pages = min(int(body.get("total_pages") or 1), 500)
            for item in body.get("results") or []:
                if isinstance(item, dict) and isinstance(item.get("id"), int) and not item.get("adult"):
                    yield item["id"]
            page += 1

    async def movie(self, tmdb_id: int) -> dict[str, Any] | None:
        """One movie's details with its credits, or None if TMDB does not know it."""
        return await self.get(f"movie/{tmdb_id}", {"append_to_response": "credits"})
