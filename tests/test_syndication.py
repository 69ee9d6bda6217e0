"""A story syndicated to more outlets than MAX_BUCKET is found without passage vectors (star evidence), and a
footer shared as widely makes no star candidates.  Real files, the CLI and the public API; no vectors."""
from __future__ import annotations

import json
from dataclasses import replace
import shutil
import sys
from pathlib import Path

import pytest

from unspun import Document
from unspun.cli import main
from unspun.index import Index
from unspun.fingerprint import fingerprint_batch
from unspun.params import DEFAULT_PARAMS

from reference import MAX_BUCKET, admit_star_pairs, band_rows, candidate_pairs, group_rows, star_pairs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from syndication import CORPUS, COPIES, FOOTER, SEED  # noqa: E402  (the benchmark's corpus, shared)


def _story() -> str:
    """The seed story's opening paragraphs (about 1,500 characters: small articles keep the test fast)."""
    out = ""
    for para in SEED.read_text(encoding="utf-8").split("\n"):
        if len(out) > 1500:
            break
        out += para + "\n"
    return out.strip()


def _copy(i: int, story: str) -> str:
    """Outlet ``i``'s copy: its own one-line masthead and sign-off around the wire text.  (Short lines that
    differ in a word or two: the copies' first and last windows still fall into buckets of more than
    MAX_BUCKET documents, so that before star evidence no copy was a candidate of another.)"""
    return f"Published by Outlet {i}\n{story}\nCopyright Outlet {i} {(7919 * i) % 10**6}\n"


@pytest.fixture(scope="module")
def wire(tmp_path_factory):
    d = tmp_path_factory.mktemp("wire") / "docs"
    d.mkdir()
    story = _story()
    for i in range(COPIES):
        (d / f"wire-{i:03d}.txt").write_text(_copy(i, story), encoding="utf-8")
    for p in sorted(CORPUS.glob("pan-0[12]-*.txt"))[:12]:
        shutil.copyfile(p, d / p.name)
    return d


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _wire_ids(ids):
    return sorted(i for i in ids if "wire-" in i)


def test_cli_scan_links_every_syndicated_copy_and_check_finds_them(wire, tmp_path, capsys):
    db = str(tmp_path / "wire.unspun")
    assert run(capsys, "index", "add", str(wire), "--db", db, "--no-vectors")[0] == 0
    code, out, _err = run(capsys, "scan", "--db", db, "--json", "--no-judge", "--quiet")
    assert code == 0
    clusters = [json.loads(line) for line in out.splitlines() if line.strip()]
    with_copies = [c for c in clusters if _wire_ids(c["documents"])]
    assert len(with_copies) == 1  # every band bucket of the story holds > MAX_BUCKET documents
    assert len(_wire_ids(with_copies[0]["documents"])) == COPIES
    query = tmp_path / "story.txt"
    query.write_text(_story(), encoding="utf-8")
    code, out, _err = run(capsys, "check", str(query), "--db", db, "--json", "--no-judge", "-k", "10")
    assert code == 0
    found = json.loads(out)["matches"]
    assert len(found) == 10 and all("wire-" in m["a"]["id"] for m in found)
    assert all(m["coverage_b"] > 0.9 for m in found)  # each is the whole story


def test_executor_scan_of_the_files_links_every_copy(wire, tmp_path, capsys):
    """The file scan runs the Dask steps (band join, dedupe) on the local executor: star evidence travels
    through the band partitions and is admitted where they meet."""
    out_dir = tmp_path / "out"
    code, _out, _err = run(capsys, "scan", str(wire), "--out", str(out_dir), "--no-vectors", "--no-judge", "--quiet")
    assert code == 0
    clusters = [json.loads(line) for line in (out_dir / "clusters.jsonl").read_text(encoding="utf-8").splitlines()]
    with_copies = [c for c in clusters if _wire_ids(c["documents"])]
    assert len(with_copies) == 1 and len(_wire_ids(with_copies[0]["documents"])) == COPIES


def test_a_footer_held_by_more_than_max_bucket_articles_admits_no_star_pair(tmp_path):
    """60 unrelated articles end with one identical 3-sentence footer: its windows fill band buckets past
    MAX_BUCKET, whose star evidence covers a few of each article's keys, so it makes no candidate pair.
    (The articles' last windows, part article and part footer, still collide by chance in small buckets;
    those ordinary pairs are the same with star evidence or without it.)"""
    files = [p for p in sorted(CORPUS.glob("pan-0*-source-*.txt")) if p.stat().st_size > 2000][:60]
    assert len(files) == 60
    docs = [Document(p.name, p.read_text(encoding="utf-8").rstrip() + "\n\n" + FOOTER) for p in files]
    records = fingerprint_batch(docs)
    groups = list(group_rows(band_rows(records)))
    assert any(len(ids) > MAX_BUCKET for _k, ids in groups)  # the footer's buckets
    star = star_pairs(groups)
    assert len({x for p in star for x in p[:2]}) == 60  # every article meets the hubs ...
    assert admit_star_pairs(candidate_pairs(groups), star, {r.id: len(r.keys) for r in records}) == []  # ... in vain
    with Index(tmp_path / "f.unspun", embedder=None) as ix:
        ix.add(docs)
        with_star = ix.candidate_pairs(verify=False)
        never = replace(ix.params, candidates=replace(ix.params.candidates, star_min_share=2.0))
        assert with_star == ix.candidate_pairs(verify=False, params=never)  # 2.0: no star pair admitted


# --------------------------------------------------------------------------- boilerplate (a footer shared by many)

FOOTER_ARTICLES = 56  # > MAX_BUCKET: the footer's last window fills buckets past it


def _lead(p: Path, limit: int = 1500) -> str:
    """An article's opening sentences up to about ``limit`` characters (small articles keep the tests fast)."""
    text = p.read_text(encoding="utf-8")
    cut = text.rfind(". ", 0, limit)
    return text[: cut + 1] if cut > 0 else text[:limit]


@pytest.fixture(scope="module")
def footer_dir(tmp_path_factory):
    """56 unrelated articles that end with one identical footer, and a 57th, ``copier.txt``, that carries the
    footer too and copies a paragraph of the first one (real reuse, which must still link them)."""
    d = tmp_path_factory.mktemp("footer") / "docs"
    d.mkdir()
    files = [p for p in sorted(CORPUS.glob("pan-0*-source-*.txt")) if p.stat().st_size > 2000]
    assert len(files) > FOOTER_ARTICLES + 1
    for p in files[:FOOTER_ARTICLES]:
        (d / p.name).write_text(_lead(p) + "\n\n" + FOOTER, encoding="utf-8")
    first = _lead(files[0])
    copied = first[first.find(". ", 300) + 2 :]  # the first article less its opening sentences
    own = _lead(files[FOOTER_ARTICLES], 700)  # an article of its own before the copied paragraph
    (d / "copier.txt").write_text(own + "\n\n" + copied + "\n\n" + FOOTER, encoding="utf-8")
    return d, files[0].name, len(copied)


def _texts(d: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(d.glob("*.txt"))}


def _footer_only(pairs, texts) -> list[tuple[str, str]]:
    """The pairs of scan JSON whose every passage lies in the footers (the ids as the JSON names them, which
    may be paths: matched by their file name)."""
    def name(doc_id: str) -> str:
        return Path(doc_id).name

    out = []
    for pr in pairs:
        a, b = name(pr["a"]["id"]), name(pr["b"]["id"])
        fa, fb = len(texts[a]) - len(FOOTER), len(texts[b]) - len(FOOTER)
        if all(p["a"]["start"] >= fa - 2 and p["b"]["start"] >= fb - 2 for p in pr["passages"]):
            out.append((a, b))
    return out


def _check_footer_scan(clusters, texts, first: str, copied_len: int) -> None:
    pairs = [pr for c in clusters for pr in c["pairs"]]
    assert _footer_only(pairs, texts) == []  # no two articles are linked through the footer ...
    linked = {tuple(sorted(Path(pr[k]["id"]).name for k in ("a", "b"))): pr for pr in pairs}
    assert set(linked) == {tuple(sorted(("copier.txt", first)))}  # ... only the real copy is
    passages = linked[tuple(sorted(("copier.txt", first)))]["passages"]
    longest = max(p["a"]["end"] - p["a"]["start"] for p in passages)
    assert longest >= 0.8 * copied_len  # through the copied paragraph


@pytest.fixture(scope="module")
def footer_db(footer_dir, tmp_path_factory):
    db = str(tmp_path_factory.mktemp("footer-db") / "footer.unspun")
    assert main(["index", "add", str(footer_dir[0]), "--db", db, "--no-vectors", "--workers", "1"]) == 0
    return db


def test_cli_scan_does_not_link_articles_through_a_shared_footer(footer_dir, footer_db, capsys):
    """Before boilerplate passages were dropped, these 56 articles made one cluster through the footer."""
    d, first, copied_len = footer_dir
    code, out, _err = run(capsys, "scan", "--db", footer_db, "--json", "--no-judge", "--quiet")
    assert code == 0
    clusters = [json.loads(line) for line in out.splitlines() if line.strip()]
    _check_footer_scan(clusters, _texts(d), first, copied_len)
    with Index(footer_db, readonly=True) as ix:  # several processes: the same clusters
        assert [c.to_dict() for c in ix.scan(judge=False, workers=2)] == clusters


def test_check_ignores_a_shared_footer(footer_dir, footer_db):
    """check judges the passages it aligns by the same rule, with the bucket sizes of the index (the query
    counted in): a new article that carries the footer matches nothing; the copier matches what it copies."""
    d, first, _copied_len = footer_dir
    texts = _texts(d)
    unrelated = sorted(CORPUS.glob("pan-01-suspicious-*-unrelated.txt"))[0]
    with Index(footer_db, readonly=True) as ix:
        assert ix.candidates(Document("new.txt", _lead(unrelated) + "\n\n" + FOOTER))  # the footer makes candidates ...
        assert ix.check(Document("new.txt", _lead(unrelated) + "\n\n" + FOOTER), judge=False) == []  # ... in vain
        found = ix.check(Document("again.txt", texts["copier.txt"]), judge=False)
        assert sorted(Path(m.a.id).name for m in found) == sorted(("copier.txt", first))


def test_oversize_keys_agree_with_the_reference(footer_dir, footer_db):
    """The oversize bucket keys of the index's band join and of the executor's band partitions are those of
    :func:`unspun.scan.oversize_keys` over the stage tuples."""
    from unspun.pipeline import Driver
    from unspun.pipeline.batches import BandRows
    from unspun.pipeline.candidates import oversize_of_rows
    from unspun.pipeline.executors import LocalExecutor
    from unspun.pipeline.sources import IndexSource
    from unspun.pipeline.steps import band_join, concat_keys

    from reference import oversize_keys

    import numpy as np

    docs = [Document(n, t) for n, t in _texts(footer_dir[0]).items()]
    records = fingerprint_batch(docs)
    rows = band_rows(records)
    ref = oversize_keys(group_rows(rows))
    assert len(ref) >= 18  # every band of the footer's last window
    ids = [r.id for r in records]
    pos = {x: i for i, x in enumerate(ids)}
    keys = np.array([k for k, _ in rows], dtype=np.int64)
    owners = np.array([pos[x] for _, x in rows], dtype=np.int64)
    assert oversize_of_rows(keys, owners).tolist() == ref.tolist()
    parts = [BandRows(ids, keys[keys % 3 == p], owners[keys % 3 == p]) for p in range(3)]
    joined = concat_keys(*[band_join(2, DEFAULT_PARAMS.candidates, part).oversize for part in parts])
    assert joined.tolist() == ref.tolist()
    with Index(footer_db, readonly=True) as ix:
        with LocalExecutor() as ex:
            driver = Driver(IndexSource(ix), ex, ix.params)
            driver.candidates()
            assert ex.result(driver.oversize).tolist() == ref.tolist()


def test_executor_scan_does_not_link_articles_through_a_shared_footer(footer_dir, tmp_path, capsys):
    """The file scan (the Dask steps on the local executor): the band join passes the oversize bucket keys
    to the align steps, which drop the footer as the embedded scan does."""
    d, first, copied_len = footer_dir
    out_dir = tmp_path / "out"
    code, _out, _err = run(capsys, "scan", str(d), "--out", str(out_dir), "--no-vectors", "--no-judge", "--quiet")
    assert code == 0
    clusters = [json.loads(line) for line in (out_dir / "clusters.jsonl").read_text(encoding="utf-8").splitlines()]
    pairs = [json.loads(line) for p in sorted((out_dir / "pairs").glob("*.jsonl"))
             for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    _check_footer_scan([{"pairs": pairs}], _texts(d), first, copied_len)
    assert [sorted(Path(x).name for x in c["documents"]) for c in clusters] == [sorted(("copier.txt", first))]


def test_boilerplate_filter_agrees_with_the_reference_rule(footer_dir):
    """:class:`unspun.scan.Boilerplate` (held words kept per document) drops exactly the passages that
    :func:`unspun.scan.boilerplate_passages` flags: the footer between two articles, and nothing of a pair
    whose held passages are most of the text (a syndicated copy)."""
    from unspun.align import align
    from unspun.pipeline.boilerplate import Boilerplate

    from reference import boilerplate_passages, oversize_keys

    texts = _texts(footer_dir[0])
    docs = {n: Document(n, t) for n, t in texts.items()}
    records = {r.id: r for r in fingerprint_batch(list(docs.values()))}
    oversize = oversize_keys(group_rows(band_rows(records.values())))
    names = sorted(n for n in texts if n != "copier.txt")
    pairs = [(names[0], names[i]) for i in (1, 2, 3)] + [("copier.txt", footer_dir[1])]
    whole = Document("footer-alone", FOOTER)  # the footer is all of it: held, but not a small part
    bp = Boilerplate(oversize, lambda i: records[i].signatures if i in records else None)
    seen = []
    for a, b in [(docs[x], docs[y]) for x, y in pairs] + [(docs[names[0]], whole)]:
        passages = align(a.text, b.text)
        sb = records[b.id].signatures if b.id in records else fingerprint_batch([b])[0].signatures
        flags = boilerplate_passages(a.text, b.text, passages, records[a.id].signatures, sb, oversize)
        assert bp.drop(a, b, passages) == [p for p, f in zip(passages, flags) if not f]
        seen.append((len(passages), sum(flags)))
    assert seen[:3] == [(1, 1)] * 3  # three article pairs: the footer alone, dropped
    assert seen[3][1] <= 1 and seen[3][0] > seen[3][1]  # the copier keeps what it copied
    assert seen[4] == (1, 0)  # the footer as a whole text is not boilerplate of itself
