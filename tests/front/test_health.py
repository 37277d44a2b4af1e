"""Liveness, readiness of the six dependencies, and Prometheus metrics."""

from __future__ import annotations

import contextlib
from pathlib import Path

import httpx

from tests.conftest import free_port, start_server

DEPENDENCIES = {"postgres", "mysql", "mongo", "redis", "rabbitmq", "firebase"}


def test_healthz_says_the_process_is_alive(http: httpx.Client) -> None:
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_all_six_dependencies_ok_with_latencies(http: httpx.Client) -> None:
    response = http.get("/readyz")
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert set(checks) == DEPENDENCIES
    for name, check in checks.items():
        assert check["ok"] is True, name
        assert check["latency_ms"] >= 0


def test_readyz_answers_503_naming_a_dependency_that_is_down(logs: Path, worker: object) -> None:
    dead = free_port()
    proc, base = start_server(logs, REDIS_URL=f"redis://127.0.0.1:{dead}/1",
                              RABBITMQ_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/movieverse_test")
    try:
        response = httpx.get(base + "/readyz", timeout=30)
    finally:
        proc.stop()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    body = response.json()
    assert sorted(body["down"]) == ["rabbitmq", "redis"]
    assert body["checks"]["postgres"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False


def test_metrics_are_prometheus_text_with_requests_latencies_and_queue_depths(
    http: httpx.Client,
) -> None:
    http.get("/healthz")
    response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'movieverse_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert "movieverse_http_request_duration_seconds_bucket" in text
    assert 'movieverse_queue_depth{queue="interactive"}' in text
    assert 'movieverse_queue_depth{queue="bulk.XQ"}' in text


def test_the_recorder_hands_counts_and_latencies_to_prometheus() -> None:
    import uuid

    from prometheus_client import REGISTRY

    from front.endpoint import Recorder

    def requests(status: str) -> float | None:
        return REGISTRY.get_sample_value("movieverse_http_requests_total",
                                         {"method": "GET", "route": route, "status": status})

    recorder, route = Recorder(), f"recorder_{uuid.uuid4().hex[:8]}"
    for seconds in (0.0005, 0.003, 0.003):
        recorder.record("GET", route, 200, seconds)
    recorder.record("GET", route, 404, 0.2)
    assert not requests("200")
    recorder.flush()
    assert (requests("200"), requests("404")) == (3, 1)
    bounds = ("0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25")
    assert [REGISTRY.get_sample_value("movieverse_http_request_duration_seconds_bucket", {"route": route, "le": le})
            for le in bounds] == [1, 1, 3, 3, 3, 3, 3, 4]
    duration = REGISTRY.get_sample_value("movieverse_http_request_duration_seconds_sum", {"route": route})
    assert duration is not None and abs(duration - 0.2065) < 1e-9
    assert recorder.pending == []


class Proxy:
    """A TCP proxy in front of a real server that holds each answer back."""

    def __init__(self, port: int, delay: float = 0.0) -> None:
        import socket
        import threading

        self.target, self.delay, self.open = port, delay, []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            self.open += [client, server]
            threading.Thread(target=self._pump, args=(client, server, 0.0), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, self.delay), daemon=True).start()

    def _pump(self, source: object, sink: object, delay: float) -> None:
        import time

        try:
            while data := source.recv(65536):  # type: ignore[attr-defined]
                time.sleep(delay)
                sink.sendall(data)  # type: ignore[attr-defined]
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                sock.close()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.listener.close()
        for sock in self.open:
            with contextlib.suppress(OSError):
                sock.close()


def _url_via(url: str, port: int) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.port}", f":{port}")))


def test_readyz_flags_a_store_that_answers_late_as_slow_and_still_ready(logs: Path, worker: object) -> None:
    import os
    from urllib.parse import urlsplit

    proxy = Proxy(urlsplit(os.environ["MYSQL_URL"]).port or 3306, delay=0.6)
    proc, base = start_server(logs, MYSQL_URL=_url_via(os.environ["MYSQL_URL"], proxy.port))
    try:
        httpx.get(base + "/readyz", timeout=30)
        response = httpx.get(base + "/readyz", timeout=30)
    finally:
        proc.stop()
        proxy.close()
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert checks["mysql"]["ok"] is True and checks["mysql"]["slow"] is True
    assert checks["mysql"]["latency_ms"] > 500
    assert "slow" not in checks["redis"]


class Flaky:
    """A dependency's check that fails the first `failures` times it is called, with the given error."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    async def __call__(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error


async def test_a_check_whose_pooled_connection_closed_under_it_is_tried_once_more_before_it_counts() -> None:
    from front.routes.health import _check

    closed = ConnectionResetError("connection is already closed")
    once, twice, late = Flaky(1, closed), Flaky(2, closed), Flaky(1, TimeoutError())
    assert (await _check(once))["ok"] is True and once.calls == 2
    failed = await _check(twice)
    assert failed["ok"] is False and twice.calls == 2
    assert failed["error"] == "ConnectionResetError: connection is already closed"
    assert (await _check(late))["ok"] is False and late.calls == 1, "a check that timed out is not tried again"
