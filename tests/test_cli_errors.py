"""Index file names and the errors a person can act on, through the real CLI (new processes).

* ``--db`` is a file name, never a URI: ``news#A.unspun``, ``x?mode=memory``, ``a%20b.unspun`` are files
  of exactly those names (``a%20b.unspun`` is not ``a b.unspun``; ``?mode=memory`` is not in memory);
* a full disk during ``index add`` exits 2 with one line naming the index and saying the disk is full,
  and the index stays sound (whole batches only);
* a sound index on a read-only filesystem answers ``check``, ``scan`` and ``index stats``; ``index add``
  and ``rm`` there exit 2 saying it cannot be written.

The full disk and the read-only filesystem are real: a small tmpfs mounted in a private mount namespace
(``unshare -rm``); the tests are skipped where that is not allowed.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO / "tests" / "data" / "seeds").glob("*.txt"))
PIECES = sorted((REPO / "tests" / "data" / "pan13-pieces").glob("*.txt"))


def cli(*argv, **kw):
    return subprocess.run([sys.executable, "-m", "unspun", *map(str, argv)], capture_output=True, text=True, **kw)


def one_line_error(p: subprocess.CompletedProcess) -> str:
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    lines = [x for x in p.stderr.splitlines() if x.startswith("unspun: error: ")]
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    return lines[0]


@pytest.mark.parametrize("name", ["news#A.unspun", "x?mode=memory", "a%20b.unspun", "q?immutable=1&mode=ro#f"])
def test_db_names_are_file_names(tmp_path, name):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copyfile(SEEDS[0], docs / "original.txt")
    p = cli("index", "add", docs, "--db", name, "--no-vectors", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / name).is_file()  # exactly that name, nothing else made in its place
    made = {q.name for q in tmp_path.iterdir()} - {"docs"}
    assert all(m.startswith(name) for m in made), made
    # on disk, not in memory: a second run finds the document
    p = cli("index", "add", docs, "--db", name, "--no-vectors", cwd=tmp_path)
    assert p.returncode == 0 and "unchanged 1" in p.stdout, p.stdout
    p = cli("check", SEEDS[1], "--db", name, "--json", "--no-judge", cwd=tmp_path)
    assert p.returncode == 0 and json.loads(p.stdout)["matches"][0]["a"]["id"] == "original.txt"


def test_percent_name_is_not_the_decoded_name(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    shutil.copyfile(SEEDS[0], tmp_path / "one" / "a.txt")
    for p in PIECES[:2]:
        shutil.copyfile(p, tmp_path / "two" / p.name)
    assert cli("index", "add", "one", "--db", "a b.unspun", "--no-vectors", cwd=tmp_path).returncode == 0
    assert cli("index", "add", "two", "--db", "a%20b.unspun", "--no-vectors", cwd=tmp_path).returncode == 0
    counts = []
    for name in ("a b.unspun", "a%20b.unspun"):
        p = cli("index", "stats", "--db", name, "--json", cwd=tmp_path)
        counts.append(json.loads(p.stdout)["documents"])
    assert counts == [1, 2]
    one_line_error(cli("index", "stats", "--db", "a%2520b.unspun", cwd=tmp_path))  # no such file: not created


_MOUNTED = textwrap.dedent("""
    import json, subprocess, sys
    mnt, size, steps = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", mnt], check=True)
    out = []
    for step in steps:
        if step[0] == "sh":
            p = subprocess.run(step[1], shell=True, capture_output=True, text=True)
        else:
            p = subprocess.run([sys.executable, "-m", "unspun", *step], capture_output=True, text=True)
        out.append({"argv": step, "rc": p.returncode, "out": p.stdout, "err": p.stderr})
    print(json.dumps(out))
""")


def mounted(tmp_path: Path, size: str, steps: list[list[str]]) -> tuple[Path, list[dict]]:
    """Run ``steps`` (CLI argv lists, or ``["sh", command]``) with a tmpfs of ``size`` mounted at
    ``tmp_path/mnt`` in a private mount namespace; returns the mount point and each step's result."""
    if shutil.which("unshare") is None:
        pytest.skip("no unshare")
    mnt = tmp_path / "mnt"
    mnt.mkdir(exist_ok=True)
    probe = subprocess.run(["unshare", "-rm", "mount", "-t", "tmpfs", "tmpfs", str(mnt)], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot mount a tmpfs in a private namespace here")
    p = subprocess.run(["unshare", "-rm", sys.executable, "-c", _MOUNTED, str(mnt), size, json.dumps(steps)],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    return mnt, json.loads(p.stdout)


def test_disk_full_and_read_only_filesystem(tmp_path):
    first, more = tmp_path / "first", tmp_path / "more"
    first.mkdir()
    more.mkdir()
    shutil.copyfile(SEEDS[0], first / "original.txt")
    for p in PIECES[:4]:
        shutil.copyfile(p, first / p.name)
    for p in PIECES[4:]:
        shutil.copyfile(p, more / p.name)
    built = tmp_path / "built"
    built.mkdir()
    assert cli("index", "add", first, "--db", built / "i.unspun", "--no-vectors").returncode == 0
    size = sum(p.stat().st_size for p in built.iterdir())
    mnt = tmp_path / "mnt"
    db, kept = mnt / "i.unspun", tmp_path / "after"
    kept.mkdir()
    _, (cp, full, stats_full, check_full, rm_full, save, ro, stats_ro, check_ro, scan_ro, add_ro, rm_ro) = mounted(
        tmp_path, f"{size + 96 * 1024}", [
            ["sh", f"cp {built}/* {mnt}/"],
            ["index", "add", str(more), "--db", str(db), "--no-vectors", "--batch-size", "20", "--workers", "1"],
            ["index", "stats", "--db", str(db), "--json"],
            ["check", str(SEEDS[1]), "--db", str(db), "--json", "--no-judge"],
            ["index", "rm", PIECES[1].name, "--db", str(db)],  # on the full disk: done, or a disk-full line
            ["sh", f"cp {mnt}/i.unspun {kept}/ && mount -o remount,ro {mnt}"],
            ["sh", f"touch {mnt}/x"],
            ["index", "stats", "--db", str(db), "--json"],
            ["check", str(SEEDS[1]), "--db", str(db), "--json", "--no-judge"],
            ["scan", "--db", str(db), "--json", "--no-judge", "--quiet"],
            ["index", "add", str(more), "--db", str(db), "--no-vectors"],
            ["index", "rm", "original.txt", "--db", str(db)],
        ])
    assert cp["rc"] == 0 and save["rc"] == 0, (cp, save)
    # the full disk: one line naming the index, exit 2, and the batches committed before it are whole
    line = one_line_error(subprocess.CompletedProcess([], full["rc"], full["out"], full["err"]))
    assert str(db) in line and "disk is full" in line, line
    assert stats_full["rc"] == 0, stats_full["err"]
    n = json.loads(stats_full["out"])["documents"]
    assert n >= 5 and (n - 5) % 20 == 0, n
    assert check_full["rc"] == 0 and json.loads(check_full["out"])["matches"][0]["a"]["id"] == "original.txt"
    if rm_full["rc"] == 0:
        n -= 1
    else:
        line = one_line_error(subprocess.CompletedProcess([], rm_full["rc"], rm_full["out"], rm_full["err"]))
        assert str(db) in line and "disk is full" in line, line
    con = sqlite3.connect(kept / "i.unspun")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == n
    assert con.execute("SELECT COUNT(*) FROM signatures").fetchone()[0] == n
    con.close()
    # the read-only filesystem: readers answer, writers get one line saying it cannot be written
    assert ro["rc"] != 0 and "Read-only" in ro["err"]
    assert stats_ro["rc"] == 0 and json.loads(stats_ro["out"])["documents"] == n, stats_ro["err"]
    assert check_ro["rc"] == 0 and json.loads(check_ro["out"])["matches"][0]["a"]["id"] == "original.txt", check_ro["err"]
    assert scan_ro["rc"] == 0, scan_ro["err"]
    for p in (add_ro, rm_ro):
        line = one_line_error(subprocess.CompletedProcess([], p["rc"], p["out"], p["err"]))
        assert str(db) in line and ("read-only" in line or "cannot write" in line or "cannot be written" in line), line
