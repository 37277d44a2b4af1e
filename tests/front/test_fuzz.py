"""Random strings in every query parameter and path id of every GET route never make a 5xx (limits raised)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PARAM = re.compile(r"\{(\w+)\}")
# Text a client can send: any code point (lone surrogates included, sent as the bytes that decode to them),
# digits and signs Python's int() and float() half accept, and the operators stores would interpret.
TRICKY = st.sampled_from(["--1", "-0", "1_0", "١٢", "1e999", "nan", "inf", "0x10", " 7 ", "+3", "9" * 40,
                          "$gt", "{}", "[]", "%00", "1;DROP", "\x00", "day", "week", "-popularity", "1,2"])
VALUE = st.one_of(TRICKY, st.text(max_size=30), st.integers(-2**70, 2**70).map(str))


def _encode(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@pytest.fixture(scope="module")
def routes(http: httpx.Client, seeded: str) -> list[tuple[str, list[str]]]:
    """Every GET path template of the OpenAPI document with its query parameter names."""
    spec = http.get("/openapi.json").json()
    found = []
    for path, operations in spec["paths"].items():
        if "get" in operations and path not in ("/metrics", "/readyz"):
            names = [p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query"]
            found.append((path, names))
    return found


def test_random_strings_in_every_parameter_of_every_get_route_never_make_a_5xx(
        http: httpx.Client, routes: list[tuple[str, list[str]]]) -> None:
    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def probe(data: Any) -> None:
        path, names = data.draw(st.sampled_from(routes))
        url = PARAM.sub(lambda _: _encode(data.draw(VALUE)), path)
        chosen = data.draw(st.lists(st.sampled_from([*names, "page", "x"]), max_size=4)) if names else []
        query = "&".join(f"{_encode(name)}={_encode(data.draw(VALUE))}" for name in chosen)
        response = http.get(url + ("?" + query if query else ""), headers={"Accept": "application/json"})
        assert response.status_code < 500 and response.status_code != 429, (url, query, response.text)

    probe()
