"""A story syndicated to more outlets than MAX_BUCKET is found without passage vectors (star evidence), and a
footer shared as widely makes no star candidates.  Real files, the CLI and the public API; no vectors."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from unspun import Document
from unspun.cli import main
from unspun.index import Index
from unspun.scan import MAX_BUCKET, admit_star_pairs, band_rows, candidate_pairs, fingerprint_batch, group_rows, star_pairs

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seeds" / "000_39c885e149670517.txt"
CORPUS = REPO / "examples" / "corpus"
COPIES = 80
FOOTER = ("This article is distributed by the Regional News Exchange under a shared licence agreement. "
          "Reproduction in whole or in part without written permission of the publisher is prohibited. "
          "Readers with corrections or complaints should write to the standards editor of the member paper.")


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
    found = json.loads(out)
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
        assert with_star == ix.candidate_pairs(verify=False, min_share=2.0)  # 2.0: no star pair admitted
