"""The last stages: align and judge a pair, keep the pairs that link their documents, cluster them."""
from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Callable, Iterable, Sequence

from ..params import DEFAULT_PARAMS, ScanParams
from ..types import Cluster, Document, Match
from .boilerplate import Boilerplate
from .candidates import Pair
from .clusters import rank_clusters


class DocumentSides:
    """The judge's per-document work (:func:`unspun.judge.document_side`: sentences, blocks, and the terms
    and vectors of the sentences examined), built once per document for every pair judged with it.  Keyed
    by document id (a different text under the same id is built anew); the ``limit`` most recent kept."""

    def __init__(self, limit: int = 1024):
        self.limit = limit
        self._sides: OrderedDict[str, Any] = OrderedDict()

    def of(self, doc: Document) -> Any:
        side = self._sides.get(doc.id)
        if side is not None and (side.text is doc.text or side.text == doc.text):
            self._sides.move_to_end(doc.id)
            return side
        from ..judge import document_side

        side = self._sides[doc.id] = document_side(doc.text)
        if len(self._sides) > self.limit:
            self._sides.popitem(last=False)
        return side


def judge_matches(matches: Iterable[Match], sides: DocumentSides | None = None) -> list[Match]:
    """Each match judged (one without a passage is left as it is), each document's side built once for all
    of them: the same matches as judging each alone (``unspun.judge.judge``, a pure function of the match)."""
    from ..judge import judge_many

    sides = sides if sides is not None else DocumentSides()
    matches = list(matches)
    judged = iter(judge_many((m, sides.of(m.a), sides.of(m.b)) for m in matches if m.passages))
    return [next(judged) if m.passages else m for m in matches]


def finish_match(a: Document, b: Document, passages: Sequence[Any], *, judge: bool = True,
                 boilerplate: Boilerplate | None = None, sides: DocumentSides | None = None) -> Match:
    """The Match of aligned ``passages``: boilerplate passages dropped (with ``boilerplate``), coverage
    counted, and judged (when ``judge`` and a passage is left; with the documents' sides from ``sides``)."""
    from ..api import build_match

    if boilerplate is not None:
        passages = boilerplate.drop(a, b, passages)
    m = build_match(a, b, list(passages))
    return judge_matches([m], sides)[0] if judge else m


def align_pairs(
    pairs: Iterable[Pair],
    fetch: Callable[[str], Document | None],
    *,
    params: ScanParams = DEFAULT_PARAMS,
    embedder: Any = None,
    judge: bool = True,
    boilerplate: Boilerplate | None = None,
) -> list[Match]:
    """Align every pair (documents looked up with ``fetch``) as :func:`unspun.compare` does; pairs without
    a reused passage (boilerplate passages dropped, when ``boilerplate`` is given), or with a document
    ``fetch`` no longer finds, are dropped.  Matches come back in the order of ``pairs``.  The judge (when
    ``judge``) runs once all are aligned, on the matches kept, each document's side built once
    (:func:`judge_matches`)."""
    from ..align import align

    out: list[Match] = []
    for a_id, b_id, *_evidence in pairs:
        a, b = fetch(a_id), fetch(b_id)
        if a is None or b is None:
            continue
        passages = align(a.text, b.text, embedder=embedder, params=params.align)
        m = finish_match(a, b, passages, judge=False, boilerplate=boilerplate)
        if m.passages:
            out.append(m)
    return judge_matches(out) if judge else out


def keep_linked(matches: Iterable[Match], min_coverage: float = 0.0) -> list[Match]:
    """Matches that link their documents: at least one passage and a coverage (of either side) of
    ``min_coverage`` or more."""
    return [m for m in matches if m.passages and m.score >= min_coverage]


def link_clusters(matches: Iterable[Match], min_coverage: float = 0.0) -> list[Cluster]:
    """Connected components of the documents linked by ``matches`` (union-find).

    Deterministic: documents sorted inside a cluster, clusters and the matches inside each in the order
    of :func:`unspun.pipeline.clusters.rank_clusters` (a named original with distortions first; without a
    judge, largest first)."""
    linked = keep_linked(matches, min_coverage)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for m in linked:
        ra, rb = find(m.a.id), find(m.b.id)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            parent[hi] = lo
    members: dict[str, list[str]] = {}
    for x in list(parent):
        members.setdefault(find(x), []).append(x)
    by_root: dict[str, list[Match]] = {}
    for m in linked:
        by_root.setdefault(find(m.a.id), []).append(m)
    return rank_clusters(Cluster(tuple(ids), tuple(by_root.get(root, []))) for root, ids in members.items())


def light(m: Match) -> Match:
    """A match without its texts and evidence, its distortions without their detail: what the client needs
    to cluster and to rank the clusters (the verdict and the distortions' severities)."""
    return replace(m, a=Document(m.a.id, ""), b=Document(m.b.id, ""), evidence=(),
                   distortions=tuple(replace(d, detail="") for d in m.distortions))


def match_line(m: Match) -> str:
    """The JSON line of a pair (as ``unspun scan --json`` writes each pair)."""
    return json.dumps(m.to_dict(), ensure_ascii=False, sort_keys=False)
