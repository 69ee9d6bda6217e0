"""What ``unspun scan`` prints, through the real CLI on real files: a headline, one summary line per cluster
(named original and distortions first), then the pairs of the top clusters; the same cluster and pair numbers
in the text, ``--json`` and ``--html``; the seed pair's cluster on the first screen of README command 1."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "corpus"
PIECES = ROOT / "tests" / "data" / "pan13-pieces"
SEEDS = ("seed-000_39c885e149670517.txt", "seed-002_9a117862eab7609d.txt")
ENV = {**os.environ, "COLUMNS": "120"}


def unspun(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "unspun", *args], capture_output=True, text=True, env=ENV, timeout=600)
    if check:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def example_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("example") / "example.unspun")
    unspun("index", "add", str(EXAMPLES), "--db", db)
    return db


@pytest.fixture(scope="module")
def mixed_db(tmp_path_factory) -> str:
    """The example corpus and PAN 2013 fragments (plain text, no dates or credits: originals mostly unknown)."""
    folder = tmp_path_factory.mktemp("mixed")
    shutil.copytree(EXAMPLES, folder / "news")
    shutil.copytree(PIECES, folder / "pan", ignore=lambda d, names: [n for n in names if not n.startswith("pan-02")])
    db = str(folder / "mixed.unspun")
    unspun("index", "add", str(folder / "news"), str(folder / "pan"), "--db", db)
    return db


# ------------------------------------------------------------------ a naive reference of the summary and the order


def reference_summary(cluster: dict) -> dict:
    """A cluster's summary line, worked out from its JSON: the original is the one document that is the
    original of some pair and the copy of none."""
    orig, copy = set(), set()
    for p in cluster["pairs"]:
        if p["original"] != "unknown":
            o, c = (p["a"]["id"], p["b"]["id"]) if p["original"] == "a" else (p["b"]["id"], p["a"]["id"])
            orig.add(o)
            copy.add(c)
    roots = orig - copy
    sev = [d["severity"] for p in cluster["pairs"] for d in p["distortions"]]
    return {
        "docs": len(cluster["documents"]),
        "pairs": len(cluster["pairs"]),
        "best": max(max(p["coverage_a"], p["coverage_b"]) for p in cluster["pairs"]),
        "high": sev.count("high"),
        "medium": sev.count("medium"),
        "original": roots.pop() if len(roots) == 1 else None,
    }


def group(s: dict) -> int:
    distorted = s["high"] + s["medium"] > 0
    return [[3, 2], [1, 0]][distorted][s["original"] is not None]


ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%\s+(\d+)\s+(\d+)\s+(.*)$")


def summary_rows(text: str) -> list[tuple[int, ...]]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["#", "docs"]) + 1
    rows = []
    for line in lines[start:]:
        m = ROW.match(line)
        if not m:
            break
        rows.append((*map(int, m.groups()[:6]), m.group(7)))
    return rows


def check_summary_against_json(text: str, clusters: list[dict], total_docs: int) -> None:
    refs = [reference_summary(c) for c in clusters]
    rows = summary_rows(text)
    assert len(rows) == len(clusters)
    head = text.splitlines()[0]
    linked = len({d for c in clusters for d in c["documents"]})
    assert f": {len(clusters)} clusters of reused text, {linked} of {total_docs} documents in them, " \
           f"{sum(r['pairs'] for r in refs)} linked pairs" in head
    for n, (row, ref, c) in enumerate(zip(rows, refs, clusters), 1):
        assert row[:6] == (n, ref["docs"], ref["pairs"], round(100 * ref["best"]), ref["high"], ref["medium"])
        if ref["original"] is None:
            assert row[6].startswith("unknown: " + c["documents"][0])
        else:
            assert row[6].startswith(ref["original"] + " → ")
    # the order: a named original with distortions, distortions, a named original, the rest; then by the counts
    keys = [(group(r), -r["high"], -r["medium"], -r["docs"]) for r in refs]
    assert keys == sorted(keys)


# ------------------------------------------------------------------ README command 1


def test_readme_command_1_puts_the_seed_cluster_on_the_first_screen(example_db):
    r = unspun("scan", "--db", example_db)
    first = r.stdout.splitlines()[:80]
    seed_rows = [line for line in first if SEEDS[0] in line and SEEDS[1] in line]
    assert seed_rows and ROW.match(seed_rows[0]), "the seed pair's summary line is not in the first 80 lines"
    assert "Traceback" not in r.stderr


def test_summary_lines_match_the_json_clusters(example_db, mixed_db):
    for db, total in ((example_db, 42), (mixed_db, 42 + len(list(PIECES.glob("pan-02*"))))):
        text = unspun("scan", "--db", db, "--quiet").stdout
        clusters = [json.loads(line) for line in unspun("scan", "--db", db, "--json", "--quiet").stdout.splitlines()]
        check_summary_against_json(text, clusters, total)


def test_mixed_corpus_puts_named_originals_with_distortions_first(mixed_db):
    clusters = [json.loads(line) for line in unspun("scan", "--db", mixed_db, "--json", "--quiet").stdout.splitlines()]
    groups = [group(reference_summary(c)) for c in clusters]
    assert groups == sorted(groups) and groups[0] == 0
    assert len(set(groups)) >= 2  # the PAN fragments' clusters (no dates, no credits) come after the news copies
    # two roots given: ids carry the root's name (news/seed-000_….txt)
    seed = next(n for n, c in enumerate(clusters, 1) if {f"news/{s}" for s in SEEDS} <= set(c["documents"]))
    assert groups[seed - 1] == 0


def test_cluster_and_pair_numbers_are_the_same_in_text_json_and_html(example_db, tmp_path):
    text = unspun("scan", "--db", example_db, "--details", "--quiet").stdout
    clusters = [json.loads(line) for line in unspun("scan", "--db", example_db, "--json", "--quiet").stdout.splitlines()]
    html = tmp_path / "report"
    r = unspun("scan", "--db", example_db, "--html", str(html), "--quiet")
    assert r.stdout.strip() == f"wrote {html / 'index.html'}: {len(clusters)} clusters, " \
                               f"{sum(len(c['pairs']) for c in clusters)} pairs"
    twin = json.loads((html / "scan.json").read_text(encoding="utf-8"))
    assert [c["documents"] for c in twin["clusters"]] == [c["documents"] for c in clusters]
    page = (html / "index.html").read_text(encoding="utf-8")
    # text: "=== cluster n of N" lists the documents, "--- pair k" the pair the report's pairs/k page shows
    blocks = re.split(r"^=== cluster ", text, flags=re.M)[1:]
    assert len(blocks) == len(clusters)
    k = 0
    for n, (block, c) in enumerate(zip(blocks, clusters), 1):
        assert block.startswith(f"{n} of {len(clusters)}: ")
        listed = [line.split()[0] for line in block.splitlines()[1:] if line.startswith("  ") and not line.startswith("  -")]
        assert listed[: len(c["documents"])] == c["documents"]
        section = page[page.index(f'id="cluster-{n}"'):]
        section = section[: section.index("</section>")]
        assert all(d in section for d in c["documents"])
        for p in c["pairs"]:
            k += 1
            head = block[block.index(f"--- pair {k} (cluster {n})"):].splitlines()
            assert head[1].startswith(f"A: {p['a']['id']}  (") and head[2].startswith(f"B: {p['b']['id']}  (")
            pair_json = json.loads((html / "pairs" / f"{k:05d}.json").read_text(encoding="utf-8"))
            assert (pair_json["a"]["id"], pair_json["b"]["id"]) == (p["a"]["id"], p["b"]["id"])


def test_top_and_details_choose_how_many_clusters_are_shown_in_full(example_db):
    n = len(unspun("scan", "--db", example_db, "--json", "--quiet").stdout.splitlines())
    assert n > 3
    for args, shown in ((["--top", "0"], 0), ([], 3), (["--top", "1"], 1), (["--details"], n), (["--top", str(n + 5)], n)):
        out = unspun("scan", "--db", example_db, "--quiet", *args).stdout
        assert len(re.findall(r"^=== cluster \d+ of \d+: ", out, flags=re.M)) == shown, args
        assert len(summary_rows(out)) == n
        if 0 < shown < n:
            assert f"{n - shown} more clusters in the summary above: --details" in out
    r = unspun("scan", "--db", example_db, "--top", "-1", check=False)
    assert r.returncode == 2 and r.stderr.strip() == "unspun: error: --top must be 0 or more, not -1"


def test_no_reuse_says_so_in_one_line(tmp_path):
    (tmp_path / "one.txt").write_text("The harbour reopened on Monday after the storm, the port authority said.\n")
    (tmp_path / "two.txt").write_text("A new library opens in the old mill next spring, with a reading garden.\n")
    db = str(tmp_path / "x.unspun")
    unspun("index", "add", str(tmp_path), "--db", db, "--no-vectors")
    out = unspun("scan", "--db", db, "--quiet").stdout
    assert out == f"{db}: no reuse found among 2 documents\n"
