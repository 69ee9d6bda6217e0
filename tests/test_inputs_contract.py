"""What the public surface takes, and what it never does silently.

* ``unspun.compare`` takes texts or Documents: a path, or a string that is a file name, is refused with a
  pointer to ``compare_files`` / ``Document.from_path`` (never compared as if it were the text);
* ``compare_files`` and ``Document.from_path`` read files of any ingest format and name an unreadable one;
* ``--html notes.html`` never overwrites a ``notes.json`` (or a page) that is not an unspun report, and never
  makes a missing directory; a report unspun wrote there before is replaced.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import unspun
from unspun import Document, InputError

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO / "tests" / "data" / "seeds").glob("*.txt"))


def cli(*argv, **kw):
    return subprocess.run([sys.executable, "-m", "unspun", *map(str, argv)], capture_output=True, text=True, **kw)


@pytest.mark.parametrize("a", ["original.html", "copy.txt", str(SEEDS[0]), SEEDS[0]])
def test_compare_refuses_file_names(a):
    with pytest.raises(InputError, match="a file name, not a text.*compare_files"):
        unspun.compare(a, "Some text of the copy, with spaces in it.")
    with pytest.raises(InputError, match="compare_files"):
        unspun.compare("Some text of the original, with spaces.", a)


def test_compare_files_and_from_path(tmp_path):
    m = unspun.compare_files(SEEDS[0], SEEDS[1], judge=False)
    direct = unspun.compare(SEEDS[0].read_text(), SEEDS[1].read_text(), judge=False)
    assert m.a.id == str(SEEDS[0]) and m.passages and m.coverage_b == pytest.approx(direct.coverage_b, abs=1e-3)
    page = tmp_path / "original.html"
    page.write_text("<html><body><article><p>" + SEEDS[0].read_text().replace("\n\n", "</p><p>")
                    + "</p></article></body></html>")
    doc = Document.from_path(page)
    assert doc.id == str(page) and "html" in doc.meta.get("format", "") and len(doc.text) > 200
    with pytest.raises(InputError, match=r"missing\.txt"):
        unspun.compare_files(SEEDS[0], tmp_path / "missing.txt")
    assert unspun.compare("word", "word", judge=False).a.id == "a"  # a one-word text is still a text


def test_html_never_overwrites_a_foreign_twin_nor_makes_directories(tmp_path):
    a, b = SEEDS
    notes_json = tmp_path / "notes.json"
    notes_json.write_text('{"mine": "precious"}\n')
    p = cli("compare", a, b, "--html", tmp_path / "notes.html", "--no-judge")
    assert p.returncode == 2 and "notes.json" in p.stderr and "not overwritten" in p.stderr, p.stderr
    assert notes_json.read_text() == '{"mine": "precious"}\n' and not (tmp_path / "notes.html").exists()

    mine = tmp_path / "mine.html"
    mine.write_text("<html><body>my own page</body></html>")
    p = cli("compare", a, b, "--html", mine, "--no-judge")
    assert p.returncode == 2 and "not a report unspun wrote" in p.stderr and mine.read_text().endswith("page</body></html>")

    p = cli("compare", a, b, "--html", tmp_path / "no" / "such" / "dir" / "x.html", "--no-judge")
    assert p.returncode == 2 and "no such directory" in p.stderr and not (tmp_path / "no").exists()

    # a report unspun wrote is replaced by the next run
    out = tmp_path / "pair.html"
    assert cli("compare", a, b, "--html", out, "--no-judge").returncode == 0
    first = json.loads((tmp_path / "pair.json").read_text())
    p = cli("compare", a, b, "--html", out, "--no-judge")
    assert p.returncode == 0 and json.loads((tmp_path / "pair.json").read_text()) == first


def test_scan_html_directory_rules(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for s in SEEDS:
        (docs / s.name).write_text(s.read_text())
    db = tmp_path / "i.unspun"
    assert cli("index", "add", docs, "--db", db, "--no-vectors").returncode == 0
    p = cli("scan", "--db", db, "--html", tmp_path / "missing" / "report", "--no-judge", "--quiet")
    assert p.returncode == 2 and "no such directory" in p.stderr and not (tmp_path / "missing").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    p = cli("scan", "--db", db, "--html", other, "--no-judge", "--quiet")
    assert p.returncode == 2 and "not an unspun scan report" in p.stderr and sorted(x.name for x in other.iterdir()) == ["notes.txt"]
    report = tmp_path / "report"
    for _ in range(2):  # made once (its parent exists), then replaced
        p = cli("scan", "--db", db, "--html", report, "--no-judge", "--quiet")
        assert p.returncode == 0 and (report / "index.html").is_file(), p.stderr


def test_a_refused_report_target_is_refused_before_the_work(tmp_path):
    """``--html`` at a file or directory unspun would not write is refused first: the error names the
    report target, not the unreadable input (which is only read after), and a scan starts no progress."""
    a, _ = SEEDS
    unreadable = tmp_path / "blob.bin"
    unreadable.write_bytes(b"\x00\x01\x02" * 1000)
    mine = tmp_path / "mine.html"
    mine.write_text("<html><body>my own page</body></html>")
    for argv in (("compare", a, unreadable), ("check", unreadable, "--db", tmp_path / "none.unspun")):
        p = cli(*argv, "--html", mine)
        assert p.returncode == 2 and "mine.html" in p.stderr and "not a report unspun wrote" in p.stderr, p.stderr
        assert "blob.bin" not in p.stderr and "none.unspun" not in p.stderr
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    p = cli("scan", "--db", tmp_path / "none.unspun", "--html", other)
    assert p.returncode == 2 and "not an unspun scan report" in p.stderr and "none.unspun" not in p.stderr, p.stderr
    p = cli("scan", a, "--out", tmp_path / "out", "--html", other)
    assert p.returncode == 2 and "not an unspun scan report" in p.stderr and not (tmp_path / "out").exists(), p.stderr
