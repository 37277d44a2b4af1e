"""The header lines of MovieVerse's JSON answers are the bytes Sanic itself would send."""

from __future__ import annotations

from sanic.response import HTTPResponse

from front.responses import ENCODED, EncodedResponse, raw_json


def test_encoded_header_lines_are_sanics_own_and_strip_what_could_split_a_header() -> None:
    headers = {"Vary": "Accept", "ETag": '"0123456789abcdef"', "X-Request-ID": "abc\r\nSet-Cookie: evil=1",
               "Ra\ntelimit-Limit": "120", "Location": "/api/jobs/é/"}
    for _ in range(2):  # encoded, then from what was kept
        ours, sanics = raw_json(b"{}", 200, dict(headers)), HTTPResponse(b"{}", 200, dict(headers),
                                                                         content_type=raw_json(b"").content_type)
        assert list(ours.processed_headers) == list(sanics.processed_headers)
    assert (b"X-Request-ID", b"abcSet-Cookie: evil=1") in list(raw_json(b"{}", 200, dict(headers)).processed_headers)
    assert list(EncodedResponse(status=304, headers={"ETag": '"x"'}).processed_headers) == [(b"ETag", b'"x"')]


def test_what_is_kept_is_bounded() -> None:
    for n in range(ENCODED.MOST + 10):
        list(raw_json(b"{}", 200, {"ETag": f'"{n}"'}).processed_headers)
    assert len(ENCODED.held) <= ENCODED.MOST
