"""Corpus-scale gate: index a fixed sample of the PAN 2013 documents, scan, and count the listed pairs linked.

`unspun eval pan-scan --sample 40 --seed 2026` printed, when the floors were set:
02 40/40, 03 38/40, 04 36/40, 05 (pairs with cases) 8/10, 01 0/40 — floors sit
just below; the full corpus (`unspun eval pan-scan`) is the figure in the README.
"""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import PAN
from unspun.evaluation.pan_scan import PairLists, PanScanResult, pan_scan, read_pair_lists

FLOORS = {
    "02-no-obfuscation": 0.95,
    "03-random-obfuscation": 0.90,
    "04-translation-obfuscation": 0.85,
    "05-summary-obfuscation": 0.70,  # of the sampled pairs that have cases
}


def test_sample_is_fixed_and_stratified():
    lists = read_pair_lists(PAN)
    a, b = lists.sample(10, seed=5), lists.sample(10, seed=5)
    assert a == b and a != lists.sample(10, seed=6)
    assert all(len(v) == 10 and v <= lists.listed[k] for k, v in a.listed.items())
    assert all(a.with_cases[k] <= v for k, v in a.listed.items())
    assert {d.split("/")[0] for d in a.documents()} == {"src", "susp"}


def test_pan_scan_sample_floors():
    result = pan_scan(PAN, sample=40, seed=2026, workers=2)
    for cat, floor in FLOORS.items():
        hit, n = result.recall(cat, cases_only=cat.startswith("05"))
        assert n > 0 and hit / n >= floor, (cat, hit, n)
    hit, n = result.recall("01-no-plagiarism")
    assert hit / n <= 0.05, hit
    report = result.report()
    assert "false links (linked, in no list)" in report and "upper bound of wrong links" in report


def test_false_link_breakdown_on_hand_made_lists(tmp_path):
    a, b, c, d = "src/a.txt", "susp/b.txt", "susp/c.txt", "src/d.txt"
    pairs = frozenset({(a, b), (a, c)})  # b and c both reuse a
    empty = frozenset()
    lists = PairLists(
        {"01-no-plagiarism": empty, "02-no-obfuscation": pairs, "03-random-obfuscation": empty,
         "04-translation-obfuscation": empty, "05-summary-obfuscation": empty},
        {"01-no-plagiarism": empty, "02-no-obfuscation": pairs, "03-random-obfuscation": empty,
         "04-translation-obfuscation": empty, "05-summary-obfuscation": empty},
        {b: ((0, 100),), c: ((50, 90),)},  # where PAN put a's text into b and c
    )
    linked = {(a, b), (b, c), (c, d), (a, d), (d, b)}
    strongest = {(a, b): (900, 0.99), (b, c): (400, 0.6), (c, d): (800, 0.97), (a, d): (300, 0.5), (d, b): (150, 0.7)}
    passages = {(d, b): ((500, 650, 10, 90), (700, 720, 300, 380)), (a, d): ((0, 300, 0, 300),)}  # (d, b): 80 of 160 on b in cases
    r = PanScanResult(5, linked, lists, strongest=strongest, candidates=9, candidate_set=linked | {(a, c)},
                      passages=passages, doc_lengths={a: 1000, b: 400, c: 100, d: 1000})
    assert r.recall("02-no-obfuscation") == (1, 2)
    unlisted, shared = r.false_links()
    assert unlisted == {(b, c), (c, d), (a, d), (d, b)} and shared == {(b, c)}
    assert r.verbatim(unlisted - shared) == {(c, d)}
    assert r.in_cases((d, b)) and not r.in_cases((a, d)) and not r.in_cases((c, d))
    assert r.case_share() == (100 + 40) / (400 + 100)
    report = r.report()
    assert "the other 1 = 20.0% of linked pairs" in report
    assert "  1 more have at least half of their passages" in report and "cover 28.0% of the suspicious" in report
    assert "02-no-obfuscation: 1 not linked: 0 never candidates, 1 candidates where the aligner found no passage" in report
    assert "unlisted links by document kind: src-src 1 (1 unexplained), src-susp 2 (0 unexplained), susp-susp 1 (0 unexplained)" in report
    assert r.classify() == {(a, b): "02-no-obfuscation", (b, c): "shared-source", (c, d): "verbatim",
                            (a, d): "unexplained", (d, b): "case-text"}
    out = tmp_path / "links.jsonl"
    assert r.write_links(out) == 5
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(x["a"], x["b"]) for x in rows] == sorted(linked)
    assert rows[[(x["a"], x["b"]) for x in rows].index((d, b))] == {
        "a": d, "b": b, "kind": "src-susp", "class": "case-text", "longest_chars": 150, "longest_score": 0.7,
        "passages": [[500, 650, 10, 90], [700, 720, 300, 380]]}


def test_case_spans_are_read_from_the_truth_files():
    lists = read_pair_lists(PAN)
    with_cases = {p[1] for pairs in lists.with_cases.values() for p in pairs}
    # tests/data/pan13 holds the truth files of 224 suspicious documents with cases (736 in the full corpus)
    assert set(lists.case_spans) == with_cases and len(with_cases) > 200
    pair = sorted(lists.with_cases["02-no-obfuscation"])[0]
    susp = pair[1]
    assert lists.case_spans[susp] and all(0 <= s < e for s, e in lists.case_spans[susp])
    assert lists.sample(5, seed=1).case_spans is lists.case_spans


def test_cli_rejects_a_bad_sample():
    out = subprocess.run([sys.executable, "-m", "unspun", "eval", "pan-scan", str(PAN), "--sample", "0"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "--sample must be at least 1" in out.stderr and "Traceback" not in out.stderr


def test_cli_refuses_an_unwritable_links_file_before_scanning(tmp_path):
    out = subprocess.run([sys.executable, "-m", "unspun", "eval", "pan-scan", str(PAN), "--sample", "1",
                          "--links", str(tmp_path / "missing" / "links.jsonl")], capture_output=True, text=True)
    assert out.returncode == 2 and "cannot write --links file" in out.stderr and "Traceback" not in out.stderr
