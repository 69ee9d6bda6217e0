"""Corpus-scale evaluation on PAN 2013: index every document, scan, and count which listed pairs are linked.

``pan_scan(root)`` indexes every ``src/`` and ``susp/`` document of a PAN
corpus (``shared/data/pan13-train``), runs :meth:`unspun.Index.scan` and
reports, per category, the share of the listed pairs that come out as linked
pairs, and the linked pairs that are in no list (false links).  A false link
between two suspicious documents that reuse the same source passage is real
reuse that PAN does not list; those are counted separately as "via a shared
source" so the strict figure is never hidden.
"""
from __future__ import annotations

import os
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import InputError, UnspunError
from ..params import DEFAULT_PARAMS, ScanParams
from ..progress import ProgressFn
from ..types import Document

CATEGORIES = (
    "01-no-plagiarism",
    "02-no-obfuscation",
    "03-random-obfuscation",
    "04-translation-obfuscation",
    "05-summary-obfuscation",
)
TARGETS = {
    "02-no-obfuscation": 0.95,
    "03-random-obfuscation": 0.95,
    "04-translation-obfuscation": 0.95,
    "05-summary-obfuscation": 0.70,
}


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _union(ranges) -> list[tuple[int, int]]:
    """Overlapping [start, end) ranges merged, sorted."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _kind(pair: tuple[str, str]) -> str:
    """``src-src``, ``src-susp`` or ``susp-susp``: which PAN folders the two documents come from."""
    return "-".join(sorted(x.split("/", 1)[0] for x in pair))


@dataclass(frozen=True)
class PairLists:
    """The PAN pair lists, as unordered document-id pairs (ids are ``src/NAME`` and ``susp/NAME``)."""

    listed: dict[str, frozenset[tuple[str, str]]]  # category -> every listed pair
    with_cases: dict[str, frozenset[tuple[str, str]]]  # category -> listed pairs that have a truth XML
    #: suspicious document id -> the [start, end) character ranges of its plagiarism cases (text PAN put
    #: there from a listed source), over every category
    case_spans: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    def sample(self, n: int, seed: int = 0) -> "PairLists":
        """``n`` random listed pairs per category (all of a smaller category), fixed by ``seed``."""
        import random

        listed, cases = {}, {}
        for cat, pairs in self.listed.items():
            ordered = sorted(pairs)
            picked = frozenset(random.Random(f"{seed}:{cat}").sample(ordered, min(n, len(ordered))))
            listed[cat] = picked
            cases[cat] = self.with_cases[cat] & picked
        return PairLists(listed, cases, self.case_spans)

    def documents(self) -> set[str]:
        """Every document id named by a listed pair."""
        return {d for pairs in self.listed.values() for p in pairs for d in p}


def read_pair_lists(root: str | os.PathLike[str]) -> PairLists:
    from .pan import Pair, read_features

    root = Path(root)
    listed: dict[str, frozenset[tuple[str, str]]] = {}
    cases: dict[str, frozenset[tuple[str, str]]] = {}
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for cat in CATEGORIES:
        pf = root / cat / "pairs"
        if not pf.is_file():
            raise InputError(f"{pf}: not found (is {root} a PAN text-alignment corpus?)")
        ps, cs = set(), set()
        for line in pf.read_text(encoding="utf-8").split("\n"):
            parts = line.split()
            if len(parts) != 2:
                continue
            susp, src = parts
            k = _key(f"susp/{susp}", f"src/{src}")
            ps.add(k)
            xml = root / cat / f"{Path(susp).stem}-{Path(src).stem}.xml"
            if xml.is_file() and 'name="plagiarism"' in xml.read_text(encoding="utf-8"):
                cs.add(k)
                spans[f"susp/{susp}"] += [(f.this_start, f.this_end) for f in read_features(xml, Pair(susp, src, cat), "plagiarism")]
        listed[cat] = frozenset(ps)
        cases[cat] = frozenset(cs)
    return PairLists(listed, cases, {d: tuple(sorted(v)) for d, v in spans.items()})


def iter_pan_documents(root: str | os.PathLike[str], only: set[str] | None = None) -> Iterator[Document]:
    """Every document of the corpus (or those of ``only``), id = ``src/NAME`` or ``susp/NAME``, in sorted order."""
    root = Path(root)
    for sub in ("src", "susp"):
        for p in sorted((root / sub).glob("*.txt")):
            if only is None or f"{sub}/{p.name}" in only:
                yield Document(id=f"{sub}/{p.name}", text=p.read_bytes().decode("utf-8"))


#: An unlisted link whose longest passage is at least this long (characters, shorter side) and aligns with
#: at least this score is text the two documents share near-verbatim: reuse PAN does not list.
VERBATIM_CHARS = 200
VERBATIM_SCORE = 0.9


@dataclass
class PanScanResult:
    documents: int
    linked: set[tuple[str, str]]
    lists: PairLists
    seconds: dict[str, float] = field(default_factory=dict)
    #: per linked pair: (longest passage in characters on its shorter side, that passage's score)
    strongest: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)
    candidates: int = 0
    #: the candidate pairs that were aligned (empty when only candidates were generated)
    candidate_set: set[tuple[str, str]] = field(default_factory=set)
    #: per linked pair: its passages as (start, end) on the pair's first document and on its second
    passages: dict[tuple[str, str], tuple[tuple[int, int, int, int], ...]] = field(default_factory=dict)
    #: characters per indexed document
    doc_lengths: dict[str, int] = field(default_factory=dict)

    def recall(self, category: str, cases_only: bool = False) -> tuple[int, int]:
        pairs = (self.lists.with_cases if cases_only else self.lists.listed)[category]
        return len(pairs & self.linked), len(pairs)

    def false_links(self) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """(linked pairs in no list, the subset of those explained by a shared listed source)."""
        all_listed = set().union(*self.lists.listed.values())
        positive = set().union(*(self.lists.with_cases[c] for c in TARGETS))
        sources: dict[str, set[str]] = defaultdict(set)
        for a, b in positive:
            s, t = (a, b) if a.startswith("src/") else (b, a)
            sources[t].add(s)
            sources[s].add(t)
        unlisted = {p for p in self.linked if p not in all_listed}
        shared = {p for p in unlisted if sources[p[0]] & sources[p[1]] or p[1] in sources[p[0]]}
        return unlisted, shared

    def verbatim(self, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """The pairs whose longest passage is near-verbatim shared text (``VERBATIM_CHARS``, ``VERBATIM_SCORE``)."""
        return {
            p for p in pairs
            if p in self.strongest and self.strongest[p][0] >= VERBATIM_CHARS and self.strongest[p][1] >= VERBATIM_SCORE
        }

    def in_cases(self, pair: tuple[str, str]) -> bool:
        """Do at least half of the pair's passage characters, on one of its suspicious documents, lie inside
        that document's plagiarism cases?  Then the shared text is what PAN inserted from a listed source,
        and the other document holds it too: reuse PAN does not list (for example two near-duplicate sources)."""
        for side, doc in enumerate(pair):
            cases = self.lists.case_spans.get(doc)
            if not cases:
                continue
            ranges = [(p[2 * side], p[2 * side + 1]) for p in self.passages.get(pair, ())]
            total = sum(e - s for s, e in ranges)
            inside = sum(max(0, min(e, ce) - max(s, cs)) for s, e in ranges for cs, ce in cases)
            if total and inside >= total / 2:
                return True
        return False

    def case_share(self) -> float:
        """The share of the suspicious documents' text inside plagiarism cases: the chance that a passage
        placed at random in one of them would count as :meth:`in_cases` (the baseline for that test)."""
        lengths = self.doc_lengths
        covered = sum(sum(e - s for s, e in _union(v)) for d, v in self.lists.case_spans.items() if d in lengths)
        return covered / max(1, sum(n for d, n in lengths.items() if d.startswith("susp/")))

    def classify(self) -> dict[tuple[str, str], str]:
        """Each linked pair's class: its PAN category, or for the unlisted ones, in this order of tests,
        ``shared-source`` (both reuse one listed source), ``verbatim`` (a near-verbatim passage),
        ``case-text`` (:meth:`in_cases`) or ``unexplained`` (as counted by :meth:`report`)."""
        category = {p: cat for cat in CATEGORIES for p in self.lists.listed[cat]}
        unlisted, shared = self.false_links()
        verbatim = self.verbatim(unlisted - shared)
        out = {}
        for p in self.linked:
            if p in category:
                out[p] = category[p]
            elif p in shared:
                out[p] = "shared-source"
            elif p in verbatim:
                out[p] = "verbatim"
            else:
                out[p] = "case-text" if self.in_cases(p) else "unexplained"
        return out

    def write_links(self, path: str | os.PathLike[str]) -> int:
        """One JSON object per linked pair (sorted): the two ids, their kinds, the class from
        :meth:`classify`, the longest passage (characters on its shorter side, score) and every passage as
        [start, end) on ``a`` then on ``b``.  Returns the count."""
        import json

        classes = self.classify()
        with open(path, "w", encoding="utf-8") as f:
            for p in sorted(self.linked):
                chars, score = self.strongest.get(p, (0, 0.0))
                f.write(json.dumps({
                    "a": p[0], "b": p[1], "kind": _kind(p), "class": classes[p],
                    "longest_chars": chars, "longest_score": round(score, 4),
                    "passages": [list(x) for x in self.passages.get(p, ())],
                }) + "\n")
        return len(self.linked)

    def report(self) -> str:
        lines = [f"documents indexed: {self.documents}   candidate pairs: {self.candidates}   linked pairs: {len(self.linked)}"]
        lines.append(f"{'category':30} {'linked':>7} {'listed':>7} {'share':>7} {'target':>7}")
        for cat in CATEGORIES[1:]:
            cases_only = cat == "05-summary-obfuscation"
            hit, n = self.recall(cat, cases_only=cases_only)
            name = cat + (" (with cases)" if cases_only else "")
            lines.append(f"{name:30} {hit:7d} {n:7d} {hit / max(n, 1):7.1%} {TARGETS[cat]:7.0%}")
        if self.candidate_set:
            for cat in CATEGORIES[1:]:
                pairs = (self.lists.with_cases if cat == "05-summary-obfuscation" else self.lists.listed)[cat]
                missed = pairs - self.linked
                if missed:
                    aligned = len(missed & self.candidate_set)
                    lines.append(
                        f"  {cat}: {len(missed)} not linked: {len(missed) - aligned} never candidates,"
                        f" {aligned} candidates where the aligner found no passage"
                    )
        hit, n = self.recall("01-no-plagiarism")
        lines.append(f"{'01-no-plagiarism (should not)':30} {hit:7d} {n:7d} {hit / max(n, 1):7.1%}")
        unlisted, shared = self.false_links()
        lines.append(
            f"false links (linked, in no list): {len(unlisted)} = {len(unlisted) / max(len(self.linked), 1):.1%} of linked pairs"
            f" (target < 5%); of these {len(shared)} join two documents that reuse the same listed source"
        )
        if self.strongest:
            classes = Counter(self.classify().values())
            lines.append(
                f"  {classes['verbatim']} more share a near-verbatim passage (>= {VERBATIM_CHARS} chars at score >= {VERBATIM_SCORE}:"
                f" duplicated text PAN does not list)"
            )
            if self.passages and self.lists.case_spans:
                lines.append(
                    f"  {classes['case-text']} more have at least half of their passages, on a suspicious document, inside its"
                    f" plagiarism cases (text PAN inserted from a listed source, which the other document holds too;"
                    f" the cases cover {self.case_share():.1%} of the suspicious documents' text)"
                )
            rest = classes["unexplained"]
            lines.append(f"  the other {rest} = {rest / max(len(self.linked), 1):.1%} of linked pairs are the upper bound of wrong links")
        if unlisted:
            kinds = Counter(_kind(p) for p in unlisted)
            classes_of = self.classify() if self.strongest else {}
            wrong = Counter(_kind(p) for p in unlisted if classes_of.get(p) == "unexplained")
            lines.append("  unlisted links by document kind: " + ", ".join(
                f"{k} {n}" + (f" ({wrong[k]} unexplained)" if classes_of else "") for k, n in sorted(kinds.items())))
        for k, v in self.seconds.items():
            lines.append(f"time {k}: {v:.1f} s")
        return "\n".join(lines)


def pan_scan(
    root: str | os.PathLike[str],
    *,
    db: str | os.PathLike[str] | None = None,
    params: ScanParams = DEFAULT_PARAMS,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    sample: int | None = None,
    seed: int = 0,
) -> PanScanResult:
    """Index every document of the PAN corpus at ``root`` (in ``db``, a temporary file by default), verify
    and align every candidate pair (without the judge: linking does not depend on it) on ``workers``
    processes (default: every core), and compare the linked pairs (at ``params.min_coverage``) with the PAN
    lists.  With ``sample``, only the documents of ``sample`` random listed pairs per category (fixed by
    ``seed``) are indexed."""
    from ..index import Index
    from ..pipeline import aligned
    from ..pipeline.batches import AlignOptions
    from ..pipeline.executors import LocalExecutor
    from ..pipeline.sources import IndexSource

    from .pan import require_texts

    lists = read_pair_lists(root)
    only = None
    if sample is not None:
        lists = lists.sample(sample, seed)
        only = lists.documents()
    require_texts(root, lists.documents(), "the listed pairs" if sample is None else f"the sample ({sample} pairs per category)")
    seconds: dict[str, float] = {}
    workers = workers or os.cpu_count() or 1
    strongest: dict[tuple[str, str], tuple[int, float]] = {}
    passages: dict[tuple[str, str], tuple[tuple[int, int, int, int], ...]] = {}
    candidates: set[tuple[str, str]] = set()
    lengths: dict[str, int] = {}

    def measured(docs: Iterator[Document]) -> Iterator[Document]:
        for d in docs:
            lengths[d.id] = len(d.text)
            yield d

    with tempfile.TemporaryDirectory(prefix="unspun-pan-scan-") as tmp:
        path = Path(db) if db else Path(tmp) / "pan.unspun"
        with Index(path, params=params) as index:
            t = time.perf_counter()
            index.add(measured(iter_pan_documents(root, only)), workers=workers)
            seconds["index"] = time.perf_counter() - t
            n = len(index)
            t = time.perf_counter()
            options = AlignOptions(judge=False, keep_verified=True)
            with LocalExecutor(workers) as ex:
                for step in aligned(IndexSource(index), ex, index.params, options=options, progress=progress):
                    candidates.update(_key(p[0], p[1]) for p in step.verified)
                    for m in step.matches:
                        best = max(m.passages, key=lambda p: (min(len(p.a), len(p.b)), p.score))
                        key = _key(m.a.id, m.b.id)
                        strongest[key] = (min(len(best.a), len(best.b)), float(best.score))
                        spans = [(p.a.start, p.a.end, p.b.start, p.b.end) for p in m.passages]
                        if key[0] != m.a.id:
                            spans = [(c, d, a, b) for a, b, c, d in spans]
                        passages[key] = tuple(spans)
            seconds["candidates + align"] = time.perf_counter() - t
    return PanScanResult(n, set(strongest), lists, seconds, strongest, len(candidates), candidates, passages, lengths)


def pan_candidates(root: str | os.PathLike[str], *, db: str | os.PathLike[str] | None = None,
                   params: ScanParams = DEFAULT_PARAMS) -> PanScanResult:
    """Like :func:`pan_scan` but stops before alignment: the "linked" pairs are the candidate pairs
    (LSH bands + ANN), so the shares are the candidate recall, an upper bound of the scan's."""
    from ..index import Index
    from .pan import require_texts

    lists = read_pair_lists(root)
    require_texts(root, lists.documents(), "the listed pairs")
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="unspun-pan-scan-") as tmp:
        path = Path(db) if db else Path(tmp) / "pan.unspun"
        with Index(path, params=params) as index:
            t = time.perf_counter()
            index.add(iter_pan_documents(root))
            seconds["index"] = time.perf_counter() - t
            t = time.perf_counter()
            linked = {(p[0], p[1]) for p in index.candidate_pairs()}
            seconds["candidates"] = time.perf_counter() - t
            n = len(index)
    return PanScanResult(n, linked, lists, seconds, candidates=len(linked))


def main(argv: list[str] | None = None) -> int:
    """python -m unspun.evaluation.pan_scan [ROOT] [--candidates-only] [--db FILE]"""
    import sys

    from ..progress import throttled
    from .datasets import pan13_dir

    args = sys.argv[1:] if argv is None else list(argv)
    only = "--candidates-only" in args
    db = None
    if "--db" in args:
        db = args[args.index("--db") + 1]
        del args[args.index("--db") : args.index("--db") + 2]
    args = [a for a in args if not a.startswith("--")]
    try:
        root = pan13_dir(args[0] if args else None)
        if only:
            result = pan_candidates(root, db=db)
            print("candidate pairs (before alignment):")
        else:
            result = pan_scan(root, db=db, progress=throttled(lambda p: print(p, file=sys.stderr, flush=True)))
    except UnspunError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    print(result.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
