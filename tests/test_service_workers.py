"""Several worker processes: writes and scan jobs work whichever worker takes them, and every worker sees them.

To know which worker answers, the test stops the other one (SIGSTOP): a stopped process accepts no
connection, so each request of a phase is taken by the worker left running.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from servers import ORIGINAL, OTHER, SPUN, serve
from unspun.service.jobs import JobStore

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs POSIX signals")


@contextmanager
def only(server, pid: int):
    """Requests made inside go to worker ``pid``: the others are stopped meanwhile."""
    others = [p for p in server.worker_pids() if p != pid]
    for p in others:
        os.kill(p, signal.SIGSTOP)
    try:
        with httpx.Client(base_url=server.url, timeout=120, limits=httpx.Limits(max_keepalive_connections=0)) as c:
            yield c
    finally:
        for p in others:
            os.kill(p, signal.SIGCONT)


def test_a_write_and_a_scan_on_one_worker_are_seen_by_the_other(tmp_path):
    with serve(tmp_path / "i.db", "--workers", "2") as server:
        first, second = sorted(server.worker_pids())
        with only(server, first) as c:
            r = c.post("/documents", json={"documents": [{"id": "orig", "text": ORIGINAL}, {"id": "spun", "text": SPUN},
                                                         {"id": "other", "text": OTHER}]})
            assert r.status_code == 201, r.text
            job = c.post("/scans", json={"judge": False}).json()["id"]
            deadline = time.time() + 120
            while c.get(f"/scans/{job}").json()["status"] != "done" and time.time() < deadline:
                time.sleep(0.2)
        with only(server, second) as c:
            st = c.get(f"/scans/{job}").json()
            assert st["status"] == "done", st
            assert sorted(st["result"]["clusters"][0]["documents"]) == ["orig", "spun"]
            assert c.get(f"/scans/{job}/pairs/1").json()["passages"]
            page = c.get(f"/scans/{job}", headers={"Accept": "text/html"})
            assert page.status_code == 200 and f"/scans/{job}/pairs/1" in page.text
            matches = c.post("/check", json={"text": SPUN, "k": 3}).json()["matches"]
            assert {"orig", "spun"} <= {m["a"]["id"] for m in matches}  # the other worker's write is visible here
            assert c.delete("/documents/spun").status_code == 200
        with only(server, first) as c:
            assert c.get("/documents/spun").status_code == 404
            assert c.get("/documents/orig").json()["text"] == ORIGINAL


def test_concurrent_writes_through_both_workers_all_land(tmp_path):
    """Writes go one at a time through the shared lock: the same new documents sent on many connections at
    once (both workers take some) never fail ('UNIQUE constraint failed' without the lock), and the index
    ends with exactly the documents sent."""
    texts = {f"doc-{i}": f"Story number {i}. " + ORIGINAL[i * 50 : i * 50 + 2000] for i in range(30)}
    rounds = [[{"id": k, "text": texts[k]} for k in list(texts)[i : i + 5]] for i in range(0, 30, 5)]
    with serve(tmp_path / "i.db", "--workers", "2") as server:
        def post(batch):
            with httpx.Client(base_url=server.url, timeout=120) as c:
                return c.post("/documents", json={"documents": batch})

        answers = []
        with ThreadPoolExecutor(8) as ex:
            for batch in rounds:
                answers += list(ex.map(post, [batch] * 8))
        assert [r.status_code for r in answers] == [201] * len(answers), [r.text for r in answers if r.status_code != 201]
        assert sum(r.json()["added"] for r in answers) == len(texts)
        assert " 500 " not in server.log and "Traceback" not in server.log
    db = sqlite3.connect(tmp_path / "i.db")
    ids = {r[0] for r in db.execute("SELECT id FROM documents")}
    assert ids == set(texts)


def test_a_job_whose_worker_died_reads_as_failed(tmp_path):
    store = JobStore(tmp_path)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    job = store.create({"min_coverage": 0.0, "judge": False})
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE jobs SET status='running', pid=? WHERE id=?", (gone.pid, job.id))
    got = JobStore(tmp_path).get(job.id)  # another worker's view
    assert got.status == "failed" and "worker process" in got.error


def test_jobs_beyond_the_limit_forget_the_oldest_finished(tmp_path):
    from unspun.service.jobs import MAX_JOBS

    store = JobStore(tmp_path)
    first = store.create({"min_coverage": 0.0, "judge": False})
    first.status = "done"
    store.save(first, result=True)
    for _ in range(MAX_JOBS - 1):
        store.create({"min_coverage": 0.0, "judge": False})
    assert len(store.ids()) == MAX_JOBS
    assert store.create({"min_coverage": 0.0, "judge": False}) is not None  # the finished one makes room
    assert first.id not in store.ids()
    assert store.create({"min_coverage": 0.0, "judge": False}) is None  # MAX_JOBS live ones: no room


def test_the_runtime_folder_is_private_and_removed_at_exit(tmp_path):
    with serve(tmp_path / "i.db", "--workers", "2", env={"UNSPUN_TOKEN": "tok"}) as server:
        import psutil

        env = psutil.Process(next(iter(server.worker_pids()))).environ()
        runtime = Path(env["UNSPUN_SERVE_RUNTIME"])
        assert (runtime.stat().st_mode & 0o777) == 0o700
        assert (runtime / "config.json").stat().st_mode & 0o777 == 0o600
    assert not runtime.exists()
