"""The bucket lookup (the segments the manifest in SQLite names + the delta derived from the signatures in
SQLite) answers exactly as the plain scan stages do, whatever state the segment files are in, and an index of
the previous schema is refused with a clear message."""
from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from unspun.errors import StoreError
from unspun.index import Index
from unspun.fingerprint import fingerprint_batch
from unspun.pipeline.candidates import dedupe_pairs, verify_pairs

from reference import admit_star_pairs, band_rows, candidate_pairs, group_rows, query_bucket_pairs, star_pairs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synth import make_corpus  # noqa: E402


def _stages(recs):
    """The band groups, the ordinary pairs and each document's distinct key count, by the pure stages."""
    groups = list(group_rows(band_rows(recs)))
    return groups, candidate_pairs(groups), {r.id: len(r.keys) for r in recs}


def reference_pairs(docs):
    """The candidate pairs of ``docs`` computed by the pure stages, without any index (star evidence of
    buckets over MAX_BUCKET included, as the index counts it)."""
    recs = fingerprint_batch(docs)
    sigs = {r.id: r.signatures for r in recs}
    groups, ordinary, key_counts = _stages(recs)
    admitted = admit_star_pairs(ordinary, star_pairs(groups), key_counts)
    return verify_pairs(dedupe_pairs(ordinary + admitted), sigs.get)


def reference_candidates(docs, query):
    recs = fingerprint_batch(list(docs) + [query])
    sigs = {r.id: r.signatures for r in recs}
    groups, _ordinary, key_counts = _stages(recs)
    pairs = verify_pairs(dedupe_pairs(query_bucket_pairs(query.id, groups, key_counts=key_counts)), sigs.get)
    out = [(b if a == query.id else a, n) for a, b, n, _ in pairs if query.id in (a, b)]
    return sorted(out, key=lambda x: (-x[1], x[0]))


@pytest.fixture(scope="module")
def corpus():
    return make_corpus(700, seed=11)


def test_incremental_adds_removals_and_replacements_agree_with_the_stages(tmp_path, corpus):
    docs, copies = corpus
    live = {d.id: d for d in docs[:300]}
    with Index(tmp_path / "x.unspun", embedder=None) as ix:
        ix.add(docs[:300], batch_size=100)
        assert ix.candidate_pairs() == reference_pairs(list(live.values()))
        # small adds stay in the delta; a removal and a replacement make base entries stale
        ix.add(docs[300:320])
        live.update((d.id, d) for d in docs[300:320])
        copy_id, original_id, _ = next(c for c in copies if c[1] in live and c[0] not in live)
        ix.remove(original_id)
        del live[original_id]
        replaced = docs[5].id
        new_text = next(d for d in docs if d.id == copy_id).text
        ix.add([type(docs[5])(id=replaced, text=new_text)])
        live[replaced] = type(docs[5])(id=replaced, text=new_text)
        query = next(d for d in docs if d.id == copy_id)
        assert ix.candidates(query, limit=1000) == reference_candidates(live.values(), query)
        assert replaced in [i for i, _ in ix.candidates(query)]
        assert ix.candidate_pairs() == reference_pairs(list(live.values()))
    # a reader opened later, and one that was open while another handle wrote, agree too
    with Index(tmp_path / "x.unspun", readonly=True) as ro, Index(tmp_path / "x.unspun", embedder=None) as rw:
        late_copy, its_original, _ = next(c for c in copies if c[1] in live and c[0] >= docs[320].id)
        query = live[its_original]
        before = ro.candidates(query, limit=1000)
        rw.add(docs[320:])
        live.update((d.id, d) for d in docs[320:])
        after = ro.candidates(query, limit=1000)
        assert after == reference_candidates(live.values(), query)
        assert late_copy in [i for i, _ in after] and late_copy not in [i for i, _ in before]


def _manifest(path):
    import json

    con = sqlite3.connect(path)
    try:
        return json.loads(con.execute("SELECT value FROM meta WHERE key = 'bands'").fetchone()[0])
    finally:
        con.close()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed-keys", "unsorted", "other-index", "missing",
                                    "older", "manifest"])
def test_a_damaged_foreign_or_old_bucket_file_never_changes_an_answer(tmp_path, corpus, damage):
    docs, copies = corpus
    path = tmp_path / "x.unspun"
    with Index(path, embedder=None) as ix:
        ix.add(docs[:400])
    older = {s["name"]: (tmp_path / s["name"]).read_bytes() for s in _manifest(path)["segments"]}
    with Index(path, embedder=None) as ix:
        ix.add(docs[400:])
        ix.remove(docs[7].id)
        want_pairs = ix.candidate_pairs()
    seg = tmp_path / _manifest(path)["segments"][-1]["name"]
    data = seg.read_bytes()
    n = int.from_bytes(data[8:16], "little")
    if damage == "garbage":
        seg.write_bytes(b"\x00" * 999)
    elif damage == "truncated":
        seg.write_bytes(data[:-12])
    elif damage == "zeroed-keys":  # same size, keys zeroed: used as is, it would find nothing
        seg.write_bytes(data[:24] + b"\x00" * (8 * n) + data[24 + 8 * n :])
    elif damage == "unsorted":  # same size, same bytes, keys out of order
        keys = data[24 : 24 + 8 * n]
        seg.write_bytes(data[:24] + keys[8 * (n // 2) :] + keys[: 8 * (n // 2)] + data[24 + 8 * n :])
    elif damage == "other-index":
        with Index(tmp_path / "other.unspun", embedder=None) as other:
            other.add(docs[:50])
        shutil.copy(tmp_path / _manifest(tmp_path / "other.unspun")["segments"][0]["name"], seg)
    elif damage == "missing":
        seg.unlink()
    elif damage == "older":
        seg.write_bytes(next(iter(older.values())))
    else:
        con = sqlite3.connect(path)
        con.execute("UPDATE meta SET value = '{\"generation\": 1, \"segm' WHERE key = 'bands'")
        con.commit()
        con.close()
    query = next(d for d in docs if d.id == copies[-1][0])
    live = [d for d in docs if d.id != docs[7].id]
    with Index(path, readonly=True) as ro:
        assert ro.candidates(query, limit=1000) == reference_candidates(live, query)
        assert ro.candidate_pairs() == want_pairs == reference_pairs(live)
    # the reader rebuilt the segments once and recorded them: the next reader uses them as they are
    with Index(path, readonly=True) as ro:
        assert ro.candidate_pairs() == want_pairs
        assert {s["name"] for s in _manifest(path)["segments"]} == {p.name for p in ro.bands.segment_files()}


def test_an_index_of_the_previous_schema_is_refused_with_its_reason(tmp_path, corpus):
    path = tmp_path / "old.unspun"
    with Index(path, embedder=None) as ix:
        ix.add(corpus[0][:5])
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    con.commit()
    con.close()
    with pytest.raises(StoreError) as err:
        Index(path)
    msg = str(err.value)
    assert str(path) in msg and "schema 1" in msg and "expects 4" in msg and "\n" not in msg


def test_segments_merge_and_a_damaged_segment_is_rebuilt(tmp_path, corpus, monkeypatch):
    """Small segment and merge sizes: many folds and streaming merges on the way, O(log n) segments, no file
    left behind, and every answer equal to the stages'; a truncated segment is rebuilt from SQLite."""
    import unspun.index.bands as bands
    import unspun.index.segments as segments

    monkeypatch.setattr(bands, "FOLD_ENTRIES", 15_000)
    monkeypatch.setattr(segments, "MERGE_CHUNK", 4_000)
    docs, copies = corpus
    path = tmp_path / "x.unspun"
    live = {}
    with Index(path, embedder=None) as ix:
        for i in range(0, len(docs), 50):
            ix.add(docs[i : i + 50])
            live.update((d.id, d) for d in docs[i : i + 50])
            if i % 200 == 0:
                gone = docs[i + 3].id
                ix.remove(gone)
                del live[gone]
        view = ix.bands.current()
        assert 2 <= len(view.segments) <= 8, [len(s) for s in view.segments]
        assert sum(len(s) for s in view.segments) + len(view.delta) >= ix.stats()["band_rows"]
        named = {i.name for i in view.infos}
        assert {p.name for p in ix.bands.segment_files()} == named
        query = next(d for d in docs if d.id == copies[-1][0])
        assert ix.candidates(query, limit=1000) == reference_candidates(live.values(), query)
        assert ix.candidate_pairs() == reference_pairs(list(live.values()))
    seg = sorted(tmp_path.glob("x.unspun.bands.*.seg"))[0]
    seg.write_bytes(seg.read_bytes()[:-4])
    with Index(path, embedder=None) as ix:
        assert ix.candidates(query, limit=1000) == reference_candidates(live.values(), query)
        assert {p.name for p in ix.bands.segment_files()} == {i.name for i in ix.bands.current().infos}
