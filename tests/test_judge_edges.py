"""Words one side has beyond the other's sentence edge are not a negation flip, except a negation right at the
start of the shared clause ("Not everyone agreed"). Found on PAN 2013 no-obfuscation pairs: a heading "No
Comments" glued to the copied sentence, "… etc. without minimum order or setup fees" against "… etc.", and a
passage boundary that cut "not" off one side's sentence."""
from __future__ import annotations

from conftest import SEEDS

import unspun

ORIGINAL = (SEEDS / "000_39c885e149670517.txt").read_text(encoding="utf-8")
SENTENCE = "She walked in the brand’s fashion show in Paris back in July and has worn their clothing on a number of occasions."
EXTRA = " Everyone in the studio agreed with the decision to pull the campaign."
assert SENTENCE in ORIGINAL


def _flips(a: str, b: str) -> list[unspun.Distortion]:
    m = unspun.compare(a, b)
    assert m.passages
    return [d for d in m.distortions if d.kind == "negation-flip" and d.severity != "low"]


def test_a_heading_before_a_copied_sentence_is_not_a_flip():
    copy = ORIGINAL.replace(SENTENCE, "No Comments " + SENTENCE)
    assert _flips(ORIGINAL, copy) == []


def test_words_after_the_shared_clause_are_not_a_flip():
    copy = ORIGINAL.replace(SENTENCE, SENTENCE[:-1] + " without any fee or appearance contract.")
    assert _flips(ORIGINAL, copy) == []


def test_a_negation_inside_the_sentence_is_still_a_flip():
    copy = ORIGINAL.replace(SENTENCE, SENTENCE.replace("She walked", "She never walked").replace("has worn", "has not worn"))
    assert _flips(ORIGINAL, copy)


def test_a_negation_at_the_start_of_the_shared_clause_is_still_a_flip():
    original = ORIGINAL.replace(SENTENCE, SENTENCE + EXTRA)
    copy = ORIGINAL.replace(SENTENCE, SENTENCE + EXTRA.replace(" Everyone", " Not everyone"))
    flips = _flips(original, copy)
    assert flips and any("everyone" in copy[d.b.start:d.b.end].lower() for d in flips if d.b)
