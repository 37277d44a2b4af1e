"""Run the web process: `python -m front.server` (WEB_CONCURRENCY workers on HOST:PORT)."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile

from sanic import Sanic
from sanic.worker.loader import AppLoader

from config import get_settings


def _prometheus_dir() -> None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.path.join(
        tempfile.gettempdir(), f"movieverse-metrics-{os.getpid()}"
    )
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path


def main() -> int:
    """Start Sanic with the configured worker count."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    _prometheus_dir()
    from front.app import create_app

    loader = AppLoader(factory=create_app)
    app = loader.load()
    app.prepare(
        host=settings.host,
        port=settings.port,
        workers=max(1, settings.web_concurrency),
        access_log=False,
        motd=False,
    )
    Sanic.serve(primary=app, app_loader=loader)
    return 0


if __name__ == "__main__":
    sys.exit(main())
