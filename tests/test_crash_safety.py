"""Crash safety: ``unspun index add`` is killed with SIGKILL at seeded random moments.

After every kill the index must open, pass ``PRAGMA integrity_check``, hold
exactly the batches that were committed (documents, signatures, LSH bands and
vectors agreeing row for row, nothing half-written), and the vector cache that
``check`` loads must hold exactly the vectors of SQLite.  Rerunning the same
``add`` must then finish with exactly the expected documents.  Meanwhile a
reader in another thread runs ``check`` and snapshot counts against the index
being written: every answer must be consistent (WAL snapshots).

CI runs ``CRASH_TRIALS`` (default 5) trials on a corpus of ``CRASH_DOCS``
(default 8,000) small documents; the slow test runs 20 trials on 50,000
documents (``pytest -m slow tests/test_crash_safety.py``).  Trials are seeded:
trial ``t`` kills once ``rng(t)`` documents are committed, plus a random
fraction of a batch (some trials kill during start-up, before any commit).
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from unspun.fingerprint import band_keys
from unspun.fingerprint import content_hash
from unspun.index import Index
from unspun.pipeline.ann import passages_for_vectors
from unspun.types import Document

BATCH = 250


def make_corpus(path: Path, n: int, seed: int = 7) -> list[tuple[str, str]]:
    """``n`` small distinct documents of random pseudo-words, as JSONL; returns ``[(id, text)]``."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("etaoinshrdlcumwfgypbvk") for _ in range(rng.randint(3, 9))) for _ in range(20_000)]
    docs = []
    with path.open("w") as fh:
        for i in range(n):
            text = " ".join(" ".join(rng.choices(vocab, k=rng.randint(8, 14))).capitalize() + "." for _ in range(4))
            docs.append((f"doc-{i:06d}", text))
            fh.write(json.dumps({"id": docs[-1][0], "text": text}) + "\n")
    return docs


def start_add(corpus: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "unspun", "index", "add", str(corpus), "--db", str(db), "--batch-size", str(BATCH)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def committed(db: Path) -> int:
    """Documents committed so far (0 while the index does not exist yet)."""
    if not db.exists() or db.stat().st_size == 0:
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:  # schema not committed yet
        return 0


def verify(db: Path, docs: list[tuple[str, str]], rng: random.Random) -> int:
    """Check every invariant of a (possibly crashed) index; return the number of documents it holds."""
    n_total = len(docs)
    if not db.exists() or db.stat().st_size == 0:
        return 0
    con = sqlite3.connect(db, timeout=30)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return 0  # killed before the schema transaction committed: an empty database
        assert {"meta", "documents", "signatures", "retired", "vectors"} <= tables
        q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        ids = [r[0] for r in con.execute("SELECT id FROM documents ORDER BY docno")]
        n = len(ids)
        # whole batches only, in input order, each document exactly as written
        assert n % BATCH == 0 or n == n_total, n
        assert ids == [d[0] for d in docs[:n]]
        assert q("SELECT value FROM meta WHERE key='generation'") == str(-(-n // BATCH))
        # every document has its derived rows, and nothing derived is left without its document
        assert q("SELECT COUNT(*) FROM signatures") == n
        assert q("SELECT COUNT(*) FROM documents d LEFT JOIN signatures s ON s.docno = d.docno WHERE s.docno IS NULL") == 0
        assert q("SELECT COUNT(*) FROM signatures WHERE nkeys > 0") == n
        assert q("SELECT COUNT(*) FROM signatures WHERE docno NOT IN (SELECT docno FROM documents)") == 0
        assert q("SELECT COUNT(DISTINCT docno) FROM vectors") == n
        assert q("SELECT COUNT(*) FROM vectors WHERE docno NOT IN (SELECT docno FROM documents)") == 0
        # a sample, row for row: text, band keys recomputed from the signatures (and found in the bucket
        # lookup, segments plus delta), vector spans
        ix = Index(db, readonly=True)
        params = ix.params.fingerprint
        for i in sorted(rng.sample(range(n), min(n, 60))):
            doc_id, text = docs[i]
            docno, stored, h = con.execute("SELECT docno, text, content_hash FROM documents WHERE id = ?", (doc_id,)).fetchone()
            assert zlib.decompress(stored).decode("utf-8") == text and h == content_hash(text)
            windows, data, nkeys = con.execute("SELECT windows, data, nkeys FROM signatures WHERE docno = ?", (docno,)).fetchone()
            sig = np.frombuffer(data, dtype="<u4").reshape(windows, params.num_perm)
            want = sorted(set(band_keys(sig, params).reshape(-1).tolist()))
            assert nkeys == len(want), doc_id
            with ix.store.snapshot():
                ks, ds = ix.bands.members(np.asarray(want, dtype=np.int64))
            assert sorted(set(ks[ds == docno].tolist())) == want, doc_id
            spans = [(s, e) for s, e in con.execute("SELECT start, end FROM vectors WHERE docno = ? ORDER BY vecno", (docno,))]
            assert spans == passages_for_vectors(text), doc_id
        ix.close()
        vecnos = {r[0] for r in con.execute("SELECT vecno FROM vectors")}
    finally:
        con.close()
    # the vector cache that check() uses holds exactly the vectors in SQLite (a stale file is never used)
    with Index(db, readonly=True) as ix:
        ann = ix.vectors.ensure()
        if not vecnos:
            assert ann is None
            return n
        assert len(ann) == len(vecnos) and set(np.asarray(ann.keys).tolist()) == vecnos
    # the cache for this generation was saved and recorded (by the writer, or rebuilt once by that reader)
    info = json.loads(_meta(db, "vector_cache"))
    assert info["count"] == len(vecnos) and (db.parent / info["name"]).exists()
    return n


def _meta(db: Path, key: str) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]
    finally:
        con.close()


class Reader(threading.Thread):
    """Runs check() and snapshot counts against the index while it is written; records every answer."""

    def __init__(self, db: Path, query: str, target: str):
        super().__init__(daemon=True)
        self.db, self.query, self.target = db, query, target
        self.stop = threading.Event()
        self.answers: list[tuple[int, list[str]]] = []
        self.snapshots: list[tuple[int, int, int, int, str]] = []
        self.stats: list[tuple[int, int]] = []
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            if committed(self.db) == 0:
                time.sleep(0.05)
                continue
            try:
                con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
                try:
                    con.execute("BEGIN")  # one read transaction: one snapshot
                    counts = tuple(con.execute(sql).fetchone()[0] for sql in (
                        "SELECT COUNT(*) FROM documents", "SELECT COUNT(*) FROM signatures",
                        "SELECT COUNT(*) FROM signatures WHERE nkeys > 0", "SELECT COUNT(DISTINCT docno) FROM vectors",
                        "SELECT value FROM meta WHERE key='generation'"))
                    con.execute("COMMIT")
                finally:
                    con.close()
                self.snapshots.append(counts)  # type: ignore[arg-type]
                with Index(self.db, readonly=True) as ix:
                    for _ in range(10):  # Index.stats(): its counts come from one snapshot too
                        st = ix.stats()
                        self.stats.append((st["documents"], st["generation"]))
                    n = len(ix)
                    found = [m.a.id for m in ix.check(self.query, judge=False)]
                self.answers.append((n, found))
            except Exception as err:  # noqa: BLE001 - every failure is a finding
                self.errors.append(f"{type(err).__name__}: {err}")


def run_trials(tmp_path: Path, n_docs: int, trials: int, seed0: int = 0) -> tuple[list[int], int]:
    corpus = tmp_path / "corpus.jsonl"
    docs = make_corpus(corpus, n_docs)
    target_id, target_text = docs[3]
    words = target_text.split()
    query = " ".join(w.upper() if i % 7 == 3 else w for i, w in enumerate(words)) + " An added closing sentence here."
    kills_at = []
    reads = 0
    for t in range(trials):
        rng = random.Random(1000 + seed0 + t)
        db = tmp_path / f"trial{t}" / "index.db"
        db.parent.mkdir()
        # a kill point: after `wait_for` committed documents, plus a fraction of one batch; trial 0 of
        # every five kills during start-up (imports, schema creation)
        wait_for = 0 if t % 5 == 0 else rng.randrange(0, n_docs - BATCH)
        extra = rng.uniform(0.0, 1.5) if wait_for == 0 else rng.uniform(0.0, 0.25)
        reader = Reader(db, query, target_id)
        proc = start_add(corpus, db)
        reader.start()
        try:
            while committed(db) < wait_for and proc.poll() is None:
                time.sleep(0.01)
            time.sleep(extra)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            reader.stop.set()
            reader.join(timeout=120)
        assert proc.returncode in (-signal.SIGKILL, 0), (proc.returncode, proc.stderr.read())
        assert not reader.errors, reader.errors[:3]
        for docs_n, sigs, banded, vectored, gen in reader.snapshots:
            assert docs_n == sigs == banded == vectored and docs_n % BATCH == 0 and gen == str(docs_n // BATCH)
        for docs_n, gen in reader.stats:
            assert gen == -(-docs_n // BATCH), (docs_n, gen)
        for n, found in reader.answers:  # the copied document is found once (and only once) it is committed
            assert found == ([target_id] if n > 3 else []), (n, found)
        reads += len(reader.answers)
        n = verify(db, docs, rng)
        kills_at.append(n)
        # the same command again finishes the job: exactly the expected documents, nothing added twice
        again = start_add(corpus, db)
        out, err = again.communicate(timeout=600)
        assert again.returncode == 0, err
        m = re.search(r"added (\d+), updated (\d+), unchanged (\d+)", out)
        assert m and tuple(map(int, m.groups())) == (n_docs - n, 0, n), out
        assert verify(db, docs, rng) == n_docs
    return kills_at, reads


def test_sigkill_during_index_add(tmp_path):
    trials = int(os.environ.get("CRASH_TRIALS", "5"))
    n_docs = int(os.environ.get("CRASH_DOCS", "8000"))
    kills_at, reads = run_trials(tmp_path, n_docs, trials)
    print("documents committed at each kill:", kills_at, "; reader answers checked:", reads)
    assert len(kills_at) == trials and reads > 0


@pytest.mark.slow
def test_sigkill_during_index_add_full(tmp_path):
    """The full run: 20 seeded kills while adding 50,000 documents."""
    kills_at, reads = run_trials(tmp_path, 50_000, 20, seed0=100)
    print("documents committed at each kill:", kills_at, "; reader answers checked:", reads)
    assert len(kills_at) == 20 and reads > 0


# ----------------------------------------------------------------------------- the vector cache file

SEED_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "seeds"


def _corrupt(kind: str, db: Path, old_file: bytes) -> None:
    rec = json.loads(_meta(db, "vector_cache"))
    ann = db.parent / rec["name"]
    data = ann.read_bytes()
    if kind == "stale file under the current record":  # an older cache file under the current name
        ann.write_bytes(old_file)
    elif kind == "truncated file":
        ann.write_bytes(data[: len(data) // 2])
    elif kind == "zeroed file":
        ann.write_bytes(bytes(len(data)))
    elif kind == "missing file":
        ann.unlink()
    elif kind == "one byte changed":  # passes usearch's own restore checks (key count, ...)
        ann.write_bytes(data[:-100] + bytes([data[-100] ^ 0x5A]) + data[-99:])
    elif kind == "truncated record":
        with sqlite3.connect(db) as con:
            con.execute("UPDATE meta SET value = substr(value, 1, 10) WHERE key = 'vector_cache'")
    elif kind == "missing record":
        with sqlite3.connect(db) as con:
            con.execute("DELETE FROM meta WHERE key = 'vector_cache'")


@pytest.mark.parametrize("kind", ["stale file under the current record", "truncated file", "zeroed file", "missing file",
                                  "one byte changed", "truncated record", "missing record"])
def test_vector_cache_never_drifts_from_sqlite(tmp_path, kind):
    """Whatever happened to the vector cache (a crash mid-save, damage, an older file), the vectors
    ``check`` uses are exactly those of SQLite, and ``check`` answers as on a fresh index."""
    original = (SEED_DIR / "000_39c885e149670517.txt").read_text(encoding="utf-8")
    spun = (SEED_DIR / "002_9a117862eab7609d.txt").read_text(encoding="utf-8")
    corpus = make_corpus(tmp_path / "c.jsonl", 60)
    db = tmp_path / "i.db"
    with Index(db) as ix:
        ix.add([Document(i, t) for i, t in corpus[:30]])  # the writer saves the cache (vectors generation 1)
    old_file = (db.parent / json.loads(_meta(db, "vector_cache"))["name"]).read_bytes()
    with Index(db) as ix:
        ix.add([Document("orig", original)] + [Document(i, t) for i, t in corpus[30:]])
        want = [m.to_dict() for m in ix.check(spun, judge=False)]
    assert [m["a"]["id"] for m in want] == ["orig"]
    assert json.loads(_meta(db, "vector_cache"))["vgen"] == 2
    _corrupt(kind, db, old_file)
    with sqlite3.connect(db) as con:
        vecnos = {r[0] for r in con.execute("SELECT vecno FROM vectors")}
    with Index(db, readonly=True) as ix:
        assert set(np.asarray(ix.vectors.ensure().keys).tolist()) == vecnos
        assert [m.to_dict() for m in ix.check(spun, judge=False)] == want
