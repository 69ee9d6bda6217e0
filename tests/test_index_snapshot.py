"""One snapshot per scan: ``index rm`` (another handle, another connection) while ``Index.scan`` runs never
gives output mixing two states; the scan answers as of its start, the next scan as of after the rm."""
from __future__ import annotations

import shutil
from pathlib import Path

from unspun.index import Index
from unspun.ingest import iter_documents

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO / "tests" / "data" / "seeds").glob("*.txt"))
PIECES = sorted((REPO / "tests" / "data" / "pan13-pieces").glob("*.txt"))


def clusters_of(found) -> list[tuple[tuple[str, ...], tuple[tuple[str, str, float], ...]]]:
    return [(tuple(c.documents), tuple((m.a.id, m.b.id, round(m.coverage_a, 6)) for m in c.matches)) for c in found]


def test_rm_during_scan_is_not_seen(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copyfile(SEEDS[0], docs / "original.txt")
    shutil.copyfile(SEEDS[1], docs / "spun.txt")
    for p in PIECES[:30]:
        shutil.copyfile(p, docs / p.name)
    db = tmp_path / "i.unspun"
    with Index(db, embedder=None) as ix:
        ix.add(iter_documents([docs]))
    with Index(db, readonly=True) as ix:
        before = clusters_of(ix.scan(judge=False))
    assert any({"original.txt", "spun.txt"} <= set(c[0]) for c in before)

    removed = []

    def progress(p) -> None:  # the first progress report: the scan is under way; remove a document meanwhile
        if not removed:
            with Index(db, embedder=None) as writer:
                removed.extend(writer.remove_many(["spun.txt", PIECES[0].name]))

    with Index(db, readonly=True) as ix:
        during = clusters_of(ix.scan(judge=False, progress=progress))
    assert sorted(removed) == sorted(["spun.txt", PIECES[0].name])
    assert during == before  # as of the scan's start: nothing of the removal, nothing half-seen
    with Index(db, readonly=True) as ix:
        after = clusters_of(ix.scan(judge=False))
        assert "spun.txt" not in ix
    assert not any("spun.txt" in c[0] for c in after)
