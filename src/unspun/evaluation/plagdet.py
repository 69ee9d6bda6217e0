"""The PAN plagdet measure (Potthast et al., COLING 2010), exactly as in ``shared/data/README.md``.

A *case* and a *detection* are each a pair of character ranges: one in the
suspicious and one in the source document of one document pair.  Detection
``r`` *detects* case ``s`` when they belong to the same document pair and
overlap in both documents.  With characters of both documents counted together:

* precision = mean over detections ``r`` of ``|(⋃ cases that r detects) ∩ r| / |r|``
* recall    = mean over cases ``s`` of ``|(⋃ detections that detect s) ∩ s| / |s|``
* granularity = mean, over detected cases, of the number of detections that detect it
* plagdet = F1(precision, recall) / log2(1 + granularity)
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Feature:
    """One case or detection: ``this`` = [start, end) in the suspicious doc, ``src`` in the source doc."""

    pair: tuple[str, str]  # (suspicious reference, source reference)
    this_start: int
    this_end: int
    src_start: int
    src_end: int

    @property
    def size(self) -> int:
        return (self.this_end - self.this_start) + (self.src_end - self.src_start)

    def detects(self, other: "Feature") -> bool:
        return (
            self.pair == other.pair
            and self.this_start < other.this_end
            and other.this_start < self.this_end
            and self.src_start < other.src_end
            and other.src_start < self.src_end
        )


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    granularity: float
    plagdet: float
    cases: int
    detections: int

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def _union_overlap(ranges: list[tuple[int, int]], lo: int, hi: int) -> int:
    """|(⋃ ranges) ∩ [lo, hi)|."""
    covered = 0
    end = lo
    for s, e in sorted(ranges):
        s, e = max(s, end), min(e, hi)
        if e > s:
            covered += e - s
            end = e
    return covered


def _macro(targets: list[Feature], others: list[Feature]) -> float:
    """Mean over ``targets`` of the share of its characters covered by ``others`` that overlap it in both docs."""
    if not targets:
        return 0.0
    by_pair: dict[tuple[str, str], list[Feature]] = defaultdict(list)
    for o in others:
        by_pair[o.pair].append(o)
    total = 0.0
    for t in targets:
        hits = [o for o in by_pair.get(t.pair, ()) if o.detects(t)]
        if not hits or t.size == 0:
            continue
        this = _union_overlap([(o.this_start, o.this_end) for o in hits], t.this_start, t.this_end)
        src = _union_overlap([(o.src_start, o.src_end) for o in hits], t.src_start, t.src_end)
        total += (this + src) / t.size
    return total / len(targets)


def granularity(cases: list[Feature], detections: list[Feature]) -> float:
    by_pair: dict[tuple[str, str], list[Feature]] = defaultdict(list)
    for d in detections:
        by_pair[d.pair].append(d)
    counts = [sum(1 for d in by_pair.get(c.pair, ()) if d.detects(c)) for c in cases]
    detected = [n for n in counts if n > 0]
    return sum(detected) / len(detected) if detected else 1.0


def score(cases: Iterable[Feature], detections: Iterable[Feature]) -> Scores:
    cases = list(cases)
    detections = list(detections)
    rec = _macro(cases, detections)
    prec = _macro(detections, cases)
    gran = granularity(cases, detections)
    f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
    return Scores(prec, rec, gran, f1 / math.log2(1 + gran), len(cases), len(detections))
