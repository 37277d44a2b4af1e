"""`dev.services ensure` on a data folder of the test's own: a service it started that is still shutting
down (it accepts connections but no longer answers) is waited for, then started again and counted up only
once it answers a real request."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, child_env
from tests.faults.servers import wait_for_port
from tests.faults.stack import spare_port

# A MongoDB stand-in on its way out: it accepts connections and never answers, and goes a few seconds after
# the first connection that is not the test's own (one from `ensure`).
GOING = """
import socket, sys, time
server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
server.settimeout(0.1)
held, ends = [], time.monotonic() + 120
while time.monotonic() < ends:
    try:
        held.append(server.accept()[0])
    except TimeoutError:
        continue
    if len(held) == 2:
        ends = time.monotonic() + float(sys.argv[2])
"""


def start_time(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])


def test_a_service_still_shutting_down_is_waited_for_then_started_again_and_up_once_it_answers(
    tmp_path: Path,
) -> None:
    data, mongo_port = tmp_path / "data", spare_port()
    env = {**child_env(), "MOVIEVERSE_DATA": str(data), "MONGO_URL": f"mongodb://127.0.0.1:{mongo_port}/movieverse_going",
           "FIREBASE_DATABASE_URL": f"http://127.0.0.1:{spare_port()}?ns=movieverse-going"}
    going = subprocess.Popen([sys.executable, "-c", GOING, str(mongo_port), "3"], start_new_session=True)
    try:
        wait_for_port(mongo_port)
        (data / "run").mkdir(parents=True)
        (data / "run" / "started.json").write_text(json.dumps(
            [{"name": "mongo", "pid": going.pid, "started": start_time(going.pid)}]))
        ensure = subprocess.run([sys.executable, "-m", "dev.services", "ensure", "--env", "test"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=180)
        lines = [line for line in ensure.stdout.splitlines() if line.startswith("mongo ")]
        assert ensure.returncode == 0, ensure.stdout + ensure.stderr
        assert going.poll() is not None, "ensure waited for the stand-in on its way out"
        assert len(lines) == 1 and "started the MongoDB stand-in" in lines[0], lines
    finally:
        going.kill()
        going.wait()
        subprocess.run([sys.executable, "-m", "dev.services", "stop"], cwd=ROOT, env=env, capture_output=True,
                       timeout=120)

