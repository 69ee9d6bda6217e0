"""The judge on the motivating real pair: the original is named and every distortion of the spun copy listed.

Every expected position is computed from the texts with ``str.find``; nothing is hard-coded.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import unspun
from unspun import Document, Match, Span

SEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "seeds"
ORIG = (SEEDS / "000_39c885e149670517.txt").read_text(encoding="utf-8")
COPY = (SEEDS / "002_9a117862eab7609d.txt").read_text(encoding="utf-8")


def where(text: str, phrase: str) -> Span:
    i = text.find(phrase)
    assert i >= 0, f"phrase not in text: {phrase!r}"
    assert text.find(phrase, i + 1) < 0, f"phrase not unique: {phrase!r}"
    return Span(i, i + len(phrase))


def quote_around(text: str, phrase: str) -> Span:
    """The quotation (inside “ ”) that contains ``phrase``."""
    s = where(text, phrase)
    return Span(text.rfind("“", 0, s.start) + 1, text.find("”", s.end))


@pytest.fixture(scope="module")
def match() -> Match:
    return unspun.compare(Document("000", ORIG), Document("002", COPY))


@pytest.fixture(scope="module")
def swapped() -> Match:
    return unspun.compare(Document("002", COPY), Document("000", ORIG))


def of_kind(m: Match, kind: str):
    return [d for d in m.distortions if d.kind == kind]


def test_names_the_original_with_the_credit_line(match):
    assert match.original == "a"
    credit = [e for e in match.evidence if "Source: Hollywood Life" in e.detail]
    assert credit and all(e.weight > 0 for e in credit)
    assert sum(e.weight for e in match.evidence) > 0


def test_swapped_call_names_b(swapped):
    assert swapped.original == "b"
    credit = [e for e in swapped.evidence if "Source: Hollywood Life" in e.detail]
    assert credit and all(e.weight < 0 for e in credit)


def test_kims_quotation_inverted(match):
    a = where(ORIG, "not because I haven’t been disgusted")
    b = where(COPY, "not because I didn’t like")
    hits = [d for d in of_kind(match, "quote-altered") if d.a.overlaps(a) and d.b.overlaps(b)]
    assert len(hits) == 1
    d = hits[0]
    assert d.severity == "high"
    assert "not because I haven’t been disgusted" in d.detail and "not because I didn’t like" in d.detail
    assert ORIG[d.a.start : d.a.end].startswith("not because I haven’t been disgusted")
    assert COPY[d.b.start : d.b.end].startswith("not because I didn’t like")


def test_swapped_call_mirrors_the_quotation_spans(swapped):
    a = where(COPY, "not because I didn’t like")
    b = where(ORIG, "not because I haven’t been disgusted")
    assert any(d.a.overlaps(a) and d.b.overlaps(b) and d.severity == "high" for d in of_kind(swapped, "quote-altered"))


@pytest.mark.parametrize("orig, copy", [("holiday campaign", "Christmas campaign"), ("plush bear bags", "sleeping bags")])
def test_changed_things_inside_the_company_statement(match, orig, copy):
    a, b = where(ORIG, orig), where(COPY, copy)
    hits = [d for d in of_kind(match, "entity-changed") if d.a == a and d.b == b]
    assert len(hits) == 1, [d.detail for d in of_kind(match, "entity-changed")]
    assert orig in hits[0].detail and copy in hits[0].detail


def test_appended_lawsuit_claim(match):
    b = where(COPY, "$25 million lawsuit")
    hits = [d for d in of_kind(match, "added-claim") if d.b is not None and d.b.overlaps(b)]
    assert len(hits) == 1
    d = hits[0]
    assert d.a is None
    claim = COPY[d.b.start : d.b.end]
    assert "North Six Inc." in claim and "Nicholas Des Jardins" in claim
    assert "$25 million" in d.detail


def test_credit_line_and_author_bio_added(match):
    credit = where(COPY, "Source: Hollywood Life")
    bio = where(COPY, "Ashley Root is an author")
    added = of_kind(match, "attribution-added")
    assert any(d.b == credit and d.a is None for d in added)
    assert any(d.b is not None and d.b.start <= bio.start and d.b.end >= bio.end for d in added)
    assert len(added) == 2


def test_the_two_updates_dropped_once_each(match):
    dropped = of_kind(match, "dropped-material")
    for stamp in ("(UPDATE: 11/28/22", "(UPDATE: 11/27/22"):
        s = where(ORIG, stamp)
        hits = [d for d in dropped if d.a is not None and d.a.overlaps(s)]
        assert len(hits) == 1, stamp
        assert hits[0].b is None
        body = ORIG[hits[0].a.start : hits[0].a.end]
        assert len(body) > 300 and "\n" not in body  # the whole update paragraph, once
    assert len(dropped) == 2


def test_garbled_photographer_quotation(match):
    a = quote_around(ORIG, "I must stress that i was not entitled")
    b = quote_around(COPY, "I have to stress that I had no right")
    assert any(d.a.overlaps(a) and d.b.overlaps(b) for d in of_kind(match, "quote-altered"))


@pytest.mark.parametrize(
    "orig, copy",
    [
        ("Over the last few years", "In recent years"),
        ("fans have been urging her to make a statement", "fans have been asking her for days to release a statement"),
    ],
)
def test_paraphrases_are_not_flagged(match, orig, copy):
    a, b = where(ORIG, orig), where(COPY, copy)
    assert not [d for d in match.distortions if (d.a and d.a.overlaps(a)) or (d.b and d.b.overlaps(b))]


def test_spans_and_details_are_well_formed(match, swapped):
    for m in (match, swapped):
        for d in m.distortions:
            assert d.a is not None or d.b is not None
            for span, text in ((d.a, m.a.text), (d.b, m.b.text)):
                if span is not None:
                    assert 0 <= span.start < span.end <= len(text)
                    assert text[span.start : span.end].strip() == text[span.start : span.end]
            assert d.severity in ("high", "medium", "low")
            assert d.detail.endswith(".") and "\n" not in d.detail
        for e in m.evidence:
            assert e.detail and "\n" not in e.detail
    json.dumps(match.to_dict())


def test_judging_is_deterministic(match):
    again = unspun.compare(Document("000", ORIG), Document("002", COPY))
    assert again.to_dict() == match.to_dict()


def test_judge_is_fast_after_warm_up(match):
    from unspun.api import judge_match

    bare = unspun.compare(ORIG, COPY, judge=False)
    judge_match(bare)
    cpu = []
    for _ in range(3):
        t = time.process_time()
        judge_match(bare)
        cpu.append(time.process_time() - t)
    # CPU time, not wall time: the machine is shared. Target is well under 100 ms; the bound leaves slack for CI.
    assert min(cpu) < 0.25, cpu


# ---------------------------------------------------------------- provenance with metadata

ORIG_URL = "https://hollywoodlife.com/2022/11/27/kim-kardashian-balenciaga-statement/"


def test_credit_naming_the_others_site_is_strong_evidence():
    m = unspun.compare(Document("000", ORIG, url=ORIG_URL), Document("002", COPY))
    assert m.original == "a"
    named = [e for e in m.evidence if e.kind == "credit-line" and "Source: Hollywood Life" in e.detail]
    assert named and named[0].weight >= 1.5 and "hollywoodlife.com" in named[0].detail
    assert any(e.kind == "link" and e.weight > 0 for e in m.evidence)  # the copy's images point at a's site


def test_publication_dates_count_and_name_the_earlier():
    m = unspun.compare(Document("002", COPY, published="2022-11-26"), Document("000", ORIG, published="2022-11-28"))
    dates = [e for e in m.evidence if e.kind == "published-date"]
    assert len(dates) == 1 and dates[0].weight > 0 and "2022-11-26" in dates[0].detail


def test_strong_evidence_both_ways_is_unknown_and_says_why():
    m = unspun.compare(Document("000", ORIG, url=ORIG_URL, published="2022-12-05"),
                       Document("002", COPY, published="2022-11-20"))
    assert m.original == "unknown"
    assert any(e.weight >= 1.5 for e in m.evidence) and any(e.weight <= -1.5 for e in m.evidence)
    verdict = [e for e in m.evidence if e.kind == "verdict"]
    assert verdict and "both ways" in verdict[0].detail
    # with no verdict, the copy is guessed from containment and every added/dropped item says so
    sided = [d for d in m.distortions if d.kind in ("added-claim", "dropped-material", "attribution-added")]
    assert sided and all("taken as the copy" in d.detail for d in sided)


def test_no_evidence_is_unknown_and_no_distortion():
    text = ORIG[ORIG.find("(ORIGINAL STORY)") :]
    m = unspun.compare(text, text)
    assert m.original == "unknown" and m.distortions == ()
    assert [e.kind for e in m.evidence] == ["verdict"]
