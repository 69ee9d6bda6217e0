"""The aligner's cost is bounded and near-linear on any input, and its answers are the naive aligner's.

Cost is measured in work counters (:class:`unspun.overlap.AlignWork`: word-pair
products, seeds, steps), never in seconds.  ``tests/reference_align.py`` is the
aligner as it was before the bounds: wherever no bound is reached the two must
agree exactly.
"""
from __future__ import annotations

import random
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

import reference_align
from servers import natural_prose
from unspun import overlap
from unspun.align import _closest_move, align
from unspun.deadline import TimeBudgetExceeded, time_budget
from unspun.overlap import MAX_PARTNERS, REPEAT_BAND, AlignWork, band, cap_partners, lookup, row_values
from unspun.text import sentences

@pytest.fixture(scope="module")
def prose() -> str:
    return natural_prose()


@pytest.fixture(scope="module")
def pool(prose) -> list[str]:
    out = []
    for s in sentences(prose):
        piece = " ".join(prose[s.start : s.end].split())
        if 40 <= len(piece) <= 250 and piece[0].isupper() and piece.endswith("."):
            out.append(piece)
    return out


# --------------------------------------------------------------------------- the same answers as the naive aligner


def _edit(rng: random.Random, s: str) -> str:
    w = s.split()
    roll = rng.random()
    if roll < 0.2 and len(w) > 6:
        del w[rng.randrange(len(w))]
    elif roll < 0.35:
        i, j = rng.randrange(len(w)), rng.randrange(len(w))
        w[i], w[j] = w[j], w[i]
    return " ".join(w)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), n_pool=st.integers(2, 12), n_a=st.integers(1, 40), n_b=st.integers(1, 40),
       shared=st.floats(0.0, 1.0))
def test_same_passages_as_the_naive_aligner_on_texts_with_repeats(pool, seed, n_pool, n_a, n_b, shared):
    """Texts drawn (with replacement, so sentences repeat) from a few real sentences, lightly edited: the
    bounded aligner's passages are exactly the naive one's wherever no bound was reached."""
    rng = random.Random(seed)
    sents = rng.sample(pool, n_pool)
    others = rng.sample(pool, n_pool)
    a = " ".join(rng.choice(sents) for _ in range(n_a))
    b = " ".join(_edit(rng, rng.choice(sents if rng.random() < shared else others)) for _ in range(n_b))
    work = AlignWork()
    got = align(a, b, work=work)
    if not work.capped:
        assert got == reference_align.align(a, b)


@pytest.mark.parametrize("shift", [3, 5])
def test_same_passages_as_the_naive_aligner_on_long_natural_text(prose, shift):
    a = prose[:60_000]
    b = prose[60_000 // shift : 60_000 // shift + 50_000]
    work = AlignWork()
    got = align(a, b, work=work)
    assert not work.capped and got
    assert got == reference_align.align(a, b)


# --------------------------------------------------------------------------- cost grows linearly


def _repeated(size: int) -> tuple[str, str]:
    s = "The minister said the new budget would cut taxes for working families next year. "
    t = (s * (size // len(s) + 1))[:size]
    return t, t


def _alternating(size: int) -> tuple[str, str]:
    ss = ["The minister said the new budget would cut taxes. ", "Critics replied that the plan mostly helps the rich. ",
          "Markets rose sharply on the news this morning. "]
    out = []
    for seed in (1, 2):
        rng, parts, n = random.Random(seed), [], 0
        while n < size:
            parts.append(ss[rng.randrange(3)])
            n += len(parts[-1])
        out.append("".join(parts))
    return out[0], out[1]


def _listing(size: int) -> tuple[str, str]:
    """Distinct sentences that all share most of their words (a price list)."""
    out = []
    for seed in (1, 2):
        rng, parts, n, k = random.Random(seed), [], 0, 0
        while n < size:
            parts.append(f"The price of item {k} is {rng.randrange(1000)} dollars per unit today. ")
            n += len(parts[-1])
            k += 1
        out.append("".join(parts))
    return out[0], out[1]


def _natural(size: int) -> tuple[str, str]:
    text = natural_prose()
    return text[:size], text[size // 3 : size // 3 + size]


def _cost(make, size: int) -> AlignWork:
    a, b = make(size)
    work = AlignWork()
    align(a, b, work=work)
    return work


def _bounded(w: AlignWork) -> None:
    """Every count is bounded by a constant times the input."""
    assert w.seeds <= 2 * MAX_PARTNERS * w.sentences
    budget = max(overlap.EXACT_PRODUCTS, overlap.PRODUCTS_PER_WORD * w.words)
    assert w.products <= 5 * budget  # one sentence comparison and four of sentence runs
    assert w.steps <= w.step_budget() + 10 * w.sentences


@pytest.mark.parametrize("make", [_repeated, _alternating, _natural], ids=lambda f: f.__name__[1:])
def test_work_grows_linearly_with_the_text(make):
    works = [_cost(make, n) for n in (25_000, 50_000, 100_000, 200_000)]
    for w in works:
        _bounded(w)
    # ... and in proportion: per word of input, the largest text costs at most 1.5x the smallest
    per_word = [(w.seeds + w.steps) / w.words for w in works]
    assert per_word[-1] <= 1.5 * per_word[0] + 1, per_word


def test_work_on_distinct_sentences_that_all_look_alike_is_bounded():
    """A price list: every sentence shares most words with every other, so the similar pairs grow with the
    square of its length until each sentence's partners reach MAX_PARTNERS; past that, linearly."""
    works = [_cost(_listing, n) for n in (50_000, 200_000, 800_000)]
    for w in works:
        _bounded(w)
        assert w.capped
    assert works[-1].seeds <= 2 * MAX_PARTNERS * works[-1].sentences
    assert works[-1].products <= 5 * overlap.PRODUCTS_PER_WORD * works[-1].words


def test_a_sentence_repeated_thousands_of_times_is_compared_once():
    work = _cost(_repeated, 300_000)
    assert work.sentences > 7000 and work.distinct <= 4
    assert work.products < 1000  # the full comparison would be (3,700 x 3,700) sentence pairs
    assert work.seeds <= (2 * REPEAT_BAND + 1) * work.sentences
    assert work.capped  # the band of repeats, not all 13 million pairs


def test_the_repeated_text_still_aligns_as_one_passage():
    a, b = _repeated(60_000)
    (p,) = align(a, b)
    assert p.a.start < 100 and p.a.end > len(a) - 100 and p.b.start < 100 and p.b.end > len(b) - 100


def test_past_the_product_budget_pairs_need_a_rarer_shared_word(monkeypatch):
    """With a tiny budget the commonest words no longer make candidates, but every pair still compared
    is scored exactly (the same cosine as the full product)."""
    a, b = _listing(20_000)
    monkeypatch.setattr(overlap, "EXACT_PRODUCTS", 1000)
    monkeypatch.setattr(overlap, "PRODUCTS_PER_WORD", 4)
    work = AlignWork()
    passages = align(a, b, work=work)
    assert work.capped and passages
    rng = np.random.default_rng(0)
    x = sparse.random(60, 40, density=0.2, random_state=1, format="csr")
    x.data = rng.random(len(x.data)) + 0.1
    y = sparse.random(50, 40, density=0.2, random_state=2, format="csr")
    y.data = rng.random(len(y.data)) + 0.1
    w = AlignWork(words=10)
    cos, inter = overlap.compare_rows(x, y, w)
    assert w.capped
    full, shared = (x @ y.T).toarray(), (overlap.binary(x) @ overlap.binary(y).T).toarray()
    got = cos.tocoo()
    np.testing.assert_allclose(got.data, full[got.row, got.col], rtol=1e-12)
    np.testing.assert_array_equal(inter.tocoo().data, shared[got.row, got.col])


# --------------------------------------------------------------------------- the pieces, against naive versions


@given(prev=st.lists(st.integers(0, 60), min_size=1, max_size=12, unique=True),
       cur=st.lists(st.integers(0, 60), min_size=1, max_size=12, unique=True))
def test_closest_move_is_the_naive_minimum(prev, cur):
    prev, cur = sorted(prev), sorted(cur)
    assert _closest_move(prev, cur, AlignWork()) == min((x - y for x in cur for y in prev), key=abs)


@given(m=st.integers(1, 300), n=st.integers(1, 300), k=st.integers(1, 4))
def test_band_of_repeats_gives_nobody_more_than_2k_plus_1_partners(m, n, k):
    r, c = band(m, n, k)
    pairs = set(zip(r.tolist(), c.tolist()))
    assert len(pairs) == len(r) and all(0 <= x < m and 0 <= y < n for x, y in pairs)
    if m * n <= overlap.FULL_REPEATS:
        assert len(pairs) == m * n
        return
    assert np.bincount(r, minlength=m).max() <= 2 * k + 1 and np.bincount(c, minlength=n).max() <= 2 * k + 1
    shorter = r if m <= n else c
    assert len(set(shorter.tolist())) == min(m, n)  # every repeat of the shorter list has partners


@given(pairs=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 5)), max_size=80,
                      unique_by=lambda t: t[:2]), k=st.integers(1, 5))
def test_cap_partners_keeps_the_strongest_per_row_then_per_column(pairs, k):
    i = np.array([p[0] for p in pairs], dtype=np.int64)
    j = np.array([p[1] for p in pairs], dtype=np.int64)
    v = np.array([float(p[2]) for p in pairs])
    gi, gj, gv = cap_partners(i, j, v, k, AlignWork())
    # naive: rows first, each keeps its k best (ties: lower column); then columns the same way
    rows = []
    for r in sorted(set(i.tolist())):
        rows += sorted([p for p in pairs if p[0] == r], key=lambda p: (-p[2], p[1]))[:k]
    want = []
    for c in sorted({p[1] for p in rows}):
        want += sorted([p for p in rows if p[1] == c], key=lambda p: (-p[2], p[0]))[:k]
    assert sorted(zip(gi.tolist(), gj.tolist(), gv.tolist())) == sorted((a, b, float(c)) for a, b, c in want)


def test_lookups_read_the_matrix():
    rng = np.random.default_rng(3)
    m = sparse.random(30, 20, density=0.3, random_state=4, format="csr")
    m.sort_indices()
    dense = m.toarray()
    r, c = rng.integers(0, 30, 200), rng.integers(0, 20, 200)
    np.testing.assert_array_equal(lookup(m, r, c), dense[r, c])
    cols = rng.integers(0, 20, 15)
    np.testing.assert_array_equal(row_values(m, 7, cols), dense[7, cols])


# --------------------------------------------------------------------------- the time budget


def test_alignment_stops_past_its_time_budget():
    a, b = _natural(50_000)
    with time_budget(0.001):
        time.sleep(0.01)
        with pytest.raises(TimeBudgetExceeded, match="time budget"):
            align(a, b)
    assert align(a, b)  # outside the budget it runs to the end
