"""Queue types: new queues are quorum queues; a vhost whose queues are classic keeps working and says how to move
them; `python -m actors.queues migrate` moves them, with every message, and refuses while workers consume."""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import quote, urlsplit, urlunsplit

import pika
import pytest
from dramatiq import Message
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from actors.broker import DEFAULT, QUEUES, TypedQueueBroker, amqp_urls
from config import SecretURL, Settings
from tests.conftest import ROOT, child_env

EVERY_QUEUE = [name for queue in QUEUES for name in (queue, f"{queue}.DQ", f"{queue}.XQ")]


@pytest.fixture
def vhost(settings: Settings) -> Iterator[Settings]:
    """The settings on a RabbitMQ vhost of the test's own, deleted after."""
    name = f"movieverse_queues_{uuid.uuid4().hex[:10]}"
    user = urlsplit(settings.rabbitmq_url.reveal()).username or "guest"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", name, user, ".*", ".*", ".*"], check=True,
                   capture_output=True)
    parts = urlsplit(settings.rabbitmq_url.reveal())
    yield replace(settings, rabbitmq_url=SecretURL(urlunsplit(parts._replace(path="/" + quote(name)))))
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=True, capture_output=True)


def listed(settings: Settings) -> dict[str, tuple[str, int]]:
    """Every queue of the settings' vhost: its type and messages, as RabbitMQ lists them."""
    vhost = urlsplit(settings.rabbitmq_url.reveal()).path.lstrip("/")
    out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "--no-table-headers", "name", "type",
                          "messages"], check=True, capture_output=True, text=True).stdout
    rows = (line.split("\t") for line in out.splitlines() if line.strip())
    return {name: (kind, int(messages)) for name, kind, messages in rows}


def classic_queues_with_messages(settings: Settings) -> dict[str, list[str]]:
    """Every queue declared as Dramatiq alone declares it (classic), with messages in the default queue, its delay
    queue and its dead letters; the message ids per queue."""
    plain = RabbitmqBroker(url=amqp_urls(settings), confirm_delivery=True)
    try:
        for queue in QUEUES:
            plain.declare_queue(queue, ensure=True)
        sent: dict[str, list[str]] = {f"{DEFAULT}": [], f"{DEFAULT}.DQ": [], f"{DEFAULT}.XQ": []}
        for number in range(5):
            sent[DEFAULT].append(plain.enqueue(Message(DEFAULT, "noop", (number,), {}, {})).message_id)
        sent[f"{DEFAULT}.DQ"].append(plain.enqueue(Message(DEFAULT, "noop", (9,), {}, {}), delay=3_600_000).message_id)
        dead = Message(DEFAULT, "noop", (10,), {}, {})
        plain.channel.basic_publish("", f"{DEFAULT}.XQ", dead.encode(), pika.BasicProperties(delivery_mode=2))
        sent[f"{DEFAULT}.XQ"].append(dead.message_id)
        return sent
    finally:
        plain.close()


def held(settings: Settings, name: str) -> list[str]:
    """The ids of the messages in a queue, in order (read and put back)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_urls(settings)[0]))
    try:
        channel = connection.channel()
        ids = []
        while True:
            method, _, body = channel.basic_get(name, auto_ack=False)
            if method is None:
                break
            ids.append(Message.decode(body).message_id)
        channel.close()  # unacked: back in the queue
        return ids
    finally:
        connection.close()


def migrate(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = child_env(RABBITMQ_URL=settings.rabbitmq_url.reveal(), RABBITMQ_QUEUE_TYPE=settings.rabbitmq_queue_type)
    return subprocess.run([sys.executable, "-m", "actors.queues", "migrate"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_new_queues_and_their_delay_and_dead_letter_queues_are_quorum_queues(vhost: Settings) -> None:
    broker = TypedQueueBroker(url=amqp_urls(vhost), queue_type="quorum")
    try:
        for queue in QUEUES:
            broker.declare_queue(queue, ensure=True)
    finally:
        broker.close()
    assert {name: kind for name, (kind, _) in listed(vhost).items()} == dict.fromkeys(EVERY_QUEUE, "quorum")


def test_a_setting_keeps_new_queues_classic(vhost: Settings) -> None:
    broker = TypedQueueBroker(url=amqp_urls(vhost), queue_type="classic")
    try:
        broker.declare_queue(DEFAULT, ensure=True)
    finally:
        broker.close()
    assert {kind for kind, _ in listed(vhost).values()} == {"classic"}


def test_classic_queues_keep_working_and_the_log_says_how_to_move_them(
    vhost: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    classic_queues_with_messages(vhost)
    broker = TypedQueueBroker(url=amqp_urls(vhost), queue_type="quorum", confirm_delivery=True)
    try:
        with caplog.at_level(logging.WARNING, logger="actors.broker"):
            sent = broker.enqueue(Message(DEFAULT, "noop", (1,), {}, {}))
    finally:
        broker.close()
    assert sent.message_id in held(vhost, DEFAULT)
    assert broker.found_types == dict.fromkeys([DEFAULT, f"{DEFAULT}.DQ", f"{DEFAULT}.XQ"], "classic")
    warned = [r.getMessage() for r in caplog.records]
    assert any("default already exists as a classic queue" in m and "python -m actors.queues migrate" in m
               for m in warned), warned


def test_migrate_moves_every_queue_to_quorum_with_every_message_in_order(vhost: Settings) -> None:
    sent = classic_queues_with_messages(vhost)
    before = listed(vhost)
    assert {kind for kind, _ in before.values()} == {"classic"}

    done = migrate(vhost)
    assert done.returncode == 0, done.stderr
    assert "default: classic -> quorum, 5 message(s) moved" in done.stdout

    after = listed(vhost)
    assert {name: kind for name, (kind, _) in after.items()} == dict.fromkeys(EVERY_QUEUE, "quorum")
    for name in EVERY_QUEUE:  # (RabbitMQ's listed counts of a quorum queue lag behind)
        assert held(vhost, name) == sent.get(name, [])

    again = migrate(vhost)
    assert again.returncode == 0 and "default: quorum\n" in again.stdout, again.stdout + again.stderr
    assert listed(vhost).keys() == after.keys()
    assert held(vhost, DEFAULT) == sent[DEFAULT]


def test_migrate_refuses_a_queue_that_workers_consume_and_changes_nothing(vhost: Settings) -> None:
    sent = classic_queues_with_messages(vhost)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_urls(vhost)[0]))
    try:
        channel = connection.channel()
        channel.basic_qos(prefetch_count=0)
        channel.basic_consume("interactive", lambda *_: None)  # a worker, on a queue with nothing in it
        done = migrate(vhost)
    finally:
        connection.close()
    assert done.returncode == 1
    assert "interactive has 1 consumer(s): stop the workers first" in done.stderr
    assert listed(vhost)["interactive"][0] == "classic"
    assert held(vhost, DEFAULT) == sent[DEFAULT]  # moved before it got there, and nothing lost


def test_migrate_finishes_what_an_interrupted_run_left_in_the_holding_queue(vhost: Settings) -> None:
    sent = classic_queues_with_messages(vhost)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_urls(vhost)[0]))
    try:  # a run stopped after it moved two messages out and deleted the queue
        channel = connection.channel()
        channel.queue_declare(f"{DEFAULT}.migrating", durable=True, arguments={"x-queue-type": "quorum"})
        for _ in range(2):
            method, properties, body = channel.basic_get(DEFAULT, auto_ack=False)
            channel.basic_publish("", f"{DEFAULT}.migrating", body, properties)
            channel.basic_ack(method.delivery_tag)
        rest = [channel.basic_get(DEFAULT, auto_ack=True)[2] for _ in range(3)]
        channel.queue_delete(DEFAULT)
        channel.queue_declare(DEFAULT, durable=True, arguments={
            "x-queue-type": "quorum", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": f"{DEFAULT}.XQ"})
        for body in rest:
            channel.basic_publish("", f"{DEFAULT}.migrating", body, pika.BasicProperties(delivery_mode=2))
    finally:
        connection.close()

    done = migrate(vhost)
    assert done.returncode == 0, done.stderr
    assert "default: quorum (messages brought back from default.migrating: 5)" in done.stdout
    assert held(vhost, DEFAULT) == sent[DEFAULT]
    assert f"{DEFAULT}.migrating" not in listed(vhost)
