"""The aligner: offsets always inside the texts, exact recovery of inserted passages, silence on unrelated texts."""
from __future__ import annotations

from dataclasses import replace

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PAN
from unspun import Document, Passage, Span, compare
from unspun.align import AlignParams, align
from unspun.text import sentences


#: the first three sources with 25 such sentences that random.Random(3).sample(sorted names, 60) drew from
#: the full corpus's src/ (vendored in tests/data/pan13/src by scripts/vendor_test_data.py)
POOL_SOURCES = ("source-document01942.txt", "source-document00054.txt", "source-document00786.txt")


def _sentences_of(name: str) -> list[str]:
    text = (PAN / "src" / name).read_text(encoding="utf-8")
    out = []
    for s in sentences(text):
        piece = " ".join(text[s.start : s.end].split())
        if 40 <= len(piece) <= 300 and piece[0].isupper() and piece.endswith("."):
            out.append(piece)
    return out


@pytest.fixture(scope="module")
def pools() -> tuple[list[str], list[str], list[str]]:
    """Sentences of three unrelated texts (PAN 2013 sources on different topics)."""
    return tuple(_sentences_of(name) for name in POOL_SOURCES)  # type: ignore[return-value]


def _inside(p: Passage, a: str, b: str) -> bool:
    return 0 <= p.a.start < p.a.end <= len(a) and 0 <= p.b.start < p.b.end <= len(b)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_verbatim_insert_found_exactly(pools, data):
    source_sents, host_sents, _ = pools
    k = data.draw(st.integers(0, len(source_sents) - 5), label="passage start")
    n = data.draw(st.integers(3, 5), label="passage sentences")
    cut = data.draw(st.integers(1, len(host_sents) - 1), label="insert point")
    source = " ".join(source_sents)
    passage = " ".join(source_sents[k : k + n])
    before, after = " ".join(host_sents[:cut]), " ".join(host_sents[cut:])
    host = before + " " + passage + " " + after
    found = align(source, host)
    where_b = host.index(passage)
    where_a = source.index(passage)
    assert len(found) == 1
    p = found[0]
    assert (p.b.start, p.b.end) == (where_b, where_b + len(passage))
    assert (p.a.start, p.a.end) == (where_a, where_a + len(passage))
    assert host[p.b.start : p.b.end] == source[p.a.start : p.a.end]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_lone_short_passage_found_only_when_nothing_longer_is_shared(pools, data):
    """One sentence of 100-149 characters reused on its own is a passage; beside a longer reused passage it is not
    reported (short fragments next to the real reuse cost precision)."""
    source_sents, host_sents, _ = pools
    short = [i for i, x in enumerate(source_sents) if 100 <= len(x) < 150]
    assert short, "the fixture's source text has no sentence of 100-149 characters"
    i = data.draw(st.sampled_from(short), label="short sentence")
    cut = data.draw(st.integers(1, len(host_sents) - 1), label="insert point")
    source = " ".join(source_sents)
    host = " ".join(host_sents[:cut]) + " " + source_sents[i] + " " + " ".join(host_sents[cut:])
    found = align(source, host)
    assert len(found) == 1
    p = found[0]
    assert host[p.b.start : p.b.end] == source[p.a.start : p.a.end] == source_sents[i]
    assert align(source, host, params=AlignParams(lone_min_chars=150)) == []  # the rule off: too short
    # a longer reused passage elsewhere in the host: only that one is reported
    # far enough that the two do not continue each other (passages closer than join_gap on both sides are joined)
    gap = AlignParams().join_gap

    def apart(k: int) -> bool:
        lo, hi = (k + 4, i) if k < i else (i + 1, k)
        return abs(k - i) > 6 and len(" ".join(source_sents[lo:hi])) > gap

    far = [k for k in range(len(source_sents) - 4) if apart(k) and all(len(x) >= 60 for x in source_sents[k : k + 4])]
    if not far:
        return
    k = data.draw(st.sampled_from(far), label="long passage start")
    long = " ".join(source_sents[k : k + 4])
    host2 = long + " " + " ".join(host_sents[:cut]) + " " + source_sents[i] + " " + " ".join(host_sents[cut:])
    found = align(source, host2)
    assert [host2[p.b.start : p.b.end] for p in found] == [long]


def test_summary_must_resemble_the_whole_text():
    """Whole-text "summaries" whose seeds are a few same-topic sentences are dropped: the summary as a whole must
    reach a tf-idf cosine of summary_min_cosine with the text it summarises (a PAN no-plagiarism pair)."""
    src, susp, truth = _pan_pair("suspicious-document00598-source-document02398")
    assert truth == []
    assert [p.kind for p in align(src, susp, params=AlignParams(summary_min_cosine=0.0))] == ["summary"]
    assert align(src, susp) == []


def test_unrelated_texts_give_no_passages(pools):
    a, b, c = (" ".join(x) for x in pools)
    assert align(a, b) == []
    assert align(b, c) == []
    assert compare(a, c).passages == ()


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=400), st.text(min_size=0, max_size=400))
def test_spans_inside_texts_for_any_unicode(a, b):
    for p in align(a, b):
        assert _inside(p, a, b)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_spans_inside_and_cover_real_reuse(pools, data):
    """Spun-looking copies (sentences dropped, shuffled within the passage) stay inside both texts."""
    source_sents, host_sents, _ = pools
    k = data.draw(st.integers(0, len(source_sents) - 6))
    chunk = source_sents[k : k + 6]
    rng = random.Random(data.draw(st.integers(0, 1000)))
    rng.shuffle(chunk)
    host = " ".join(host_sents[:5] + chunk[:5] + host_sents[5:10])
    source = " ".join(source_sents)
    found = align(source, host)
    assert found, "a shuffled copy of five sentences must be found"
    for p in found:
        assert _inside(p, source, host)


def test_seed_pair_paragraphs(seed_pair):
    """Every reused paragraph of the spun copy is aligned; inserted material is not (offsets from the texts)."""
    original, copy = seed_pair
    m = compare(Document("000", original), Document("002", copy), judge=False)

    def covered(s: str) -> float:
        i = copy.find(s)
        assert i >= 0, s
        return sum(1 for x in range(i, i + len(s)) if any(p.b.start <= x < p.b.end for p in m.passages)) / len(s)

    reused = [
        "Kim Kardashian brought to Twitter to break the silence",  # her Twitter statement
        "“I’ve been quiet these past few days, not because I didn’t like",  # its quote
        "In recent years, Kim has formed a close relationship with Balenciaga.",
        "As a mother of four, I was shocked by the disturbing images.",
        "Due to Kim’s close ties to Balenciaga, fans have been asking her",
        "In addition to the disturbing images of children with bondage-inspired teddy bears",
        "The photographer who filmed the campaign opened up about the scandal",
        "Balenciaga pulled the ad amid backlash.",
        "We immediately removed the campaign from all platforms.",
    ]
    for s in reused:
        assert covered(s) == 1.0, s
    inserted = [
        copy[: copy.index("Kim Kardashian brought")].strip(),  # the two image lines
        "—Kim Kardashian (@KimKardashian) November 27, 2022",  # the embedded tweet's attribution
        copy[copy.index("Balenciaga also filed") : copy.index("Source: Hollywood Life")].strip(),
        "Source: Hollywood Life",
        copy[copy.index("Ashley Root is an author") :].strip(),  # the author bio
    ]
    for s in inserted:
        assert covered(s) == 0.0, s[:60]
    # the original's updates at its top were not reused
    updates = original[original.index("(UPDATE: 11/28/22") : original.index("(ORIGINAL STORY)")]
    a_cov = sum(1 for x in range(len(updates)) if any(p.a.start <= original.index(updates) + x < p.a.end for p in m.passages))
    assert a_cov == 0
    for p in m.passages:
        assert copy[p.b.start : p.b.end].strip() == copy[p.b.start : p.b.end]
        assert original[p.a.start : p.a.end].strip() == original[p.a.start : p.a.end]


def test_compare_is_mirrored(seed_pair):
    original, copy = seed_pair
    ab = align(original, copy)
    ba = align(copy, original)
    assert sorted((p.a, p.b) for p in ab) == sorted((p.b, p.a) for p in ba)


def test_span_rejects_bad_ranges():
    with pytest.raises(ValueError):
        Span(5, 2)


def _pan_pair(stem: str) -> tuple[str, str, list[tuple[int, int, int, int]]]:
    """(source text, suspicious text, truth cases as (src_start, src_end, susp_start, susp_end)) of one PAN pair."""
    from unspun.evaluation.pan import load_corpus

    corpus = load_corpus(PAN)
    pair = next(p for p in corpus.pairs if p.stem == stem)
    susp, src = corpus.texts(pair)
    return src, susp, [(c.src_start, c.src_end, c.this_start, c.this_end) for c in corpus.truth(pair)]


def test_copied_region_is_not_a_whole_text_summary():
    """A passage copied from one region (its words sit together there) is reported as a copy, not as a summary of everything."""
    src, susp, truth = _pan_pair("suspicious-document00842-source-document02580")
    without_cosine = AlignParams(summary_min_cosine=0.0)  # the region rule alone, without the whole-text cosine
    assert any(p.kind == "summary" for p in align(src, susp, params=replace(without_cosine, summary_local=1.01)))
    assert all(p.kind != "summary" for p in align(src, susp, params=without_cosine))
    ps = align(src, susp)
    assert [p.kind for p in ps] != [] and all(p.kind != "summary" for p in ps)
    (s0, s1, t0, t1), = truth
    assert all(p.a.start < s1 and s0 < p.a.end and p.b.start < t1 and t0 < p.b.end for p in ps)


def test_passages_split_by_a_dropped_heading_are_joined():
    """A copy that left out a heading line is one reused passage, reported once (and mirrored)."""
    from unspun.align import AlignParams

    src, susp, truth = _pan_pair("suspicious-document00647-source-document00837")
    s0, s1, t0, t1 = truth[0]

    def hits(ps):
        return [p for p in ps if p.a.start < s1 and s0 < p.a.end and p.b.start < t1 and t0 < p.b.end]

    assert len(hits(align(src, susp, params=AlignParams(join_gap=0)))) == 2
    joined = hits(align(src, susp))
    assert len(joined) == 1
    assert joined[0].a.start <= s0 + 20 and joined[0].a.end >= s1 - 20
    mirror = hits([Passage(p.b, p.a, p.score, p.kind) for p in align(susp, src)])
    assert [(p.a, p.b) for p in mirror] == [(p.a, p.b) for p in joined]
