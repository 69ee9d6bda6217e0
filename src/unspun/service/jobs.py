"""Scan jobs, visible from every worker process: kept in a small SQLite file in the service's runtime folder.

``POST /scans`` records a job and starts it in a thread of the worker that
took the request; the thread writes its progress (at most twice a second) and
its result to the store, so ``GET /scans/{id}`` answers the same from any
worker.  Scans run one after another across all workers (a lock file).  A job
whose worker process has gone (killed, restarted) reads as failed, with the
reason.  Finished jobs beyond :data:`MAX_JOBS` are forgotten, oldest first.
"""
from __future__ import annotations

import json
import os
import pickle
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import UnspunError
from ..progress import Progress
from ..types import Cluster
from .locks import FileLock

#: Jobs kept (queued, running or finished); past it the oldest finished ones are forgotten first.
MAX_JOBS = 16
_PROGRESS_EVERY = 0.5  # seconds between progress writes

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, status TEXT NOT NULL, params TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, unit TEXT NOT NULL DEFAULT 'pairs',
    message TEXT NOT NULL DEFAULT '', created REAL NOT NULL, finished REAL, error TEXT, pid INTEGER NOT NULL,
    result BLOB
)
"""


@dataclass
class ScanJob:
    id: str
    params: dict[str, Any]
    status: Literal["queued", "running", "done", "failed"] = "queued"
    done: int = 0
    total: int = 0
    unit: str = "pairs"
    message: str = ""
    created: float = field(default_factory=time.time)
    finished: float | None = None
    error: str | None = None
    clusters: list[Cluster] | None = None

    def to_dict(self, with_result: bool = True) -> dict[str, Any]:
        from ..report import scan_json

        d: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "progress": {"done": self.done, "total": self.total, "unit": self.unit, "message": self.message},
            "params": self.params,
        }
        if self.error:
            d["error"] = self.error
        if with_result and self.status == "done" and self.clusters is not None:
            d["result"] = scan_json(self.clusters)
        return d


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - another user's process of that number
        return True
    return True


class JobStore:
    """The jobs of one service (all its workers), in ``<runtime>/jobs.sqlite``."""

    def __init__(self, runtime: Path):
        self.path = runtime / "jobs.sqlite"
        self.scan_lock = FileLock(runtime / "scan.lock")  # one scan at a time, across workers
        self._results: OrderedDict[str, list[Cluster]] = OrderedDict()  # unpickled results, in this worker
        self._results_lock = threading.Lock()
        with self._db() as db:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute(_SCHEMA)

    def _db(self) -> Any:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 30000")
        return closing(db)

    def create(self, params: dict[str, Any]) -> ScanJob:
        """Record a new queued job, forgetting old finished ones; None when MAX_JOBS are queued or running."""
        job = ScanJob(id=uuid.uuid4().hex[:16], params=params)
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                rows = db.execute("SELECT id, status, pid FROM jobs ORDER BY seq").fetchall()
                live = [r for r in rows if r[1] in ("queued", "running") and _alive(r[2])]
                finished = [r[0] for r in rows if r not in live]
                drop = finished[: max(0, len(rows) - MAX_JOBS + 1)]
                if len(live) >= MAX_JOBS:
                    db.execute("ROLLBACK")
                    return None  # type: ignore[return-value]
                db.executemany("DELETE FROM jobs WHERE id = ?", [(i,) for i in drop])
                seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs").fetchone()[0]
                db.execute("INSERT INTO jobs(id, seq, status, params, created, pid) VALUES (?, ?, ?, ?, ?, ?)",
                           (job.id, seq, job.status, json.dumps(params), job.created, os.getpid()))
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        return job

    def save(self, job: ScanJob, *, result: bool = False) -> None:
        blob = pickle.dumps(job.clusters, protocol=pickle.HIGHEST_PROTOCOL) if result and job.clusters is not None else None
        with self._db() as db:
            db.execute(
                "UPDATE jobs SET status=?, done=?, total=?, unit=?, message=?, finished=?, error=?"
                + (", result=?" if result else "") + " WHERE id=?",
                (job.status, job.done, job.total, job.unit, job.message, job.finished, job.error)
                + ((blob,) if result else ()) + (job.id,),
            )

    def get(self, job_id: str, *, with_result: bool = True) -> ScanJob | None:
        with self._db() as db:
            row = db.execute("SELECT id, params, status, done, total, unit, message, created, finished, error, pid"
                             " FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            return None
        job = ScanJob(id=row[0], params=json.loads(row[1]), status=row[2], done=row[3], total=row[4], unit=row[5],
                      message=row[6], created=row[7], finished=row[8], error=row[9])
        if job.status in ("queued", "running") and not _alive(row[10]):
            job.status, job.error = "failed", "the worker process running this scan stopped; start the scan again"
        if with_result and job.status == "done":
            job.clusters = self._result(job.id)
        return job

    def _result(self, job_id: str) -> list[Cluster] | None:
        with self._results_lock:
            if job_id in self._results:
                self._results.move_to_end(job_id)
                return self._results[job_id]
        with self._db() as db:
            row = db.execute("SELECT result FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        clusters = pickle.loads(row[0])  # written by this service's own workers, in its private folder
        with self._results_lock:
            self._results[job_id] = clusters
            while len(self._results) > 2:
                self._results.popitem(last=False)
        return clusters

    def ids(self) -> list[str]:
        with self._db() as db:
            return [r[0] for r in db.execute("SELECT id FROM jobs ORDER BY seq")]


def _take_progress(job: ScanJob, p: Progress) -> None:
    """Put a scan's progress on the job: the candidate pairs are counted first, then aligned."""
    job.message = str(p)[:500]
    job.done, job.total = (p.done if p.stage == "align" else 0), p.total or 0


def run_scan(db_path: Path, store: JobStore, job: ScanJob, redact: Any) -> None:
    """Run one scan job to its end (in its own thread), writing progress and the result to ``store``."""
    from ..index import Index
    from ..report import sort_clusters

    with store.scan_lock:
        job.status = "running"
        store.save(job)
        last = [0.0]
        try:
            def progress(p: Progress) -> None:
                _take_progress(job, p)
                if time.monotonic() - last[0] >= _PROGRESS_EVERY:
                    last[0] = time.monotonic()
                    store.save(job)

            with Index(db_path) as index:  # its own connection: requests go on meanwhile
                clusters = list(index.scan(job.params["min_coverage"], judge=job.params["judge"], progress=progress))
            job.clusters = sort_clusters(clusters)
            job.done = job.total
            job.status = "done"
        except UnspunError as err:
            job.error = redact(str(err))
            job.status = "failed"
        except Exception as err:  # noqa: BLE001 - a job reports its failure instead of dying silently
            job.error = redact(f"the scan failed: {type(err).__name__}: {str(err)[:300]}")
            job.status = "failed"
        finally:
            job.finished = time.time()
            store.save(job, result=True)
