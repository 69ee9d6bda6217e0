"""Fuzzing with hypothesis: segmentation, alignment and the judge on arbitrary Unicode.

Arbitrary text rarely shares anything, so the texts are built from a pool that
mixes real news sentences (from the seed pair), fully random Unicode, and
hostile characters (combining marks, zero-width and bidi controls, surrogate
escapes' neighbours, NUL, emoji with modifiers, CR/LF/U+2028 breaks); the two
sides share a random subset, lightly edited.  Properties:

- ``words`` / ``sentences``: no exception; every span inside the text, ordered,
  non-overlapping, non-empty;
- ``align``: no exception; every passage inside both texts; ``align(b, a)`` is
  ``align(a, b)`` mirrored;
- ``compare`` with the judge: no exception; passages and distortions inside
  their texts, coverages in [0, 1]; the mirrored comparison mirrors passages
  and names the other side as original; its distortions are mirrored too
  (``test_judge_distortions_are_mirrored``).
"""
from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unspun import compare
from unspun.align import align
from unspun.text import sentences, words

SEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "seeds"
_SEED_SENTENCES = [
    (SEEDS / "000_39c885e149670517.txt").read_text(encoding="utf-8")[s.start : s.end]
    for s in sentences((SEEDS / "000_39c885e149670517.txt").read_text(encoding="utf-8"))
][:40]

HOSTILE_CHARS = (
    "\u0301\u0308\u0335\u200b\u200c\u200d\u2060\ufeff\u202e\u202c\u2066\u2069\u061c\x00\x7f\x85"
    "\u2028\u2029\r\n\t\x0b\x0c 🎉👩🏽‍🚀🇺🇦ﬁℌ𝔢İıßẞσςΣ\ufffd"
)

unicode_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)
hostile_text = st.text(st.sampled_from(HOSTILE_CHARS + "abc .,!?\"'"), max_size=60)
sentence = st.one_of(st.sampled_from(_SEED_SENTENCES), unicode_text, hostile_text)


@st.composite
def edited(draw, s: str) -> str:
    """A light edit: a hostile character inserted, a word dropped, or nothing."""
    choice = draw(st.integers(0, 3))
    if choice == 0 and s:
        i = draw(st.integers(0, len(s)))
        return s[:i] + draw(st.sampled_from(HOSTILE_CHARS)) + s[i:]
    if choice == 1:
        ws = s.split(" ")
        if len(ws) > 3:
            del ws[draw(st.integers(0, len(ws) - 1))]
        return " ".join(ws)
    return s


@st.composite
def text_pair(draw) -> tuple[str, str]:
    shared = draw(st.lists(st.sampled_from(_SEED_SENTENCES), min_size=0, max_size=6))
    own_a = draw(st.lists(sentence, max_size=4))
    own_b = draw(st.lists(sentence, max_size=4))
    a_parts = shared + own_a
    b_parts = [draw(edited(s)) for s in shared] + own_b
    a_parts = draw(st.permutations(a_parts))
    b_parts = draw(st.permutations(b_parts))
    sep = draw(st.sampled_from([" ", "\n", "\n\n", "\u2028", " \u200b"]))
    return sep.join(a_parts), sep.join(b_parts)


def spans_ok(spans, text: str) -> None:
    last = 0
    for s in spans:
        assert 0 <= s.start < s.end <= len(text), (s, len(text))
        assert s.start >= last, (s, last)  # ordered, non-overlapping
        last = s.end


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), unicode_text, hostile_text, text_pair().map(lambda p: p[0])))
def test_words_and_sentences_on_any_text(text):
    w = words(text)
    assert len(w.starts) == len(w.ends) == len(w.norms)
    last = 0
    for s, e, n in zip(w.starts, w.ends, w.norms):
        assert last <= s < e <= len(text) and n
        last = e
    spans_ok(sentences(text), text)


def passage_pairs(ps) -> list[tuple]:
    return sorted((p.a.start, p.a.end, p.b.start, p.b.end) for p in ps)


def mirrored(ps) -> list[tuple]:
    return sorted((p.b.start, p.b.end, p.a.start, p.a.end) for p in ps)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_pair())
def test_align_spans_inside_and_mirrored(pair):
    a, b = pair
    ab = align(a, b)
    for p in ab:
        assert 0 <= p.a.start < p.a.end <= len(a) and 0 <= p.b.start < p.b.end <= len(b), p
    assert passage_pairs(align(b, a)) == mirrored(ab)


_FLIP = {"a": "b", "b": "a"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_pair())
def test_compare_with_the_judge_on_any_text(pair):
    a, b = pair
    m = compare(a, b)
    assert 0.0 <= m.coverage_a <= 1.0 and 0.0 <= m.coverage_b <= 1.0
    for p in m.passages:
        assert 0 <= p.a.start < p.a.end <= len(a) and 0 <= p.b.start < p.b.end <= len(b), p
    for d in m.distortions:
        assert d.a is None or 0 <= d.a.start <= d.a.end <= len(a), d
        assert d.b is None or 0 <= d.b.start <= d.b.end <= len(b), d
        assert isinstance(d.detail, str) and d.kind
    m.to_dict()  # serialisable
    r = compare(b, a)
    assert passage_pairs(r.passages) == mirrored(m.passages)
    assert r.original == _FLIP.get(m.original, m.original), (m.original, r.original)


# Found by the test above when it also compared distortions: the judge's entity rule looks for a new name
# on side b only (judge/distortions.py, _entities: "elif nb and _content(d.a ...)"), not on the copy's side,
# so swapping the inputs changes what is reported. Strict: this fails once the judge is made symmetric.
_ASYMMETRIC = (
    "Image Credit: MEGA Kim Kardashian Breaks Silence On Balenciaga’s ‘Disturbing’ Campaign: ‘I’ve Been Shaken’ "
    "Kim Kardashian Breaks Silence On Balenciaga’s ‘Disturbing’ Campaign: ‘I’ve Been Shaken’",
    "Kim Kardashian Breaks Silence On Balenciaga’s ‘Disturbing’ Campaign: ‘I’ve Been Shaken’ Image C\u0308redit: "
    "MEGA Kim Kardashian Breaks Silence On Balenciaga’s ‘Disturbing’ Campaign: ‘I’ve Been Shaken’",
)


def test_judge_distortions_are_mirrored():
    """The example hypothesis found when the entity rule only looked for new names on side b."""
    a, b = _ASYMMETRIC
    m, r = compare(a, b), compare(b, a)
    assert m.original != "unknown" and r.original == _FLIP[m.original]
    assert sorted((d.kind, d.b, d.a) for d in r.distortions) == sorted((d.kind, d.a, d.b) for d in m.distortions)


def test_seed_pair_distortions_are_mirrored():
    """The real pair: compare(b, a) reports exactly the distortions of compare(a, b), sides swapped."""
    a = (SEEDS / "000_39c885e149670517.txt").read_text(encoding="utf-8")
    b = (SEEDS / "002_9a117862eab7609d.txt").read_text(encoding="utf-8")
    m, r = compare(a, b), compare(b, a)
    assert (m.original, r.original) == ("a", "b")
    assert sorted((d.kind, d.b, d.a, d.severity) for d in r.distortions) == sorted(
        (d.kind, d.a, d.b, d.severity) for d in m.distortions
    )
