"""Keyset cursors: where a walk through a sorted list stands, opaque to the client and signed.

A cursor names the sort, a digest of the filter it was made for, and the last film's place in the
sort (its sort value and id). The next page is the films after that place, so no film is listed
twice and none skipped among those whose sort value did not change during the walk, whatever is
added or removed meanwhile. The signature (HMAC-SHA256 under SECRET_KEY) makes a forged or edited
cursor a 400, as is a cursor used with another sort or other filters.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any

import orjson

from config import Settings
from errors import Invalid

SIGNATURE_BYTES = 16


def _digest(query: Any) -> str:
    return hashlib.sha256(orjson.dumps(query, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def _sign(settings: Settings, payload: bytes) -> bytes:
    return hmac.new(settings.secret_key.reveal().encode(), b"cursor:" + payload, hashlib.sha256).digest()[
        :SIGNATURE_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _refused(why: str) -> Invalid:
    return Invalid("Invalid query parameters: cursor.", errors={"cursor": [why]})


def encode(settings: Settings, query: Any, key: tuple[Any, int]) -> str:
    """The cursor that continues after `key` in the list `query` (the sort and filter) names."""
    payload = orjson.dumps({"q": _digest(query), "k": list(key)})
    return f"{_b64(payload)}.{_b64(_sign(settings, payload))}"


def decode(settings: Settings, cursor: str, query: Any) -> tuple[Any, int]:
    """The place a cursor of this very list stands at (a 400 naming `cursor` otherwise)."""
    body, _, signature = cursor.partition(".")
    try:
        payload, mac = _unb64(body), _unb64(signature)
    except (binascii.Error, ValueError) as exc:
        raise _refused("Not a cursor of this API.") from exc
    if not hmac.compare_digest(mac, _sign(settings, payload)):
        raise _refused("Not a cursor of this API.")
    found = orjson.loads(payload)
    if found.get("q") != _digest(query):
        raise _refused("This cursor belongs to another sort or other filters: keep the parameters of the page "
                       "it came from.")
    value, film_id = found["k"]
    return value, int(film_id)
