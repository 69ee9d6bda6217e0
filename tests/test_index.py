"""The corpus index: round trips, check, remove, replace, idempotence, hostile ids."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from unspun import Document, StoreError
from unspun.index import Index

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SEEDS = sorted((DATA / "seeds").glob("*.txt"))
CORPUS = DATA / "pan13-pieces"


def _seed(i: int) -> Document:
    return Document(id=f"seed{i}", text=SEEDS[i].read_text(encoding="utf-8"))


def _background(n: int = 30) -> list[Document]:
    files = sorted(CORPUS.glob("pan-01-*.txt")) + sorted(CORPUS.glob("pan-02-*original.txt"))
    return [Document(id=p.name, text=p.read_text(encoding="utf-8")) for p in files[:n]]


@pytest.fixture(scope="module")
def embedder():
    from unspun.embed import get_embedder

    return get_embedder()


@pytest.fixture()
def index(tmp_path, embedder):
    with Index(tmp_path / "corpus.unspun", embedder=embedder) as ix:
        ix.add(_background() + [_seed(0)])
        yield ix


def _bands_of(ix: Index, doc_id: str) -> int:
    db = sqlite3.connect(ix.path)
    try:
        row = db.execute(
            "SELECT s.nkeys FROM signatures s JOIN documents d ON d.docno = s.docno WHERE d.id = ?", (doc_id,)
        ).fetchone()
        return row[0] if row else 0
    finally:
        db.close()


def test_spun_copy_is_found_among_unrelated(index):
    spun = _seed(1)
    matches = index.check(spun, k=5)
    assert matches, "the spun copy of seed 000 was not found"
    top = matches[0]
    assert top.a.id == "seed0" and top.b.id == "seed1"
    assert top.coverage_a > 0.3 and top.coverage_b > 0.3
    for p in top.passages:  # offsets point into the texts
        assert 0 <= p.a.start < p.a.end <= len(top.a.text)
        assert 0 <= p.b.start < p.b.end <= len(top.b.text)
    assert all(m.passages for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_verbatim_copy_is_found(index):
    orig = index.get("seed0")
    copy = Document(id="copy", text="Reposted from elsewhere.\n\n" + orig.text)
    matches = index.check(copy, k=3, judge=False)
    assert matches and matches[0].a.id == "seed0"
    assert matches[0].coverage_a > 0.9


def test_unrelated_document_finds_nothing_like_the_seed(index):
    doc = Document(id="q", text=(CORPUS / "pan-01-suspicious-document00101-unrelated.txt").read_text() + " extra words")
    assert all(m.a.id != "seed0" for m in index.check(doc, judge=False))


def test_reopen_gives_identical_results(tmp_path, embedder):
    path = tmp_path / "x.unspun"
    with Index(path, embedder=embedder) as ix:
        ix.add(_background(12) + [_seed(0)])
        first = [m.to_dict() for m in ix.check(_seed(1), judge=False)]
        stats = ix.stats()
    with Index(path, embedder=embedder) as ix:
        assert [m.to_dict() for m in ix.check(_seed(1), judge=False)] == first
        assert ix.stats()["documents"] == stats["documents"] == 13
        assert list(ix.ids()) == sorted(ix.ids())
        assert ix.get("seed0") == _seed(0)


def test_remove_clears_bands_vectors_and_results(index):
    assert _bands_of(index, "seed0") > 0
    vectors_before = index.stats()["vectors"]
    assert index.remove("seed0") is True
    assert "seed0" not in index and index.get("seed0") is None
    assert _bands_of(index, "seed0") == 0
    db = sqlite3.connect(index.path)
    orphans = db.execute("SELECT COUNT(*) FROM signatures WHERE docno NOT IN (SELECT docno FROM documents)").fetchone()[0]
    orphan_vecs = db.execute("SELECT COUNT(*) FROM vectors WHERE docno NOT IN (SELECT docno FROM documents)").fetchone()[0]
    db.close()
    assert orphans == 0 and orphan_vecs == 0
    assert index.stats()["vectors"] < vectors_before
    assert all(m.a.id != "seed0" for m in index.check(_seed(1), judge=False))
    assert index.remove("seed0") is False
    # re-add: found again
    r = index.add([_seed(0)])
    assert r.added == 1
    assert index.check(_seed(1), judge=False)[0].a.id == "seed0"


def test_re_add_is_idempotent(index):
    before = index.stats()
    r = index.add(_background() + [_seed(0)])
    assert (r.added, r.updated, r.unchanged) == (0, 0, len(_background()) + 1)
    after = index.stats()
    assert {k: after[k] for k in ("documents", "band_rows", "vectors", "generation")} == {
        k: before[k] for k in ("documents", "band_rows", "vectors", "generation")
    }


def test_changed_text_replaces_everywhere(index):
    spun = _seed(1)
    n = len(index)
    bands_before = _bands_of(index, "seed0")
    unrelated = (CORPUS / "pan-05-source-document00075-original.txt").read_text()
    r = index.add([Document(id="seed0", text=unrelated, title="replaced")])
    assert (r.added, r.updated) == (0, 1)
    assert len(index) == n
    assert index.get("seed0").text == unrelated and index.get("seed0").title == "replaced"
    assert _bands_of(index, "seed0") != bands_before or bands_before == 0
    assert all(m.a.id != "seed0" for m in index.check(spun, judge=False))
    # the new text is what is found now
    hits = index.check(Document(id="q", text=unrelated), judge=False)
    assert hits and hits[0].a.id == "seed0"


def test_metadata_only_change_is_an_update(index):
    d = _seed(0)
    r = index.add([Document(id=d.id, text=d.text, url="https://example.org/a", meta={"k": 1})])
    assert (r.added, r.updated, r.unchanged) == (0, 1, 0)
    got = index.get(d.id)
    assert got.url == "https://example.org/a" and dict(got.meta) == {"k": 1}


def test_empty_texts_are_skipped_with_a_reason(tmp_path):
    with Index(tmp_path / "e.unspun", embedder=None) as ix:
        r = ix.add([Document(id="a", text="   "), Document(id="b", text="real words here")])
    assert r.added == 1 and r.skipped == (("a", "empty text"),)


@pytest.mark.parametrize(
    "doc_id",
    ["'; DROP TABLE documents; --", 'x" OR 1=1 --', "../../etc/passwd", "ünï\u200bcode \u202e id", "%_\\"],
)
def test_sql_injection_looking_ids_and_texts_round_trip(tmp_path, doc_id):
    text = f"Robert'); DROP TABLE bands;-- said {doc_id!r} and then 1=1 OR '' = '' was printed. " * 3
    with Index(tmp_path / "s.unspun", embedder=None) as ix:
        ix.add([Document(id=doc_id, text=text), Document(id="other", text="a plain unrelated text about gardens")])
        assert ix.get(doc_id).text == text
        assert doc_id in ix and len(ix) == 2
        assert ix.remove(doc_id) and doc_id not in ix
        assert ix.get("other") is not None


def test_not_an_index_is_a_store_error(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello, this is not a database\n" * 10)
    with pytest.raises(StoreError, match="not an unspun index"):
        Index(junk)
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="not an unspun index"):
        Index(other)
    with pytest.raises(StoreError, match="directory"):
        Index(tmp_path)


def test_the_writer_leaves_a_valid_vector_cache_and_a_stale_one_is_rebuilt_once(tmp_path, embedder):
    import json

    path = tmp_path / "v.unspun"
    with Index(path, embedder=embedder) as ix:
        ix.add(_background(6) + [_seed(0)])
    rec = json.loads(sqlite3.connect(path).execute("SELECT value FROM meta WHERE key='vector_cache'").fetchone()[0])
    assert (tmp_path / rec["name"]).exists() and rec["count"] == Index(path, embedder=embedder).stats()["vectors"]
    with Index(path, embedder=embedder) as ix:  # the writer brings it up to date: no stale cache left behind
        ix.remove("seed0")
    rec2 = json.loads(sqlite3.connect(path).execute("SELECT value FROM meta WHERE key='vector_cache'").fetchone()[0])
    assert rec2["name"] != rec["name"] and not (tmp_path / rec["name"]).exists() and rec2["vgen"] > rec["vgen"]
    # a cache file whose record is stale (another process bumped the vectors behind its back): rebuilt once
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'vectors_gen'")
    con.commit()
    con.close()
    with Index(path, embedder=embedder, readonly=True) as ix:
        assert all(m.a.id != "seed0" for m in ix.check(_seed(1), judge=False))
        assert len(ix.vectors.ensure()) == ix.stats()["vectors"]
    rec3 = json.loads(sqlite3.connect(path).execute("SELECT value FROM meta WHERE key='vector_cache'").fetchone()[0])
    assert rec3["vgen"] == rec2["vgen"] + 1 and (tmp_path / rec3["name"]).exists()  # saved by the reader, once


def test_check_bucket_counting_matches_the_stages(tmp_path):
    """check counts the query's shared buckets on document numbers; the stages over the same band rows give
    the same pairs, for any bucket cap, for a query not in the index and for one whose id is stored (it is
    then the query itself), also after a removal (a retired document's rows must not count)."""
    from unspun.fingerprint import fingerprint_batch
    from unspun.index.check import query_pairs
    from unspun.params import CandidateParams
    from unspun.pipeline.candidates import dedupe_pairs

    from reference import band_rows, group_rows, query_bucket_pairs

    files = sorted(CORPUS.glob("pan-0[2345]-*.txt"))[:40] + sorted(CORPUS.glob("pan-01-*.txt"))[:10]
    docs = [Document(p.name, p.read_text(encoding="utf-8")) for p in files] + [_seed(0), _seed(1)]
    with Index(tmp_path / "c.unspun", embedder=None) as ix:
        ix.add(docs, batch_size=9)
        ix.remove(docs[3].id)
        live = [d for d in docs if d.id != docs[3].id]
        records = fingerprint_batch(live, ix.params.fingerprint)
        stored = band_rows(records)
        counts = {r.id: len(r.keys) for r in records}
        queries = [Document("query", docs[5].text[:3000] + " " + docs[40].text[:2000]), Document(docs[7].id, docs[7].text[:2500]),
                   Document("q2", _seed(1).text)]
        for q in queries:
            rec = fingerprint_batch([q], ix.params.fingerprint)[0]
            keys = set(rec.keys)
            rows = [(k, i) for k, i in stored if k in keys and i != q.id] + [(k, q.id) for k in rec.keys]
            groups = list(group_rows(sorted(rows)))
            kc = {**{i: n for i, n in counts.items() if i != q.id}, q.id: len(rec.keys)}
            # small caps put most buckets over the cap: star evidence, admitted on the key counts
            for cap, min_hits, share, read in ((50, 3, 0.5, 5000), (4, 1, 0.5, 5000), (2, 1, 0.05, 5000), (2, 2, 0.2, 6),
                                               (1, 3, 0.5, 5000)):
                want = [p for p in dedupe_pairs(query_bucket_pairs(q.id, groups, cap, kc, min_share=share, min_hits=min_hits,
                                                                   max_read=read), min_hits, 10**9)]
                got = query_pairs(ix, q.id, np.asarray(rec.keys, dtype=np.int64), CandidateParams(
                    max_bucket=cap, min_hits=min_hits, star_min_share=share, star_max_read=read))
                assert got == want, (q.id, cap)
                if q.id == "query" and cap == 1:  # every bucket is over the cap: star evidence alone finds docs[5]
                    assert any(docs[5].id in p[:2] and p[2] >= 3 for p in got)
                if q.id == "query" and cap == 50:  # a real check: the query holds docs[5]'s text
                    assert any(docs[5].id in p[:2] and p[2] >= 3 for p in got)


def test_a_damaged_stored_text_is_reported_never_returned_garbled(tmp_path):
    """Texts are stored compressed; a damaged one is one clear error naming the document (library and CLI)."""
    import sqlite3
    import subprocess
    import sys

    db = tmp_path / "x.unspun"
    a = "The council voted on Monday to close the old library on Main Street after forty years of service. " * 3
    b = "A storm hit the coast on Friday, and the harbour stayed closed while crews repaired the sea wall. " * 3
    with Index(db, embedder=None) as ix:
        ix.add([Document("a.txt", a), Document("b.txt", a + b)])  # b copies a: the scan reads both texts
        assert ix.get("a.txt").text == a  # the stored form round-trips
    con = sqlite3.connect(db)
    con.execute("UPDATE documents SET text = ? WHERE id = 'a.txt'", (b"not zlib at all",))
    con.commit()
    con.close()
    with Index(db, readonly=True) as ix:
        assert ix.get("b.txt").text == a + b
        with pytest.raises(StoreError, match="a.txt.*damaged"):
            ix.get("a.txt")
    p = subprocess.run([sys.executable, "-m", "unspun", "scan", "--db", str(db), "--quiet"], capture_output=True, text=True)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "a.txt" in p.stderr and "damaged" in p.stderr, p.stderr
