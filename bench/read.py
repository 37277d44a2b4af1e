"""Read benchmark: a bare Sanic route vs MovieVerse's cached reads, measured in one run.

    .venv/bin/python bench/read.py [--seconds 10] [--connections 32] [--workers 1]

Needs seeded stores and running workers (`make up`; without a worker, a list page whose local copy expired is
read from MongoDB after LIST_WAIT_SECONDS) and wrk (`apt-get install wrk`). Starts a bare
Sanic app that returns a movie-sized JSON document and a MovieVerse web process with the same
worker count, warms the caches, then loads each URL with wrk on loopback and prints req/s,
p50/p99 and the ratio to the bare route; then the same cached URLs with If-None-Match naming the tag
their answer carries (a 304 without a body).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, free_port, wait_for

BARE_APP = '''
import orjson, sys
from sanic import Sanic
from sanic.response import HTTPResponse
app = Sanic("bare")
app.config.AUTO_EXTEND = False
BODY = orjson.dumps(orjson.loads(open(sys.argv[1], "rb").read()))
@app.get("/movie")
async def movie(request):
    return HTTPResponse(BODY, content_type="application/json; charset=utf-8")
if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[2]), workers=int(sys.argv[3]), access_log=False, motd=False)
'''


def wrk(url: str, seconds: int, connections: int, headers: tuple[str, ...] = ()) -> dict[str, float]:
    """req/s, p50 and p99 (ms) of a wrk run."""
    sent = [arg for header in headers for arg in ("-H", header)]
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *sent, url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def latency(pct: str) -> float:
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rate, "p50": latency("50"), "p99": latency("99"), "errors": int(errors.group(1)) if errors else 0}


def not_modified(url: str) -> str:
    """The entity tag of the URL's answer, once checked to bring a 304 back."""
    tag = urllib.request.urlopen(url).headers["ETag"]
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    connection.request("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path,
                       headers={"If-None-Match": tag})
    status = connection.getresponse().status
    connection.close()
    if status != 304:
        raise SystemExit(f"{url} answered {status} to its own entity tag, not 304")
    return str(tag)


def main() -> int:
    """Run both servers, load them in turn, print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--movie", type=int, default=52930)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="movieverse-bench-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), WEB_CONCURRENCY=str(args.workers), LOG_LEVEL="WARNING")
    mv_port, bare_port = free_port(), free_port()
    env.update(PORT=str(mv_port), PUBLIC_URL=f"http://127.0.0.1:{mv_port}",
               PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics"))
    procs = [subprocess.Popen([sys.executable, "-m", "front.server"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        detail = f"http://127.0.0.1:{mv_port}/api/movies/{args.movie}/"
        wait_for(detail)
        body = urllib.request.urlopen(detail).read()
        (tmp / "movie.json").write_bytes(body)
        (tmp / "bare.py").write_text(BARE_APP)
        procs.append(subprocess.Popen(
            [sys.executable, str(tmp / "bare.py"), str(tmp / "movie.json"), str(bare_port), str(args.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        bare = f"http://127.0.0.1:{bare_port}/movie"
        wait_for(bare)
        genre = f"http://127.0.0.1:{mv_port}/api/movies/?genre=3"
        targets: dict[str, tuple[str, tuple[str, ...]]] = {
            "bare Sanic route (same JSON)": (bare, ()),
            f"cached /api/movies/{args.movie}/": (detail, ()),
            f"304 /api/movies/{args.movie}/": (detail, (f"If-None-Match: {not_modified(detail)}",)),
            "cached /api/movies/?genre=3": (genre, ()),
            "304 /api/movies/?genre=3": (genre, (f"If-None-Match: {not_modified(genre)}",)),
        }
        for url, headers in targets.values():
            wrk(url, 2, args.connections, headers)
        results = {name: wrk(url, args.seconds, args.connections, headers) for name, (url, headers) in targets.items()}
        base = results["bare Sanic route (same JSON)"]["rps"]
        print(f"workers={args.workers} connections={args.connections} seconds={args.seconds} "
              f"body={len(body)} bytes")
        print(f"{'target':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>6}")
        for name, r in results.items():
            print(f"{name:<34} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>7} "
                  f"{r['rps'] / base:>6.2f}")
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
