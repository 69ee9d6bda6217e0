"""plagdet on small cases computed by hand from the definition in shared/data/README.md."""
import math

import pytest

from unspun.evaluation.plagdet import Feature, score

P = ("susp.txt", "src.txt")


def f(ts, te, ss, se, pair=P):
    return Feature(pair, ts, te, ss, se)


def test_perfect_detection():
    s = score([f(0, 100, 0, 100)], [f(0, 100, 0, 100)])
    assert (s.precision, s.recall, s.granularity, s.plagdet) == (1.0, 1.0, 1.0, 1.0)


def test_half_detected_case():
    # case: 100 + 100 chars; detection covers 50 + 50 of them and nothing else
    s = score([f(0, 100, 0, 100)], [f(0, 50, 0, 50)])
    assert s.recall == pytest.approx(0.5)
    assert s.precision == pytest.approx(1.0)
    assert s.plagdet == pytest.approx(2 * 0.5 / 1.5)


def test_detection_larger_than_case():
    # detection 200 + 100 chars, case 100 + 100 inside it: precision 200/300
    s = score([f(0, 100, 0, 100)], [f(0, 200, 0, 100)])
    assert s.precision == pytest.approx(200 / 300)
    assert s.recall == pytest.approx(1.0)


def test_granularity_two_detections_one_case():
    cases = [f(0, 100, 0, 100)]
    dets = [f(0, 50, 0, 50), f(50, 100, 50, 100)]
    s = score(cases, dets)
    assert s.recall == pytest.approx(1.0)
    assert s.precision == pytest.approx(1.0)
    assert s.granularity == pytest.approx(2.0)
    assert s.plagdet == pytest.approx(1.0 / math.log2(3))


def test_overlap_in_one_document_only_does_not_detect():
    # overlaps in the suspicious doc but not in the source doc: no detection
    s = score([f(0, 100, 0, 100)], [f(0, 100, 500, 600)])
    assert s.recall == 0.0 and s.precision == 0.0 and s.plagdet == 0.0


def test_other_pair_does_not_detect():
    s = score([f(0, 100, 0, 100)], [f(0, 100, 0, 100, pair=("x", "y"))])
    assert s.recall == 0.0


def test_macro_average_over_cases():
    # two cases, one fully found, one missed: recall 0.5 (macro, not by characters)
    cases = [f(0, 10, 0, 10), f(100, 1100, 100, 1100)]
    s = score(cases, [f(0, 10, 0, 10)])
    assert s.recall == pytest.approx(0.5)
    assert s.precision == pytest.approx(1.0)


def test_union_of_overlapping_detections_counted_once():
    cases = [f(0, 100, 0, 100)]
    dets = [f(0, 80, 0, 80), f(20, 100, 20, 100)]
    s = score(cases, dets)
    assert s.recall == pytest.approx(1.0)
    assert s.granularity == pytest.approx(2.0)


def test_no_detections():
    s = score([f(0, 100, 0, 100)], [])
    assert s.plagdet == 0.0 and s.detections == 0
