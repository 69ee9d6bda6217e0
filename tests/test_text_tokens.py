"""The bulk tokeniser (``unspun.text.token_spans``, array look-ups) against the regex it replaces."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from unspun.align import prepare
from unspun.text import STOPWORDS, _trim, norm_word, sentences, stem, token_spans, words
from unspun.types import Span

_WORD = re.compile(r"\w+(?:['’]\w+)*")  # the reference: what words() found with finditer


def reference(text: str) -> tuple[list[int], list[int], list[str]]:
    ms = list(_WORD.finditer(text))
    return [m.start() for m in ms], [m.end() for m in ms], [norm_word(m.group()) for m in ms]


# letters, digits, apostrophes of both kinds, spaces, punctuation, accents and characters beyond the BMP
_ALPHABET = st.sampled_from(list("ab Z9_'’.-\n\t") + ["é", "\u0301", "ß", "İ", "ﬁ", "中", "𝔘", "١", "\u00a0", "\ud800"])
_TEXTS = st.one_of(st.text(_ALPHABET, max_size=60), st.text(max_size=60))


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_token_spans_equal_the_regex(text):
    starts, ends, raw = token_spans(text)
    ref_s, ref_e, ref_n = reference(text)
    assert starts.tolist() == ref_s and ends.tolist() == ref_e
    w = words(text)
    assert (w.starts, w.ends, w.norms) == (ref_s, ref_e, ref_n)
    assert [norm_word(x) for x in raw] == ref_n


def test_long_tokens_beyond_ascii():
    for text in ["Ab" + "é" * 300 + "Z x", "ÉCOLE l’été " * 50, "x" * 1000 + "ß"]:
        w = words(text)
        assert (w.starts, w.ends, w.norms) == reference(text)


def reference_prepare(text: str):
    """The aligner's reading of a text as a per-word loop (the code ``prepare`` replaced)."""
    sents = sentences(text)
    w = words(text)
    terms, sent, starts, ends, stems = [[] for _ in sents], [], [], [], []
    si = 0
    for start, end, norm in zip(w.starts, w.ends, w.norms):
        while si < len(sents) and sents[si].end <= start:
            si += 1
        if si >= len(sents):
            break
        if start < sents[si].start or norm in STOPWORDS or len(norm) < 2 and not norm.isdigit():
            continue
        st = stem(norm)
        terms[si].append(st)
        sent.append(si)
        starts.append(start)
        ends.append(end)
        stems.append(st)
    return terms, sent, starts, ends, stems


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["The", "cat", "sat.", "On", "a", "mat,", "Dogs", "slept", "42", "x", "\n\n", "Café",
                                 "l’été", "it's", "—", "!", "?", "  ", "Über", "ran"]), max_size=40).map(" ".join))
def test_prepare_equals_the_per_word_loop(text):
    side = prepare(text)
    assert (side.terms, side.word_sent, side.word_starts, side.word_ends, side.word_stems) == reference_prepare(text)


def reference_trim(text: str, s: int, e: int):
    """The per-character trim ``_trim`` replaced."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e <= s or not any(c.isalnum() for c in text[s:e]):
        return None
    return Span(s, e)


@settings(max_examples=400, deadline=None)
@given(_TEXTS, st.integers(0, 60), st.integers(0, 60))
def test_trim_equals_the_per_character_loop(text, s, e):
    s, e = min(s, len(text)), min(e, len(text))
    assert _trim(text, s, e) == reference_trim(text, s, e)
