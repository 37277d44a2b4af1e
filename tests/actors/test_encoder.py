"""Messages are Dramatiq's JSON, written by orjson: what Dramatiq's own encoder reads, and the other way round."""

from __future__ import annotations

import dramatiq
import pytest
from dramatiq.encoder import DecodeError, JSONEncoder

from actors.broker import OrjsonEncoder
from actors.discover import discover_movies


def test_messages_read_the_same_by_both_encoders_and_garbage_is_a_decode_error() -> None:
    assert isinstance(dramatiq.get_encoder(), OrjsonEncoder)
    message = discover_movies.message("job", "key", {"f": {"genre_sets": [[3, 5]], "words": ["héllo"]},
                                                     "sort": "-votes", "skip": 0, "limit": 20, "ttl": 12.5, "v": 7})
    ours, theirs = OrjsonEncoder(), JSONEncoder()
    data = {**message.asdict(), "args": list(message.args)}  # JSON has arrays, not tuples
    assert theirs.decode(ours.encode(data)) == data
    assert ours.decode(theirs.encode(data)) == data
    assert dramatiq.Message.decode(message.encode()) == message
    with pytest.raises(DecodeError):
        ours.decode(b"{not json")
