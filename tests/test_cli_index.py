"""``unspun index add|rm|ls|stats``, ``unspun check`` and ``unspun scan`` on real files, and their progress."""
from __future__ import annotations

import json
import re
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


# ------------------------------------------------------------------ index ls, index stats in words, progress


def cli(*argv: str, **kw) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "unspun", *argv], capture_output=True, text=True, timeout=600, **kw)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    return p


def test_ls_and_stats_in_words(tmp_path, corpus):
    db = str(tmp_path / "idx.unspun")
    cli("index", "add", str(corpus), "--db", db, "--no-vectors", "--quiet")
    docs = [json.loads(line) for line in cli("index", "ls", "--db", db, "--json").stdout.splitlines()]
    ids = cli("index", "ls", "--db", db).stdout.splitlines()
    assert ids == sorted(ids) == [d["id"] for d in docs] and len(ids) == 9 and "original.txt" in ids
    assert all(d["length"] > 0 and "text" not in d for d in docs)
    assert cli("index", "ls", "pan-01-*", "--db", db).stdout.splitlines() == [i for i in ids if i.startswith("pan-01-")]
    assert cli("index", "ls", "nothing-like-this*", "--db", db).stdout == ""

    internals = json.loads(cli("index", "stats", "--db", db, "--json").stdout)
    assert internals["documents"] == 9 and internals["characters"] == sum(d["length"] for d in docs)
    text = cli("index", "stats", "--db", db).stdout
    rows = dict(line.split(":", 1) for line in text.splitlines() if not line.startswith("("))
    assert set(rows) == {"index", "documents", "size on disk", "vectors", "fingerprints"}
    assert rows["documents"].split() == ["9", f"({internals['characters']:,}", "characters)"]
    size = internals["bytes_on_disk"]
    shown = float(rows["size on disk"].split()[0])
    unit = rows["size on disk"].split()[1]
    assert abs(shown * {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit] - size) <= 0.05 * (1 << {"KiB": 10, "MiB": 20, "GiB": 30}[unit])
    assert rows["vectors"].strip().startswith("no (made with --no-vectors")
    fp = internals["params"]
    assert f"windows of {fp['window']} " in rows["fingerprints"] and f"in {fp['bands']} bands" in rows["fingerprints"]
    for internal in ("band_rows", "generation", "{", "num_perm", "'"):
        assert internal not in text


def test_progress_is_plain_lines_in_a_pipe_and_none_with_quiet(tmp_path, corpus):
    shutil.copyfile(SEEDS[1], corpus / "spun.txt")  # something for the scan to align
    db = str(tmp_path / "idx.unspun")
    add = cli("index", "add", str(corpus), "--db", db, "--no-vectors")
    lines = add.stderr.splitlines()
    total = sum(p.stat().st_size for p in corpus.iterdir())
    assert 1 <= len(lines) <= 10 and all(line.startswith("index add") for line in lines)
    assert not any("(0%)" in line or line.startswith("index add: 0 ") for line in lines)  # none before any work
    assert "(100%)" in lines[-1] and "10 documents" in lines[-1] and " of " in lines[-1] and " in all" in lines[-1]
    assert f"{total / 1024:.1f} KiB (100%)" in lines[-1]  # the total: every input file, in bytes
    scan = cli("scan", "--db", db, "--no-judge").stderr.splitlines()
    assert scan and all(line.startswith("scan ") for line in scan)
    assert any(re.match(r"scan align: (\d+) of \1 candidate pairs \(100%\)", line) for line in scan), scan
    assert cli("index", "add", str(corpus), "--db", db, "--quiet").stderr == ""
    assert cli("scan", "--db", db, "--quiet", "--no-judge").stderr == ""


def on_a_terminal(*argv: str, columns: int = 100) -> tuple[str, str]:
    """Run the CLI with stderr on a pseudo-terminal ``columns`` wide (0: one that reports no size): what it
    drew there, and its stdout."""
    import fcntl
    import os
    import pty
    import struct
    import termios
    import threading

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40 if columns else 0, columns, 0, 0))
    p = subprocess.Popen([sys.executable, "-m", "unspun", *argv], stdout=subprocess.PIPE, stderr=slave,
                         stdin=subprocess.DEVNULL, env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    os.close(slave)
    drawn = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed
                return
            if not chunk:
                return
            drawn.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    stdout = p.stdout.read().decode("utf-8")
    assert p.wait(timeout=600) == 0
    reader.join(timeout=30)
    os.close(master)
    return drawn.decode("utf-8", "replace"), stdout


def test_progress_on_a_terminal_is_one_bar_with_total_and_time_left(tmp_path, corpus):
    shutil.copyfile(SEEDS[1], corpus / "spun.txt")
    db = str(tmp_path / "idx.unspun")
    runs = [(("index", "add", str(corpus), "--db", db, "--no-vectors"), 100), (("scan", "--db", db, "--no-judge"), 100),
            (("scan", "--db", db, "--no-judge"), 0)]  # a terminal that reports no size: 80 columns
    for argv, columns in runs:
        drawn, stdout = on_a_terminal(*argv, columns=columns)
        assert "\n" not in drawn  # redrawn in place (carriage returns), never a new line
        frames = [f for f in drawn.split("\r") if f.strip()]
        bars = [f for f in frames if "%|" in f]
        assert bars, frames
        assert all(len(f) <= (columns or 80) for f in frames)  # within the terminal's width
        last = bars[-1]
        assert re.search(r"100%\|█+\| \S+/\S+", last) and " so far, " in last and " left" in last, last
        assert "/s" not in last  # no rate (the stages report their work in steps)
        assert drawn.rstrip("\r").split("\r")[-1].strip() == ""  # the bar taken off before the result
        assert "%|" not in stdout and stdout.strip()  # the result on stdout, the bar only on the terminal
    drawn, _ = on_a_terminal("scan", "--db", db, "--no-judge", "--quiet")
    assert drawn == ""


def run_cli(*argv, **kw):
    """The real CLI in a new process."""
    return subprocess.run([sys.executable, "-m", "unspun", *map(str, argv)], capture_output=True, text=True, **kw)


def test_ids_unique_across_roots_and_replacements_reported(tmp_path):
    story_a = "The mayor said on Tuesday that the old bridge would reopen in May after repairs costing four million."
    story_b = "A storm closed the harbour on Friday and the fishermen stayed ashore while the council met about it."
    for site, text in (("siteA", story_a), ("siteB", story_b)):
        (tmp_path / site / "news").mkdir(parents=True)
        (tmp_path / site / "news" / "story.txt").write_text(text)
    db = tmp_path / "two.unspun"
    p = run_cli("index", "add", "siteA", "siteB", "--db", db, "--no-vectors", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "added 2, updated 0" in p.stdout and "replaced" not in p.stdout
    with Index(db, readonly=True) as ix:
        assert sorted(ix.ids()) == ["siteA/news/story.txt", "siteB/news/story.txt"]
        assert ix.get("siteB/news/story.txt").text.strip() == story_b

    # one root at a time: both files get the id news/story.txt, and the summary says the second replaced the first
    db1 = tmp_path / "one.unspun"
    assert run_cli("index", "add", tmp_path / "siteA", "--db", db1, "--no-vectors").returncode == 0
    p = run_cli("index", "add", tmp_path / "siteB", "--db", db1, "--no-vectors")
    assert p.returncode == 0 and "updated 1" in p.stdout
    line = next(x for x in p.stdout.splitlines() if x.strip().startswith("news/story.txt:"))
    assert "siteA" in line and "siteB" in line and "replaced" in line
    # re-adding an edited file from the same source is an ordinary update, not reported as a replacement
    (tmp_path / "siteB" / "news" / "story.txt").write_text(story_b.replace("Friday", "Saturday"))
    p = run_cli("index", "add", tmp_path / "siteB", "--db", db1, "--no-vectors")
    assert p.returncode == 0 and "updated 1" in p.stdout and "replaced" not in p.stdout

    # the same id twice in one input: one stored, and the summary says so
    src = tmp_path / "dup.jsonl"
    src.write_text(json.dumps({"id": "x", "text": story_a}) + "\n" + json.dumps({"id": "x", "text": story_b}) + "\n")
    p = run_cli("index", "add", src, "--db", tmp_path / "dup.unspun", "--no-vectors")
    assert p.returncode == 0 and "added 1" in p.stdout and "2 documents ingested" in p.stdout
    assert any(x.strip().startswith("x:") and "replaced" in x for x in p.stdout.splitlines()), p.stdout


def test_an_add_that_reads_nothing_creates_no_index(tmp_path):
    """Every input unreadable and no index yet: exit 2 naming the file, and no index file (nor lock) left behind;
    an existing index is kept as it was."""
    (tmp_path / "empty.txt").write_text("")
    db = tmp_path / "new.unspun"
    p = subprocess.run([sys.executable, "-m", "unspun", "index", "add", str(tmp_path / "empty.txt"), "--db", str(db)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 2 and "empty.txt: the file is empty" in p.stderr and "Traceback" not in p.stderr
    assert not list(tmp_path.glob("new.unspun*"))
