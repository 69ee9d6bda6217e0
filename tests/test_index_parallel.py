"""Index.add with worker processes builds exactly the index a single process builds."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from unspun.index import Index

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synth import make_corpus  # noqa: E402

QUERIES = (
    "SELECT id, content_hash, text FROM documents ORDER BY id",
    "SELECT d.id, s.windows, s.data, s.nkeys, s.gen FROM signatures s JOIN documents d USING (docno) ORDER BY d.id",
    "SELECT d.id, v.start, v.end, v.data FROM vectors v JOIN documents d USING (docno) ORDER BY d.id, v.start",
)


def _dump(path: Path) -> list:
    db = sqlite3.connect(path)
    try:
        return [db.execute(q).fetchall() for q in QUERIES]
    finally:
        db.close()


def test_parallel_add_equals_serial_add(tmp_path):
    docs, copies = make_corpus(600, seed=5)
    with Index(tmp_path / "serial.unspun") as ix:
        ix.add(docs, batch_size=300, workers=1)
    with Index(tmp_path / "parallel.unspun") as ix:
        result = ix.add(docs, batch_size=300, workers=2)
        assert result.added == len({d.id for d in docs})
        copy_id, original_id, _ = copies[0]
        copy = next(d for d in docs if d.id == copy_id)
        assert original_id in [m.b.id if m.a.id == copy_id else m.a.id for m in ix.check(copy, k=5)]
    assert _dump(tmp_path / "serial.unspun") == _dump(tmp_path / "parallel.unspun")


def test_parallel_add_is_idempotent(tmp_path):
    docs, _ = make_corpus(450, seed=6)
    with Index(tmp_path / "x.unspun") as ix:
        ix.add(docs, batch_size=250, workers=2)
        again = ix.add(docs, batch_size=250, workers=2)
        assert again.added == 0 and again.unchanged == len({d.id for d in docs})
