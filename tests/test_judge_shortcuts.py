"""The judge's shortcuts give what the plain computation gives: each is held to a naive reference kept here.

The judge's speed work (issue 18) may not change a byte of its output; these are the pieces that replace a
plain computation by a faster one (whole-judge output is compared with ``benchmarks/judge_golden.py``)."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from unspun.judge.names import norm_text
from unspun.judge.sentmap import Side, _dice_matrix, _term_rows, content_terms, dice

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "corpus"

_terms = st.lists(st.frozensets(st.sampled_from("abcdefghijklmnop"), max_size=8), min_size=1, max_size=7)


@settings(max_examples=200, deadline=None)
@given(_terms, _terms)
def test_dice_matrix_is_dice_pair_by_pair(ta, tb):
    ra, rb = _term_rows(ta, tb)
    got = _dice_matrix(ra, rb)
    want = np.array([[dice(x, y) for y in tb] for x in ta], dtype=np.float32)
    assert got.dtype == np.float32 and got.tobytes() == want.tobytes()
    if len(ta) > 1:  # two sentences joined: the union of their terms
        joined = [ta[x] | ta[x + 1] for x in range(len(ta) - 1)]
        want = np.array([[dice(x, y) for y in tb] for x in joined], dtype=np.float32)
        assert _dice_matrix(ra.joined(), rb).tobytes() == want.tobytes()
    if len(tb) > 1:
        joined = [tb[y] | tb[y + 1] for y in range(len(tb) - 1)]
        want = np.array([[dice(x, y) for y in joined] for x in ta], dtype=np.float32)
        assert _dice_matrix(ra, rb.joined()).tobytes() == want.tobytes()


_text = st.lists(st.sampled_from(list("abcXYZé1_ '’.!?\n\"-") + ["Mr. ", "U.S. ", "’s ", "'s ", "ß", "İ", "\n\n"]),
                 max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(_text)
def test_sentence_terms_off_the_whole_text_are_the_sentences_own(text):
    side = Side.of(text)
    for i in range(len(side)):
        assert side.terms(i) == frozenset(content_terms(side.sent(i)))
        assert side._sentence_terms(i) == content_terms(side.sent(i))


def test_sentence_terms_on_real_texts():
    for path in sorted(CORPUS.rglob("*.txt"))[:20]:
        side = Side.of(path.read_text(encoding="utf-8"))
        assert [side._sentence_terms(i) for i in range(len(side))] == [content_terms(side.sent(i)) for i in range(len(side))]


def _norm_text_reference(text: str) -> str:
    s = unicodedata.normalize("NFKD", text.casefold())
    s = "".join(c for c in s if not unicodedata.combining(c)).replace("’", "'")
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[.\u00b7]", "", s)
    return " " + " ".join(re.sub(r"[^\w\s]", " ", s).split()) + " "


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_norm_text_is_the_character_by_character_version(text):
    assert norm_text(text) == _norm_text_reference(text)


def test_tagging_then_completing_is_the_whole_pipeline():
    """``added`` tags its candidate sentences, then runs the parser and NER on just the statements: tags,
    heads, labels and entities must be those of the whole pipeline run at once."""
    from unspun.judge.material import _asserts
    from unspun.judge.models import AFTER_TAGGER, complete, nlp

    sentences = [s for p in sorted(CORPUS.glob("seed-*.txt")) for s in p.read_text(encoding="utf-8").split(". ")
                 if len(s) > 30]
    sentences += ["  Paris  and\n\nLondon were named .", "\t", "It said so  in  Berlin on May 3."]
    full = list(nlp().pipe(sentences))
    tagged = list(nlp().pipe(sentences, disable=AFTER_TAGGER))
    assert [_asserts(d) for d in tagged] == [_asserts(d) for d in full]
    done = complete(tagged[::2])  # every other one: the batch differs from the whole pipeline's
    annotate = lambda doc: ([(t.tag_, t.dep_, t.head.i, t.ent_iob_) for t in doc],  # noqa: E731
                            [(e.start, e.end, e.label_) for e in doc.ents])
    assert [annotate(d) for d in done] == [annotate(d) for d in full[::2]]


_figure_text = st.lists(st.sampled_from(["one", "Ten", "often", "FIVE", "fifty-", "percent", "$", "3", "½", "٣", "May ",
                                         "12th", " ", ",", ".", "ſix", "K", "million", "a", "x", "\n", "/", ":"]),
                        max_size=25).map("".join)


@settings(max_examples=500, deadline=None)
@given(_figure_text, st.integers(-3, 30), st.integers(-3, 60))
def test_quantities_skips_only_stretches_without_a_figure(text, start, end):
    from unspun.judge.numbers import _scan, quantities

    assert quantities(text, start, end) == _scan(text, start, end)
    assert quantities(text) == _scan(text, 0, len(text))
