"""The judge where it is read: ``check`` judges only the matches it returns, ``scan`` judges the linked pairs in
one pass with each document's side built once, and both give the matches that judging each pair alone gives."""
from __future__ import annotations

from pathlib import Path

import pytest

import unspun.judge
from unspun import Document, compare
from unspun.api import judge_match
from unspun.index import Index
from unspun.ingest import iter_documents
from unspun.pipeline.matches import DocumentSides, judge_matches

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpus"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    path = tmp_path_factory.mktemp("judge-pass") / "ex.unspun"
    with Index(path, embedder=None) as ix:
        ix.add(iter_documents([str(CORPUS)]))
    return path


def _query() -> Document:
    seed = sorted(CORPUS.glob("seed-*.txt"))[-1]
    return Document("query", seed.read_text(encoding="utf-8"))


def test_shared_sides_judge_as_each_pair_alone(index):
    """One document against several, judged through one DocumentSides (its caches filled by the first pair)."""
    with Index(index, readonly=True) as ix:
        bare = ix.check(_query(), k=10, judge=False)
        assert len(bare) >= 2, "the seed copy should match its original and more"
    shared = judge_matches(bare, DocumentSides())
    alone = [judge_match(m) for m in bare]
    assert [m.to_dict() for m in shared] == [m.to_dict() for m in alone]
    assert any(m.distortions for m in shared)


def test_check_judges_only_the_matches_it_returns(index, monkeypatch):
    calls: list[str] = []
    real = unspun.judge.judge_many

    def counting(items):
        items = list(items)
        calls.extend(match.a.id for match, _, _ in items)
        return real(items)

    monkeypatch.setattr(unspun.judge, "judge_many", counting)
    with Index(index, readonly=True) as ix:
        every = ix.check(_query(), k=10)
        n_every = len(calls)
        calls.clear()
        top = ix.check(_query(), k=1)
    assert n_every == len(every) >= 2
    assert calls == [top[0].a.id]
    assert top[0].to_dict() == every[0].to_dict()


def test_scan_judges_like_compare(index):
    with Index(index, readonly=True) as ix:
        clusters = list(ix.scan())
    matches = [m for c in clusters for m in c.matches]
    assert matches
    for m in matches[:6]:
        alone = compare(m.a, m.b)
        assert m.to_dict() == alone.to_dict()


def test_judged_in_batches_as_each_pair_alone(index, monkeypatch):
    """``judge_many`` tags the rows of many pairs in one pass: batches of any size give each pair's own judgement."""
    with Index(index, readonly=True) as ix:
        bare = [m for m in ix.check(_query(), k=10, judge=False)] + \
            [m for c in ix.scan(judge=False) for m in c.matches]
    alone = [judge_match(m).to_dict() for m in bare]
    for size in (1, 3, 64):
        monkeypatch.setattr(unspun.judge, "BATCH", size)
        assert [m.to_dict() for m in judge_matches(bare)] == alone


def test_a_changed_text_under_the_same_id_gets_a_new_side():
    sides = DocumentSides(limit=2)
    one, other = sides.of(Document("x", "First text. It has two sentences.")), sides.of(Document("x", "Another."))
    assert one is not other and other.text == "Another."
    assert sides.of(Document("x", "Another.")) is other
