"""The MongoDB client the product builds carries MONGO_WRITE_CONCERN to every write.

Our MongoDB here is the single-process stand-in, not a replica set: these tests show what the client
asks for, and that the server is asked, not that a majority of a real set acknowledged anything.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from pymongo.errors import OperationFailure
from pymongo.write_concern import WriteConcern

from config import ConfigError, SecretURL, Settings, load
from stores import mongo


@pytest.mark.parametrize(("raw", "expected"), [("majority", "majority"), (" Majority ", "majority"), ("1", 1)])
async def test_the_client_and_database_write_with_the_configured_concern(
        monkeypatch: pytest.MonkeyPatch, raw: str, expected: str | int) -> None:
    monkeypatch.setenv("MONGO_WRITE_CONCERN", raw)
    db = await mongo.connect(load())
    try:
        assert db.client.write_concern == WriteConcern(w=expected)
        assert db.write_concern == WriteConcern(w=expected)
        assert db.movies.write_concern == WriteConcern(w=expected)
        assert db.settings.write_concern == WriteConcern(w=expected)
    finally:
        await mongo.close(db)


def test_the_write_concern_defaults_to_majority(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONGO_WRITE_CONCERN", raising=False)
    assert load().mongo_write_concern == "majority"


@pytest.mark.parametrize("bad", ["0", "-1", "most", "2.5", "²"])
def test_a_nonsense_write_concern_is_refused(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("MONGO_WRITE_CONCERN", bad)
    with pytest.raises(ConfigError, match="MONGO_WRITE_CONCERN"):
        load()


async def test_the_setting_wins_over_a_w_in_the_url(settings: Settings) -> None:
    url = settings.mongo_url.reveal()
    with_w = SecretURL(url + ("&" if "?" in url else "?") + "w=1")
    db = await mongo.connect(replace(settings, mongo_url=with_w, mongo_write_concern="majority"))
    try:
        assert db.write_concern == WriteConcern(w="majority")
    finally:
        await mongo.close(db)


async def test_a_one_node_server_takes_majority_writes_and_refuses_two_nodes(settings: Settings) -> None:
    marker = uuid.uuid4().hex
    majority = await mongo.connect(replace(settings, mongo_write_concern="majority"))
    two = await mongo.connect(replace(settings, mongo_write_concern=2))
    try:
        await majority.settings.replace_one({"_id": marker}, {"_id": marker, "value": 1}, upsert=True)
        assert await majority.settings.find_one({"_id": marker}) == {"_id": marker, "value": 1}
        with pytest.raises(OperationFailure):
            await two.settings.replace_one({"_id": marker}, {"_id": marker, "value": 2}, upsert=True)
    finally:
        await majority.settings.delete_one({"_id": marker})
        await mongo.close(majority)
        await mongo.close(two)
