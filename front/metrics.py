"""Prometheus metrics for the web processes (multiprocess-safe when PROMETHEUS_MULTIPROC_DIR is set)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter(
    "movieverse_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "movieverse_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
LIST_ANSWERS = Counter(
    "movieverse_list_answers_total", "Uncached list pages, by who answered them.", ["source"]
)
BATCHED_JOBS = Histogram(
    "movieverse_batched_jobs", "Jobs sent together in one message (front/workers/dispatch.py).",
    buckets=(1, 2, 4, 8, 16, 32),
)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class QueueDepths:
    """A collector yielding the depth of each broker queue, read at scrape time."""

    def __init__(self, depths: dict[str, int]) -> None:
        self.depths = depths

    def collect(self):  # type: ignore[no-untyped-def]
        """Yield one gauge family."""
        family = GaugeMetricFamily(
            "movieverse_queue_depth", "Messages waiting in a broker queue.", labels=["queue"]
        )
        for queue, depth in sorted(self.depths.items()):
            family.add_metric([queue], depth)
        yield family


def render(queue_depths: dict[str, int]) -> bytes:
    """The metrics of every web process, the cache counters and the queue depths, as text."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    extra.register(QueueDepths(queue_depths))  # type: ignore[arg-type]
    return text + generate_latest(extra)
