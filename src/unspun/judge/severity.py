"""Confidence to severity: one rule for every kind.

Each detector gives a flag a confidence, its estimate that the flag is real, from what it saw (a
digit replaced by another digit in an otherwise identical sentence is surer than a figure only one
side has). The severity follows from the confidence with the thresholds below; they were set on
the tuning halves of the evaluation sets so that ``high`` flags are real at least 90% of the time
there, and the held-out halves report what share of ``high`` flags are real
(``unspun eval distortions --calibration``; docs/distortions.md has the table).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..types import Distortion, Severity, Span

HIGH = 0.8
MEDIUM = 0.5

#: Confidences of the detectors (kept together so the calibration reads in one place).
CONF = {
    "number-digits": 0.92,  # a figure replaced by a different figure
    "number-words": 0.85,  # ... where one is written in words
    "number-one-sided": 0.45,  # a figure only the copy has, in a matched sentence
    "number-rounded": 0.3,  # one figure is the other rounded
    "date": 0.92,
    "name-swap": 0.88,  # one name replaced by another that is not an alias or variant
    "name-new": 0.45,  # a name the original never mentions replaces a common word
    "modifier": 0.45,  # the words qualifying the same noun replaced ("plush bear bags" / "sleeping bags")
    "negation-parse": 0.9,  # a predicate both sentences have is negated in one only
    "negation-sentiment": 0.8,  # an affective word replaced by its opposite, the negations unchanged
    "quote-meaning": 0.92,  # a negation, a figure or a name changed inside a quotation
    "quote-words": 0.65,  # content words of a quotation changed
    "quote-function": 0.3,  # only function words, case or punctuation
    "added-number-name": 0.9,  # an unmatched copy sentence with a new figure and a new name
    "added-fact": 0.7,  # ... with one new figure, name or attribution
    "dropped": 0.65,
    "dropped-long": 0.75,  # three sentences or more; still medium: an omission never makes the copy say something false
    "attribution": 0.7,
}


def severity_of(confidence: float) -> Severity:
    if confidence >= HIGH:
        return "high"
    if confidence >= MEDIUM:
        return "medium"
    return "low"


@dataclass(frozen=True)
class Flag:
    """A distortion before its severity is fixed (the detectors build these)."""

    kind: str
    a: Span | None
    b: Span | None
    detail: str
    confidence: float

    def distortion(self) -> Distortion:
        c = max(0.0, min(1.0, self.confidence))
        return Distortion(self.kind, self.a, self.b, self.detail, severity_of(c), c)  # type: ignore[arg-type]
