"""Accuracy gate: plagdet on a fixed 300-pair sample of PAN 2013 (60 per category) must not fall.

Floors sit just below what `unspun eval pan --sample 60 --seed 2026` measured
when they were set; raise them when the aligner gets better, never lower them
quietly.  The full-corpus run is marked slow.
"""
from __future__ import annotations

import pytest

from conftest import PAN
from unspun.evaluation.pan import evaluate, load_corpus, sample_pairs, split_halves

FLOORS = {
    "02-no-obfuscation": 0.945,
    "03-random-obfuscation": 0.92,
    "04-translation-obfuscation": 0.905,
    # lowered from 0.55 with lone short passages (sample 0.566 -> 0.543: one of its 15 cases split in two),
    # while 05 rose on both full halves (0.782 -> 0.786, 0.648 -> 0.650): README "Text alignment"
    "05-summary-obfuscation": 0.53,
}
OVERALL_FLOOR = 0.90
CLEAN_FLOOR = 0.98  # share of no-plagiarism pairs with zero detections


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(PAN)


def test_fixed_sample_floors(corpus):
    pairs = sample_pairs(corpus.pairs, 60, 2026)
    assert len(pairs) == 300
    r = evaluate(corpus, pairs, workers=2)
    print(r.table())
    for cat, floor in FLOORS.items():
        assert r.by_category[cat].plagdet >= floor, (cat, r.by_category[cat])
    assert r.overall.plagdet >= OVERALL_FLOOR
    assert r.no_plag_clean / r.no_plag_pairs >= CLEAN_FLOOR


def test_detection_xml_round_trip(corpus, tmp_path):
    from unspun.evaluation.pan import read_features

    pairs = [p for p in corpus.pairs if p.category.startswith("02")][:3]
    r = evaluate(corpus, pairs, workers=1, out_dir=tmp_path)
    for p in pairs:
        feats = read_features(tmp_path / f"{p.stem}.xml", p, "detected-plagiarism")
        assert len(feats) == r.per_pair[p.stem]


@pytest.mark.slow
def test_held_out_half():
    from unspun.evaluation.datasets import pan13_dir

    corpus = load_corpus(pan13_dir())  # the full corpus: $UNSPUN_PAN13_DIR or ../shared/data/pan13-train
    _, held = split_halves(corpus.pairs, 0)
    r = evaluate(corpus, held, workers=2)
    print(r.table())
    assert r.overall.plagdet >= OVERALL_FLOOR
