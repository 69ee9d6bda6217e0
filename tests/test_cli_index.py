"""``unspun index add|rm|stats``, ``unspun check`` and ``unspun scan`` on real files."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from unspun.cli import main
from unspun.index import Index

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO / "tests" / "data" / "seeds").glob("*.txt"))
CORPUS = REPO / "tests" / "data" / "pan13-pieces"


@pytest.fixture()
def corpus(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    shutil.copyfile(SEEDS[0], d / "original.txt")
    for p in sorted(CORPUS.glob("pan-01-*"))[:8]:
        shutil.copyfile(p, d / p.name)
    (d / "empty.txt").write_bytes(b"")
    (d / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return d


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_stats_check_scan_rm(tmp_path, corpus, capsys):
    db = str(tmp_path / "idx.unspun")
    code, out, err = run(capsys, "index", "add", str(corpus), "--db", db, "--no-vectors")
    assert code == 0
    assert "added 9, updated 0, unchanged 0" in out
    assert "2 skipped" in out and "empty.txt" in out and "image.txt" in out  # the bad-file summary, with reasons

    code, out, _ = run(capsys, "index", "add", str(corpus), "--db", db)
    assert code == 0 and "added 0, updated 0, unchanged 9" in out

    code, out, _ = run(capsys, "index", "stats", "--db", db, "--json")
    stats = json.loads(out)
    assert stats["documents"] == 9 and stats["band_rows"] > 0 and stats["embedder"] == "none"

    code, out, _ = run(capsys, "check", str(SEEDS[1]), "--db", db, "--json", "-k", "3", "--no-judge")
    matches = json.loads(out)["matches"]
    assert code == 0 and matches and matches[0]["a"]["id"] == "original.txt"
    assert matches[0]["passages"] and matches[0]["coverage_b"] > 0.3

    code, out, _ = run(capsys, "check", str(SEEDS[1]), "--db", db, "--no-judge")
    assert code == 0 and "original.txt" in out and "A[" in out

    # the spun copy joins the corpus: scan links it to its original
    shutil.copyfile(SEEDS[1], corpus / "spun.txt")
    code, out, _ = run(capsys, "index", "add", str(corpus), "--db", db)
    assert "added 1, updated 0, unchanged 9" in out
    code, out, err = run(capsys, "scan", "--db", db, "--json", "--no-judge")
    assert code == 0
    clusters = [json.loads(line) for line in out.splitlines()]
    assert any({"original.txt", "spun.txt"} <= set(c["documents"]) for c in clusters)
    for c in clusters:
        for p in c["pairs"]:
            assert set(p) >= {"a", "b", "passages", "coverage_a", "coverage_b", "original", "distortions"}
    assert "candidate pairs" in err  # progress on stderr, not mixed with the JSON

    code, out, _ = run(capsys, "scan", "--db", db, "--min-coverage", "0.99", "--no-judge", "--quiet")
    assert code == 0 and "no reuse found" in out

    code, out, err = run(capsys, "index", "rm", "original.txt", "nope", "--db", db)
    assert code == 1 and "removed 1" in out and "nope" in err
    code, out, _ = run(capsys, "check", str(SEEDS[1]), "--db", db, "--json", "--no-judge")
    assert all(m["a"]["id"] != "original.txt" for m in json.loads(out)["matches"])


def test_jsonl_fields(tmp_path, capsys):
    src = tmp_path / "docs.jsonl"
    lines = [
        {"uid": "one", "body": SEEDS[0].read_text()},
        {"uid": "two", "body": "Something else entirely, about the weather in Lisbon in May."},
    ]
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n")
    db = str(tmp_path / "j.unspun")
    code, out, _ = run(capsys, "index", "add", str(src), "--db", db, "--text-field", "body", "--id-field", "uid", "--no-vectors")
    assert code == 0 and "added 2" in out and "1 skipped" in out
    code, out, _ = run(capsys, "check", str(SEEDS[1]), "--db", db, "--json", "--no-judge")
    assert json.loads(out)["matches"][0]["a"]["id"] == "one"


def test_bad_index_file_is_one_line_exit_2(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite at all\n")
    for argv in (["index", "stats", "--db", str(junk)], ["scan", "--db", str(junk)],
                 ["check", str(SEEDS[1]), "--db", str(junk)], ["index", "stats", "--db", str(tmp_path / "missing.db")]):
        p = subprocess.run([sys.executable, "-m", "unspun", *argv], capture_output=True, text=True)
        assert p.returncode == 2, p.stderr
        assert p.stderr.count("\n") == 1 and p.stderr.startswith("unspun: error: ") and "Traceback" not in p.stderr


def cli(*argv, **kw):
    """The real CLI in a new process."""
    return subprocess.run([sys.executable, "-m", "unspun", *map(str, argv)], capture_output=True, text=True, **kw)


def test_ids_unique_across_roots_and_replacements_reported(tmp_path):
    story_a = "The mayor said on Tuesday that the old bridge would reopen in May after repairs costing four million."
    story_b = "A storm closed the harbour on Friday and the fishermen stayed ashore while the council met about it."
    for site, text in (("siteA", story_a), ("siteB", story_b)):
        (tmp_path / site / "news").mkdir(parents=True)
        (tmp_path / site / "news" / "story.txt").write_text(text)
    db = tmp_path / "two.unspun"
    p = cli("index", "add", "siteA", "siteB", "--db", db, "--no-vectors", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "added 2, updated 0" in p.stdout and "replaced" not in p.stdout
    with Index(db, readonly=True) as ix:
        assert sorted(ix.ids()) == ["siteA/news/story.txt", "siteB/news/story.txt"]
        assert ix.get("siteB/news/story.txt").text.strip() == story_b

    # one root at a time: both files get the id news/story.txt, and the summary says the second replaced the first
    db1 = tmp_path / "one.unspun"
    assert cli("index", "add", tmp_path / "siteA", "--db", db1, "--no-vectors").returncode == 0
    p = cli("index", "add", tmp_path / "siteB", "--db", db1, "--no-vectors")
    assert p.returncode == 0 and "updated 1" in p.stdout
    line = next(x for x in p.stdout.splitlines() if x.strip().startswith("news/story.txt:"))
    assert "siteA" in line and "siteB" in line and "replaced" in line
    # re-adding an edited file from the same source is an ordinary update, not reported as a replacement
    (tmp_path / "siteB" / "news" / "story.txt").write_text(story_b.replace("Friday", "Saturday"))
    p = cli("index", "add", tmp_path / "siteB", "--db", db1, "--no-vectors")
    assert p.returncode == 0 and "updated 1" in p.stdout and "replaced" not in p.stdout

    # the same id twice in one input: one stored, and the summary says so
    src = tmp_path / "dup.jsonl"
    src.write_text(json.dumps({"id": "x", "text": story_a}) + "\n" + json.dumps({"id": "x", "text": story_b}) + "\n")
    p = cli("index", "add", src, "--db", tmp_path / "dup.unspun", "--no-vectors")
    assert p.returncode == 0 and "added 1" in p.stdout and "2 documents ingested" in p.stdout
    assert any(x.strip().startswith("x:") and "replaced" in x for x in p.stdout.splitlines()), p.stdout
