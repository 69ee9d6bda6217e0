"""The distortion benchmark on a small fixed sample: generator sanity, honesty, and per-kind floors.

Floors sit just below what this sample measures (1.000 everywhere at n=6, seed 0, background 2 — see
``python -m unspun.evaluation.distortions --n 6 --seed 0 --background 2``): one miss or false alarm per
kind is tolerated, two fail the test.
"""
from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from unspun.evaluation import distortions as bench

N, SEED, BACKGROUND = 6, 0, 2
FLOOR = 0.83  # 5 of 6


@pytest.fixture(scope="module")
def examples():
    return bench.generate(N, SEED, background=BACKGROUND)


@pytest.fixture(scope="module")
def report(examples):
    return bench.evaluate(examples)


def test_generator_is_deterministic(examples):
    assert bench.generate(N, SEED, background=BACKGROUND) == examples


def test_every_kind_is_generated_with_a_real_edit(examples):
    kinds = {e.kind for e in examples}
    assert set(bench.CHANGING) <= kinds and {"synonyms", "reorder"} <= kinds
    for e in examples:
        assert e.edited != e.original
        if e.kind in bench.PRESERVING:
            assert e.orig_span is None and e.edit_span is None
        else:
            assert e.orig_span is not None or e.edit_span is not None
        for span, text in ((e.orig_span, e.original), (e.edit_span, e.edited)):
            if span is not None:
                assert 0 <= span[0] <= span[1] <= len(text)


def test_edits_land_where_the_labels_say(examples):
    for e in examples:
        if e.kind == "dropped-material":
            assert e.original[e.orig_span[0] : e.orig_span[1]] not in e.edited
        elif e.kind in ("added-claim", "attribution-added"):
            assert e.edited[e.edit_span[0] : e.edit_span[1]] not in e.original
        elif e.kind in ("negation-flip", "number-changed", "entity-changed"):
            assert e.original[e.orig_span[0] : e.orig_span[1]] != e.edited[e.edit_span[0] : e.edit_span[1]]


def test_generator_and_detector_share_nothing():
    """Honesty: the generator never imports the judge, and the judge never imports the benchmark."""
    src = inspect.getsource(bench)
    assert "judge" not in "".join(line for line in src.splitlines() if line.lstrip().startswith(("import", "from")))
    judge_dir = Path(bench.__file__).resolve().parents[1] / "judge"
    for path in judge_dir.glob("*.py"):
        imports = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.lstrip().startswith(("import", "from"))]
        assert not any("evaluation" in ln for ln in imports), path.name
    # no word list of the generator is also a word list of the detector
    from unspun.judge import lexicon

    detector_words = lexicon.NEGATIONS | lexicon.NEGATIVE | lexicon.POSITIVE
    assert not (set(bench._SYNONYMS) | set(bench._SYNONYMS.values())) & detector_words
    assert not {w.lower() for w in bench._NEW_NAMES} & detector_words


@pytest.mark.parametrize("kind", bench.CHANGING)
def test_floor_per_changing_kind(report, kind):
    t = report.tallies[kind]
    assert t.examples >= 4
    assert t.recall is not None and t.recall >= FLOOR, (kind, t, report.misses)
    assert t.precision is not None and t.precision >= FLOOR, (kind, t, report.false_alarms)


@pytest.mark.parametrize("kind", ["synonyms", "reorder"])
def test_meaning_preserving_rewrites_stay_clean(report, kind):
    t = report.tallies[kind]
    assert t.examples >= 4
    assert t.flagged <= t.examples * (1 - FLOOR), (kind, report.false_alarms)


def test_table_and_json_from_the_command():
    out = subprocess.run(
        [sys.executable, "-m", "unspun.evaluation.distortions", "--n", "1", "--seed", "3", "--json"],
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout
    scores = json.loads(out)
    assert set(bench.KINDS) <= set(scores["kinds"])
    assert all(v["examples"] <= 1 for v in scores["kinds"].values())


def test_table_lists_every_kind(report):
    text = bench.table(report)
    for kind in bench.KINDS:
        assert kind in text


def test_parse_added_to_tagged_sentences_is_the_full_pipelines():
    """The judge tags paired sentences first and parses only some of them afterwards (the parser reads the
    tagging pass's vectors): heads, labels and tags must be those of running the whole pipeline at once."""
    from unspun.judge.distortions import PAIR_SKIP, _parser_for
    from unspun.judge.models import nlp

    text = (Path(__file__).resolve().parent / "data" / "seeds").glob("*")
    sentences = [s for p in sorted(text) if p.is_file() for s in p.read_text(encoding="utf-8").split(". ") if len(s) > 30]
    assert len(sentences) > 20
    full = list(nlp().pipe(sentences, disable=["ner", "attribute_ruler"]))
    tagged = list(nlp().pipe(sentences, disable=list(PAIR_SKIP)))
    for i in range(0, len(tagged) - 1, 2):
        _parser_for(tagged[i], tagged[i + 1])()
    if len(tagged) % 2:
        _parser_for(tagged[-1], tagged[-1])()
    annotate = lambda doc: [(t.tag_, t.dep_, t.head.i) for t in doc]  # noqa: E731
    assert [annotate(d) for d in tagged] == [annotate(d) for d in full]
