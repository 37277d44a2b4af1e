"""Read benchmark: a bare Sanic route vs MovieVerse's cached reads, measured in one run.

    .venv/bin/python bench/read.py [--seconds 10] [--rounds 1] [--connections 32] [--workers 1] [--against DIR]

Needs seeded stores and running workers (`make up`; without a worker, a list page whose local copy expired is
read from MongoDB after LIST_WAIT_SECONDS) and wrk (`apt-get install wrk`). Starts a bare
Sanic app that returns a movie-sized JSON document and a MovieVerse web process with the same
worker count, warms the caches, then loads each URL with wrk on loopback and prints req/s,
p50/p99 and the ratio to the bare route; then the same cached URLs with If-None-Match naming the tag
their answer carries (a 304 without a body). With `--against DIR` (a checkout of other code, e.g. made with
`git worktree add DIR <commit>`) that code's cached reads are loaded in the same rounds, against the same
stores, so a change is measured against its baseline in one run. `--rounds N` loads every target once per
round and prints medians. Each row also says how much CPU the answering server's processes spent per answer
(from /proc), which a busy machine disturbs far less than the rates.
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

from bench.common import ROOT, cpu_seconds, free_port, wait_for

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


BARE = "bare Sanic route (same JSON)"


def group_cpu(group: int) -> float:
    """CPU seconds (user and system) used so far by the live processes of a process group."""
    return cpu_seconds(lambda _, fields: int(fields[2]) == group)  # pgrp


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


def start_movieverse(root: Path, env: dict[str, str], tmp: Path, name: str) -> tuple[subprocess.Popen[bytes], int]:
    """A MovieVerse web process of the code in `root`, on a free port."""
    port = free_port()
    own = dict(env, PYTHONPATH=str(root), PORT=str(port), PUBLIC_URL=f"http://127.0.0.1:{port}",
               PROMETHEUS_MULTIPROC_DIR=str(tmp / f"metrics-{name}"))
    return subprocess.Popen([sys.executable, "-m", "front.server"], cwd=root, env=own, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True), port


def median(values: list[float]) -> float:
    """The middle value (the upper one of an even count)."""
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main() -> int:
    """Run the servers, load them in turn, round after round, print the table of medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10, help="load per target per round")
    parser.add_argument("--rounds", type=int, default=1, help="rounds over every target; medians are printed")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--movie", type=int, default=52930)
    parser.add_argument("--against", type=Path, help="a checkout of other code (say, before a change) whose "
                                                      "cached reads are measured in the same rounds")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="movieverse-bench-"))
    env = dict(os.environ, WEB_CONCURRENCY=str(args.workers), LOG_LEVEL="WARNING")
    bare_port = free_port()
    proc, mv_port = start_movieverse(ROOT, env, tmp, "now")
    procs = [proc]
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
        now, bare_group = procs[0].pid, procs[1].pid
        targets: dict[str, tuple[str, tuple[str, ...], int]] = {
            BARE: (bare, (), bare_group),
            f"cached /api/movies/{args.movie}/": (detail, (), now),
            f"304 /api/movies/{args.movie}/": (detail, (f"If-None-Match: {not_modified(detail)}",), now),
            "cached /api/movies/?genre=3": (genre, (), now),
            "304 /api/movies/?genre=3": (genre, (f"If-None-Match: {not_modified(genre)}",), now),
        }
        if args.against:
            proc, old_port = start_movieverse(args.against.resolve(), env, tmp, "against")
            procs.append(proc)
            old = f"http://127.0.0.1:{old_port}/api/movies/"
            wait_for(f"{old}{args.movie}/")
            targets[f"against: cached /api/movies/{args.movie}/"] = (f"{old}{args.movie}/", (), proc.pid)
            targets["against: cached /api/movies/?genre=3"] = (f"{old}?genre=3", (), proc.pid)
        for url, headers, _ in targets.values():
            wrk(url, 2, args.connections, headers)
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(args.rounds):  # each round loads every target once: a busy spell hits all of them
            for name, (url, headers, group) in targets.items():
                before = group_cpu(group)
                run = wrk(url, args.seconds, args.connections, headers)
                run["cpu_us"] = (group_cpu(group) - before) / max(run["rps"] * args.seconds, 1) * 1e6
                rounds[name].append(run)
        print(f"workers={args.workers} connections={args.connections} seconds={args.seconds} rounds={args.rounds} "
              f"body={len(body)} bytes (medians; ratio: the median of each round's ratio to that round's bare; "
              f"cpu: the server's CPU per answer)")
        print(f"{'target':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>6} {'cpu µs':>7}")
        for name, runs in rounds.items():
            ratio = median([r["rps"] / b["rps"] for r, b in zip(runs, rounds[BARE], strict=True)])
            print(f"{name:<44} {median([r['rps'] for r in runs]):>9.0f} {median([r['p50'] for r in runs]):>8.2f} "
                  f"{median([r['p99'] for r in runs]):>8.2f} {sum(int(r['errors']) for r in runs):>7} {ratio:>6.2f} "
                  f"{median([r['cpu_us'] for r in runs]):>7.1f}")
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
