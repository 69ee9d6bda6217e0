"""Two writers at once: two ``unspun index add`` processes over overlapping documents, seeded trials.

Trial ``t`` (``random.Random(t)``) writes two JSONL inputs: A and B share a block of ids — most with
the same text, some with a different text in each — and each has ids of its own.  Both
``index add`` processes start on one new index (the second after a seeded delay of 0-1.5 s, with
seeded batch sizes; vectors on), and the trial passes when

* each exits 0, or exits 2 with one line saying another writer holds the index (never a traceback,
  never ``IntegrityError``);
* the index then holds exactly the expected ids (both inputs' when both exited 0, else at least the
  finished one's), each id exactly once, with the text of A or of B; ``PRAGMA integrity_check`` is
  ok; every document has its signatures, their band keys are found in the bucket lookup, and the
  vector cache that ``check`` loads holds exactly SQLite's vectors.

    .venv/bin/python benchmarks/two_writers.py [TRIALS] [FIRST_SEED]     (default 20 0)

``tests/test_two_writers.py`` runs two of these trials in the default suite.
"""
from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

from unspun.fingerprint import band_keys
from unspun.index import Index


def _text(rng: random.Random, vocab: list[str]) -> str:
    return " ".join(" ".join(rng.choices(vocab, k=rng.randint(8, 14))).capitalize() + "." for _ in range(4))


def make_inputs(root: Path, seed: int) -> tuple[Path, Path, dict[str, set[str]], set[str], set[str]]:
    """Inputs A and B; returns their paths, id -> allowed texts, and each input's ids."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("etaoinshrdlcumwfgypbvk") for _ in range(rng.randint(3, 9))) for _ in range(5000)]
    shared = [f"shared-{i:05d}" for i in range(rng.randint(200, 600))]
    docs_a = {i: _text(rng, vocab) for i in shared}
    docs_b = dict(docs_a)
    for i in rng.sample(shared, len(shared) // 10):  # a tenth of the shared ids have another text in B
        docs_b[i] = _text(rng, vocab)
    docs_a.update({f"a-{i:05d}": _text(rng, vocab) for i in range(rng.randint(50, 400))})
    docs_b.update({f"b-{i:05d}": _text(rng, vocab) for i in range(rng.randint(50, 400))})
    paths = []
    for name, docs in (("a", docs_a), ("b", docs_b)):
        items = list(docs.items())
        rng.shuffle(items)
        path = root / f"{name}.jsonl"
        path.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in items))
        paths.append(path)
    allowed: dict[str, set[str]] = {}
    for docs in (docs_a, docs_b):
        for k, v in docs.items():
            allowed.setdefault(k, set()).add(v)
    return paths[0], paths[1], allowed, set(docs_a), set(docs_b)


def start(src: Path, db: Path, batch: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "unspun", "index", "add", str(src), "--db", str(db),
                             "--batch-size", str(batch), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def check_index(db: Path, expected: set[str], allowed: dict[str, set[str]]) -> None:
    """Every invariant of the index after both writers; an AssertionError names the first broken one."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = con.execute("SELECT id, text, docno FROM documents").fetchall()
        ids = [r[0] for r in rows]
        assert len(ids) == len(set(ids)), "an id stored twice"
        assert set(ids) == expected, f"{len(set(ids) ^ expected)} ids differ from the expected"
        for i, text, _ in rows:
            assert zlib.decompress(text).decode("utf-8") in allowed[i], f"{i}: a text neither input holds"
        q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        assert q("SELECT COUNT(*) FROM signatures") == len(rows)
        assert q("SELECT COUNT(*) FROM signatures WHERE docno NOT IN (SELECT docno FROM documents)") == 0
        assert q("SELECT COUNT(*) FROM vectors WHERE docno NOT IN (SELECT docno FROM documents)") == 0
        vecnos = {r[0] for r in con.execute("SELECT vecno FROM vectors")}
        sample = random.Random(len(rows)).sample(rows, min(40, len(rows)))
        sigs = {docno: con.execute("SELECT windows, data, nkeys FROM signatures WHERE docno = ?", (docno,)).fetchone()
                for _, _, docno in sample}
    finally:
        con.close()
    with Index(db, readonly=True) as ix:
        params = ix.params.fingerprint
        for docno, (windows, data, nkeys) in sigs.items():
            sig = np.frombuffer(data, dtype="<u4").reshape(windows, params.num_perm)
            want = sorted(set(band_keys(sig, params).reshape(-1).tolist()))
            assert nkeys == len(want)
            with ix.store.snapshot():
                ks, ds = ix.bands.members(np.asarray(want, dtype=np.int64))
            assert sorted(set(ks[ds == docno].tolist())) == want, f"docno {docno}: band keys missing from the lookup"
        if ix.vectors is not None:
            ann = ix.vectors.ensure()
            got = set() if ann is None else set(np.asarray(ann.keys).tolist())
            assert got == vecnos, "the vector cache differs from SQLite's vectors"


def trial(root: Path, seed: int) -> tuple[bool, str]:
    rng = random.Random(seed)
    d = root / f"trial{seed}"
    d.mkdir()
    a, b, allowed, ids_a, ids_b = make_inputs(d, seed)
    db = d / "index.unspun"
    batch_a, batch_b, delay = rng.choice([50, 100, 250, 1000]), rng.choice([50, 100, 250, 1000]), rng.uniform(0, 1.5)
    desc = f"trial {seed}: {len(ids_a)} + {len(ids_b)} docs, {len(ids_a & ids_b)} shared, batches {batch_a}/{batch_b}, delay {delay:.2f} s"
    p1 = start(a, db, batch_a)
    time.sleep(delay)
    p2 = start(b, db, batch_b)
    results = []
    for p in (p1, p2):
        out, err = p.communicate(timeout=900)
        results.append((p.returncode, out, err))
    expected: set[str] = set()
    for (rc, out, err), ids in zip(results, (ids_a, ids_b)):
        if rc == 0:
            expected |= ids
        elif rc == 2:
            lines = err.strip().splitlines()
            if len(lines) != 1 or "another process" not in lines[0] or "Traceback" in err:
                return False, f"{desc}: exit 2 without a clear message: {err.strip()[-300:]}"
        else:
            return False, f"{desc}: exit {rc}: {err.strip()[-400:]}"
    if not expected:
        return False, f"{desc}: neither writer finished"
    try:
        check_index(db, expected, allowed)
    except AssertionError as e:
        return False, f"{desc}: {e}"
    codes = "/".join(str(r[0]) for r in results)
    return True, f"{desc}: exits {codes}, {len(expected)} documents as expected"


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(first, first + trials):
            ok, desc = trial(Path(tmp), seed)
            failed += not ok
            print(("ok    " if ok else "FAIL  ") + desc, flush=True)
    print(f"{trials} trials: {trials - failed} with both writers done right, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
