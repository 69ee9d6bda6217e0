"""The typed library: Match.from_dict inverts to_dict, kinds are the Literal types, the sentence map holds."""
from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

from hypothesis import given, settings
from hypothesis import strategies as st

import unspun
from unspun.types import (DISTORTION_KINDS, LINK_KINDS, SEVERITIES, Distortion, DistortionKind, Document, Evidence,
                          Match, Passage, SentenceLink, SentenceMap, Span)

ROOT = Path(__file__).resolve().parents[1]
ORIG = (ROOT / "examples" / "corpus" / "seed-000_39c885e149670517.txt").read_text(encoding="utf-8")
COPY = (ROOT / "examples" / "corpus" / "seed-002_9a117862eab7609d.txt").read_text(encoding="utf-8")

spans = st.builds(lambda a, n: Span(a, a + n), st.integers(0, 500), st.integers(0, 200))
words = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
links = st.builds(SentenceLink, st.lists(spans, min_size=0, max_size=2).map(tuple), st.lists(spans, max_size=2).map(tuple),
                  st.sampled_from(LINK_KINDS), st.floats(0, 1).map(lambda x: round(x, 4)), st.booleans())
maps = st.builds(SentenceMap, st.lists(links, max_size=4).map(tuple), st.floats(0, 1).map(lambda x: round(x, 4)),
                 st.floats(0, 1).map(lambda x: round(x, 4)), st.booleans(), words)
distortions = st.builds(Distortion, st.sampled_from(DISTORTION_KINDS), st.none() | spans, st.none() | spans, words,
                        st.sampled_from(SEVERITIES), st.floats(0, 1).map(lambda x: round(x, 4)))
matches = st.builds(
    Match,
    st.builds(Document, st.text(max_size=10), st.text(max_size=60)),
    st.builds(Document, st.text(max_size=10), st.text(max_size=60)),
    st.lists(st.builds(Passage, spans, spans, st.floats(0, 1).map(lambda x: round(x, 4)),
                       st.sampled_from(["verbatim", "near-verbatim", "paraphrase", "translation-like", "summary"])),
             max_size=3).map(tuple),
    st.floats(0, 1).map(lambda x: round(x, 4)),
    st.floats(0, 1).map(lambda x: round(x, 4)),
    st.sampled_from(["a", "b", "unknown"]),
    st.lists(st.builds(Evidence, words, words, st.floats(-3, 3).map(lambda x: round(x, 4))), max_size=2).map(tuple),
    st.lists(distortions, max_size=3).map(tuple),
    st.none() | maps,
)


@settings(max_examples=200, deadline=None)
@given(matches)
def test_from_dict_is_the_inverse_of_to_dict(m):
    d = m.to_dict()
    again = Match.from_dict(json.loads(json.dumps(d)))
    assert again.to_dict() == d
    if m.a.id != m.b.id:
        assert Match.from_dict(d, {m.a.id: m.a, m.b.id: m.b}) == m


def test_from_dict_of_a_judged_match_with_its_documents():
    m = unspun.compare(Document("000", ORIG), Document("002", COPY))
    back = Match.from_dict(json.loads(json.dumps(m.to_dict())), {"000": m.a, "002": m.b})
    assert back.to_dict() == m.to_dict() and back.a is m.a and back.b is m.b  # scores are rounded in JSON
    assert [(d.kind, d.a, d.b, d.detail, d.severity) for d in back.distortions] == \
        [(d.kind, d.a, d.b, d.detail, d.severity) for d in m.distortions]
    blank = Match.from_dict(m.to_dict())
    assert len(blank.a.text) == len(ORIG) and blank.a.meta["text_missing"]


def test_judge_output_uses_the_typed_kinds():
    m = unspun.compare(Document("000", ORIG), Document("002", COPY))
    assert set(get_args(DistortionKind)) == set(DISTORTION_KINDS)
    for d in m.distortions:
        assert d.kind in DISTORTION_KINDS and d.severity in SEVERITIES and 0 <= d.confidence <= 1
    for p in m.passages:
        assert p.kind in ("verbatim", "near-verbatim", "paraphrase", "translation-like", "summary")


def test_sentence_map_is_well_formed_and_monotone():
    m = unspun.compare(Document("000", ORIG), Document("002", COPY))
    sm = m.sentence_map
    assert sm is not None and sm.links and not sm.capped
    seen_a, seen_b = set(), set()
    last = (-1, -1)
    for link in sm.links:
        assert link.kind in LINK_KINDS and link.shape in ("1:1", "1:2", "2:1", "1:0", "0:1")
        for s in link.a:
            assert ORIG[s.start : s.end].strip() and s not in seen_a
            seen_a.add(s)
        for s in link.b:
            assert COPY[s.start : s.end].strip() and s not in seen_b
            seen_b.add(s)
        if link.kind == "same":
            assert " ".join(ORIG[link.a[0].start : link.a[-1].end].split()).lower() == \
                " ".join(COPY[link.b[0].start : link.b[-1].end].split()).lower()
        if link.a and link.b and not link.moved:
            cur = (link.a[0].start, link.b[0].start)
            assert cur > last  # monotone in both texts
            last = cur
    # the claim the copy made up is a copy-only row; the dropped update is an original-only row
    claim = COPY.find("Balenciaga also filed")
    assert any(link.kind == "b-only" and link.b[0].start <= claim < link.b[0].end for link in sm.links)
    update = ORIG.find("(UPDATE: 11/28/22")
    assert any(link.kind == "a-only" and link.a[0].start <= update < link.a[0].end for link in sm.links)
    assert 0.5 < sm.covered_a < 1 and 0.5 < sm.covered_b < 1


def test_swapped_call_mirrors_the_sentence_map():
    m = unspun.compare(Document("000", ORIG), Document("002", COPY))
    w = unspun.compare(Document("002", COPY), Document("000", ORIG))
    fwd = sorted((x.a, x.b) for x in m.sentence_map.links if x.a and x.b)
    back = sorted((x.b, x.a) for x in w.sentence_map.links if x.a and x.b)
    assert fwd == back


def test_work_is_bounded_on_a_huge_repetitive_text():
    from unspun.judge import judge
    from unspun.judge.sentmap import MAX_SENTENCES

    line = "The council approved the budget of 4 million dollars on Monday, officials said. "
    big = line * 12000  # about 1 MB, one sentence repeated 12,000 times
    m = Match(Document("a", big), Document("b", big), (Passage(Span(0, len(big)), Span(0, len(big)), 1.0, "verbatim"),),
              1.0, 1.0)
    out = judge(m)
    sm = out.sentence_map
    assert sm.capped and "first" in sm.note
    assert sum(len(x.a) for x in sm.links) <= MAX_SENTENCES
    assert out.distortions == ()


def test_py_typed_is_packaged():
    import tomllib

    assert (ROOT / "src" / "unspun" / "py.typed").is_file()
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in cfg["tool"]["setuptools"]["package-data"]["unspun"]
