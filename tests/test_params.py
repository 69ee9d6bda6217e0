"""One parameters object, reachable from compare, check, scan and the CLI, each value checked once."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from unspun import ConfigError, DEFAULT_PARAMS, Document, ScanParams, compare
from unspun.index import Index
from unspun.params import CandidateParams, FingerprintParams, read_params

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "examples" / "corpus"
SEEDS = sorted(CORPUS.glob("seed-*.txt"))


def _seeds() -> list[Document]:
    return [Document(p.name, p.read_text(encoding="utf-8")) for p in SEEDS]


@pytest.mark.parametrize("make, message", [
    (lambda: ScanParams(min_coverage=1.5), "min_coverage must be between 0 and 1, not 1.5"),
    (lambda: CandidateParams(min_hits=0), "candidates.min_hits must be at least 1, not 0"),
    (lambda: CandidateParams(min_window_similarity=2), "candidates.min_window_similarity must be between 0 and 1"),
    (lambda: FingerprintParams(step=30), "fingerprint.step (30) must not exceed fingerprint.window (24)"),
    (lambda: ScanParams.from_dict({"candidates": {"min_hit": 2}}), "candidates: unknown name 'min_hit'"),
    (lambda: ScanParams.from_dict({"min_coverage": "high"}), "min_coverage must be a number"),
    (lambda: ScanParams.from_dict({"align": {"min_chars": 100, "nope": 1}}), "align: unknown name 'nope'"),
    (lambda: ScanParams.from_dict([1, 2]), "expected a JSON object"),
])
def test_every_bad_value_is_a_config_error_naming_it(make, message):
    with pytest.raises(ConfigError) as err:
        make()
    assert message in str(err.value) and "\n" not in str(err.value)


def test_from_dict_keeps_what_it_is_not_given_and_round_trips():
    p = ScanParams.from_dict({"candidates": {"min_hits": 2}, "min_coverage": 0.25})
    assert p.candidates == replace(DEFAULT_PARAMS.candidates, min_hits=2) and p.min_coverage == 0.25
    assert p.fingerprint == DEFAULT_PARAMS.fingerprint and p.align is None
    again = ScanParams.from_dict(json.loads(json.dumps(p.to_dict())))
    assert again.to_dict() == p.to_dict()
    base = replace(DEFAULT_PARAMS, min_coverage=0.5)
    assert ScanParams.from_dict({"candidates": {"max_bucket": 9}}, base).min_coverage == 0.5


def test_compare_takes_the_aligner_parameters():
    a, b = _seeds()
    default = compare(a, b, judge=False)
    assert default.passages
    strict = ScanParams.from_dict({"align": {"min_chars": 100_000, "lone_min_chars": 100_000}})
    assert compare(a, b, judge=False, params=strict).passages == ()
    assert compare(a, b, judge=False, params=DEFAULT_PARAMS).to_dict() == default.to_dict()


def test_check_and_scan_take_the_parameters_and_refuse_other_fingerprints(tmp_path):
    docs = _seeds() + [Document(p.name, p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("pan-01-*"))[:5]]
    with Index(tmp_path / "p.unspun", embedder=None) as ix:
        ix.add(docs[1:])
        assert ix.check(docs[0], judge=False)
        never = replace(ix.params, candidates=replace(ix.params.candidates, min_hits=10_000, ann_min_hits=10_000))
        assert ix.check(docs[0], judge=False, params=never) == []
        ix.add(docs[:1])
        assert list(ix.scan(judge=False)) and list(ix.scan(judge=False, params=never)) == []
        other = replace(ix.params, fingerprint=FingerprintParams(window=12, step=6))
        with pytest.raises(ConfigError, match="built with fingerprint parameters"):
            ix.check(docs[0], params=other)
    with pytest.raises(ConfigError, match="built with fingerprint parameters"):
        Index(tmp_path / "p.unspun", params=other)


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "unspun", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_cli_params_file(tmp_path):
    db = str(tmp_path / "c.unspun")
    assert _cli("index", "add", *map(str, SEEDS), "--db", db, "--no-vectors").returncode == 0
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"candidates": {"min_hits": 10000, "ann_min_hits": 10000}}))
    found = _cli("scan", "--db", db, "--json", "--no-judge", "--quiet")
    assert found.returncode == 0 and found.stdout.strip()
    none = _cli("scan", "--db", db, "--json", "--no-judge", "--quiet", "--params", str(strict))
    assert none.returncode == 0 and none.stdout.strip() == ""
    checked = _cli("check", str(SEEDS[1]), "--db", db, "--json", "--no-judge", "--params", str(strict))
    assert checked.returncode == 0 and json.loads(checked.stdout)["matches"] == []
    out = tmp_path / "out"
    files = _cli("scan", "--no-vectors", "--no-judge", "--quiet", "--out", str(out), "--params", str(strict), *map(str, SEEDS))
    assert files.returncode == 0, files.stderr
    assert json.loads((out / "params.json").read_text())["candidates"]["min_hits"] == 10000
    assert (out / "clusters.jsonl").read_text() == ""
    bad = tmp_path / "bad.json"
    for text, message in (("{not json", "not a JSON parameters file"), ('{"candidates": {"min_hits": 0}}', "min_hits must be at least 1"),
                          ('{"speed": 3}', "unknown name 'speed'")):
        bad.write_text(text)
        r = _cli("scan", "--db", db, "--params", str(bad))
        assert r.returncode == 2 and r.stderr.startswith("unspun: error:") and message in r.stderr and "Traceback" not in r.stderr
    r = _cli("scan", "--db", db, "--min-coverage", "3")
    assert r.returncode == 2 and "min_coverage must be between 0 and 1, not 3" in r.stderr
    r = _cli("check", str(SEEDS[1]), "--db", db, "--params", str(tmp_path / "missing.json"))
    assert r.returncode == 2 and "cannot read the parameters file" in r.stderr


def test_read_params_names_the_file(tmp_path):
    f = tmp_path / "p.json"
    f.write_text('{"min_coverage": 7}')
    with pytest.raises(ConfigError, match=f"{f}: min_coverage must be between 0 and 1"):
        read_params(str(f))


def test_add_reports_one_progress_type(tmp_path):
    from unspun import Progress

    seen: list[Progress] = []
    with Index(tmp_path / "g.unspun", embedder=None) as ix:
        ix.add(_seeds() + [Document("empty", " ")], batch_size=2, progress=seen.append)
    assert [(p.stage, p.done, p.total) for p in seen] == [("add", 2, None), ("add", 3, None)]
    assert str(seen[-1]) == "add: 3 documents"
