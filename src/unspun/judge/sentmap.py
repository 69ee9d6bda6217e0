"""The sentence map: which sentence of one text says what in the other, inside and around each passage.

Each aligned passage (with one sentence of margin on each side) is a *region*; passages that touch
on both sides are one region. Inside a region the sentences are aligned monotonically, as in
Gale-Church / vecalign sentence alignment: a dynamic programme over beads 1:1, 1:2, 2:1, 1:0 and
0:1, each 1:n bead scored by the similarity of the sentences it joins (content-word overlap and the
shipped static embedder, whichever says more). Sentences left over anywhere in the examined text
are then paired out of order when clearly the same (a moved sentence).

When most of both texts is reused (a rewrite, not a document quoting a passage) the whole of both
texts is one region, so material added or dropped anywhere is seen.

The work is bounded: at most :data:`MAX_SENTENCES` sentences of each text are examined, and a region
larger than :data:`FULL_DP_CELLS` is aligned inside a band around its diagonal. ``SentenceMap.capped``
says when the cap was hit.
"""
from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from ..text import STOPWORDS, sentences, stem, words
from ..types import Match, SentenceLink, SentenceMap, Span
from .lexicon import BOILERPLATE_LINE
from .models import embedder

#: Below this similarity two sentences are not taken to say the same thing.
PAIR_MIN = 0.42
#: Each part of a 1:2 or 2:1 bead must resemble the other side this much on its own.
PART_MIN = 0.2
#: Sentences paired out of order only when clearly the same (moved sentences).
MOVED_MIN = 0.6
#: Sentences of margin examined around each passage.
MARGIN = 1
#: Both texts this much reused: the match is a rewrite and both texts are examined whole.
REWRITE_COVERAGE = 0.5
#: At most this many sentences of each text are examined per match.
MAX_SENTENCES = 600
#: Regions with more cells than this are aligned inside a band around the diagonal.
FULL_DP_CELLS = 40_000
BAND = 30


def content_terms(text: str) -> list[str]:
    """Stems of the content words of ``text`` (possessive 's dropped)."""
    return _content_stems(words(text).norms)


def _content_stems(norms: list[str]) -> list[str]:
    out = []
    for w in norms:
        if w.endswith("'s"):
            w = w[:-2]
        if w and w not in STOPWORDS:
            out.append(stem(w))
    return out


def dice(x: frozenset[str], y: frozenset[str]) -> float:
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


@lru_cache(maxsize=65536)
def key(norm: str) -> str:
    """The comparison key of a normalised word: possessive dropped, lightly stemmed."""
    if norm.endswith("'s"):
        norm = norm[:-2]
    return stem(norm)


@dataclass
class Side:
    """One text cut into sentences; per-sentence terms and vectors are computed only for the sentences examined.

    Built once per text by :meth:`of` (a pure function of the text, so a caller may keep one per document).
    """

    text: str
    spans: list[Span]
    block: list[int]  # paragraph (block) number of each sentence
    boiler: list[bool]  # page furniture: image lines, "Reading time", galleries
    _terms: dict[int, frozenset[str]] = field(default_factory=dict, repr=False)
    _vecs: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    #: texts tagged by the judge's tagger (rows and added-claim candidates), by (start, end) (``distortions.tag``)
    _tagged: dict[tuple[int, int], Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, text: str) -> "Side":
        spans = sentences(text)
        sep = re.compile(r"\n\s*\n") if _hard_wrapped(text) else re.compile(r"\n")
        breaks = [m.start() for m in sep.finditer(text)]
        block, bi = [], 0
        for s in spans:
            while bi < len(breaks) and breaks[bi] < s.start:
                bi += 1
            block.append(bi)
        boiler = [_is_boiler(text, s) for s in spans]
        return cls(text, spans, block, boiler)

    def __len__(self) -> int:
        return len(self.spans)

    def sent(self, i: int) -> str:
        s = self.spans[i]
        return self.text[s.start : s.end]

    def terms(self, i: int) -> frozenset[str]:
        t = self._terms.get(i)
        if t is None:
            t = self._terms[i] = frozenset(self._sentence_terms(i))
        return t

    def _sentence_terms(self, i: int) -> list[str]:
        """:func:`content_terms` of sentence ``i``, read off the words of the whole text when no word of it
        crosses the sentence's edges (the sentence alone then has exactly those words: a word ends at the
        same characters, and an apostrophe at an edge joins words only where a word crosses it)."""
        sp, tok = self.spans[i], self.tokens
        lo, hi = self.tok_range(i)
        if (lo > 0 and tok.ends[lo - 1] > sp.start) or (hi > 0 and tok.ends[hi - 1] > sp.end):
            return content_terms(self.sent(i))
        return _content_stems(tok.norms[lo:hi])

    def vectors(self, idx: list[int]) -> np.ndarray | None:
        """Unit vectors of sentences ``idx`` (encoded on first use)."""
        emb = embedder()
        if emb is None or not idx:
            return None
        todo = [i for i in idx if i not in self._vecs]
        if todo:
            for i, v in zip(todo, emb.encode([self.sent(i) for i in todo])):
                self._vecs[i] = v
        return np.stack([self._vecs[i] for i in idx])

    @cached_property
    def tokens(self):
        """Words of the whole text (offsets and normalised forms), computed once."""
        return words(self.text)

    @cached_property
    def word_keys(self) -> list[str]:
        """The comparison :func:`key` of every word of ``tokens``, computed once."""
        return list(map(key, self.tokens.norms))

    @cached_property
    def normed(self) -> str:
        """The whole text as name look-ups search it (:func:`~.names.norm_text`), computed once."""
        from .names import norm_text

        return norm_text(self.text)

    @cached_property
    def values(self) -> list[str]:
        """The normalised value of every quantity of the whole text (:func:`~.numbers.quantities`), in order."""
        from .numbers import quantities

        return [q.value for q in quantities(self.text)]

    def tok_range(self, i: int, j: int | None = None) -> tuple[int, int]:
        """Indices [lo, hi) into ``tokens`` of the words of sentences ``i`` .. ``j`` (inclusive)."""
        j = i if j is None else j
        return bisect_left(self.tokens.starts, self.spans[i].start), bisect_left(self.tokens.starts, self.spans[j].end)

    def keys(self, i: int, j: int | None = None) -> list[str]:
        lo, hi = self.tok_range(i, j)
        return self.word_keys[lo:hi]

    def chars(self, idx) -> int:
        return sum(len(self.spans[i]) for i in idx if not self.boiler[i])


def _hard_wrapped(text: str) -> bool:
    """Lines cut at a fixed width (paragraphs then end at blank lines, not at every newline)."""
    lines = [ln for ln in text.split("\n", 2000) if ln.strip()]
    wrapped = sum(1 for ln in lines if 55 <= len(ln.rstrip()) <= 100)
    return len(lines) >= 5 and wrapped >= 0.6 * len(lines)


def _is_boiler(text: str, s: Span) -> bool:
    line_start = text.rfind("\n", 0, s.start) + 1
    line_end = text.find("\n", s.end)
    line = text[line_start : len(text) if line_end < 0 else line_end].strip()
    if BOILERPLATE_LINE.match(line[:2000]):
        return True
    seg = text[s.start : s.end]
    return len(seg) < 25 and "\n" not in seg and not any(c in seg for c in ".!?") and len(seg.split()) <= 3 and line == seg


# ---------------------------------------------------------------- the map the judge works on


@dataclass(frozen=True)
class Link:
    """Sentence indices of each side in one bead (empty on one side for a one-sided sentence)."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    sim: float = 0.0
    moved: bool = False
    region: int = -1

    def mirrored(self) -> "Link":
        return Link(self.b, self.a, self.sim, self.moved, self.region)


@dataclass
class Region:
    """Sentences of each side examined together, and the passage extents inside them."""

    ia: list[int]
    ib: list[int]
    pa: list[Span]  # passage spans on a
    pb: list[Span]
    kinds: set[str]

    def mirrored(self) -> "Region":
        return Region(self.ib, self.ia, self.pb, self.pa, self.kinds)


@dataclass
class Pairing:
    """The sentence map of one match, in sentence indices; see :meth:`public` for the API form."""

    A: Side
    B: Side
    links: list[Link]
    regions: list[Region]
    rewrite: bool
    capped: bool = False

    @cached_property
    def pairs(self) -> list[Link]:
        return [x for x in self.links if x.a and x.b]

    @cached_property
    def pair_of_a(self) -> dict[int, Link]:
        return {i: x for x in self.pairs for i in x.a}

    @cached_property
    def pair_of_b(self) -> dict[int, Link]:
        return {j: x for x in self.pairs for j in x.b}

    @cached_property
    def examined_a(self) -> list[int]:
        return sorted({i for r in self.regions for i in r.ia})

    @cached_property
    def examined_b(self) -> list[int]:
        return sorted({j for r in self.regions for j in r.ib})

    def reused_share(self, side: str) -> float:
        """Share of the side's content characters (furniture excluded) that pair with the other side."""
        S, got = (self.A, self.pair_of_a) if side == "a" else (self.B, self.pair_of_b)
        total = S.chars(range(len(S)))
        return S.chars(got) / total if total else 0.0

    def covered(self, side: str) -> float:
        """Share of the examined sentences (by characters) of ``side`` that are matched."""
        S, got, ex = (self.A, self.pair_of_a, self.examined_a) if side == "a" else (self.B, self.pair_of_b, self.examined_b)
        total = S.chars(ex)
        return S.chars([i for i in ex if i in got]) / total if total else 0.0

    def public(self) -> SentenceMap:
        """The map as the library exposes it (``Match.sentence_map``)."""
        A, B = self.A, self.B
        rows: list[tuple[tuple[int, int], SentenceLink]] = []
        for x in self.pairs:
            same = A.keys(x.a[0], x.a[-1]) == B.keys(x.b[0], x.b[-1])
            rows.append(((x.a[0], x.b[0]), SentenceLink(
                tuple(A.spans[i] for i in x.a), tuple(B.spans[j] for j in x.b),
                "same" if same else "reworded", x.sim, x.moved)))
        # one-sided rows sit after the last matched row before them on their own side
        chain = [x for x in self.pairs if not x.moved]
        by_a = sorted((x.a[-1], x.b[-1]) for x in chain)
        by_b = sorted((x.b[-1], x.a[-1]) for x in chain)
        best_b = list(itertools.accumulate((b for _, b in by_a), max))
        best_a = list(itertools.accumulate((a for _, a in by_b), max))
        for i in self.examined_a:
            if i not in self.pair_of_a and not A.boiler[i]:
                k = bisect_left(by_a, (i, -1))
                rows.append(((i, best_b[k - 1] if k else -1), SentenceLink((A.spans[i],), (), "a-only")))
        for j in self.examined_b:
            if j not in self.pair_of_b and not B.boiler[j]:
                k = bisect_left(by_b, (j, -1))
                rows.append((((best_a[k - 1] if k else -1) + 0.5, j), SentenceLink((), (B.spans[j],), "b-only")))
        rows.sort(key=lambda r: (r[0][0], r[0][1]))
        note = ""
        if self.capped:
            note = f"only the first {MAX_SENTENCES} sentences of each text's reused material were examined"
        return SentenceMap(tuple(r[1] for r in rows), self.covered("a"), self.covered("b"), self.capped, note)


# ---------------------------------------------------------------- regions


def _inside(S: Side, span: Span) -> list[int]:
    """Sentences of S mostly inside ``span`` (or holding it)."""
    lo = bisect_left([s.end for s in S.spans], span.start + 1)
    out = []
    for i in range(lo, len(S)):
        s = S.spans[i]
        if s.start >= span.end:
            break
        ov = min(s.end, span.end) - max(s.start, span.start)
        if ov > 0 and (ov >= 0.4 * len(s) or ov >= 0.8 * len(span)):
            out.append(i)
    return out


def _with_margin(S: Side, idx: list[int]) -> list[int]:
    if not idx:
        return idx
    lo, hi = max(0, idx[0] - MARGIN), min(len(S) - 1, idx[-1] + MARGIN)
    return list(range(lo, hi + 1))


def build_regions(match: Match, A: Side, B: Side) -> tuple[list[Region], bool, bool]:
    """(regions, rewrite, capped)."""
    rewrite = match.coverage_a >= REWRITE_COVERAGE and match.coverage_b >= REWRITE_COVERAGE
    kinds = {p.kind for p in match.passages}
    if rewrite:
        regions = [Region(list(range(len(A))), list(range(len(B))), [p.a for p in match.passages],
                          [p.b for p in match.passages], kinds)]
    else:
        raw = []
        for p in match.passages:
            ia, ib = _inside(A, p.a), _inside(B, p.b)
            if ia and ib:
                raw.append(Region(_with_margin(A, ia), _with_margin(B, ib), [p.a], [p.b], {p.kind}))
        raw.sort(key=lambda r: (r.ia[0], r.ib[0]))
        regions = []
        for r in raw:
            last = regions[-1] if regions else None
            if last and r.ia[0] <= last.ia[-1] + 1 and r.ib[0] <= last.ib[-1] + 1 and r.ib[-1] >= last.ib[0]:
                last.ia = sorted(set(last.ia) | set(r.ia))
                last.ib = sorted(set(last.ib) | set(r.ib))
                last.pa += r.pa
                last.pb += r.pb
                last.kinds |= r.kinds
            else:
                regions.append(r)
        # a sentence belongs to one region only (the first that holds it)
        seen_a: set[int] = set()
        seen_b: set[int] = set()
        for r in regions:
            r.ia = [i for i in r.ia if i not in seen_a]
            r.ib = [j for j in r.ib if j not in seen_b]
            seen_a |= set(r.ia)
            seen_b |= set(r.ib)
        regions = [r for r in regions if r.ia and r.ib]
    capped = False
    budget_a = budget_b = MAX_SENTENCES
    kept = []
    for r in regions:
        if budget_a <= 0 or budget_b <= 0:
            capped = True
            break
        if len(r.ia) > budget_a or len(r.ib) > budget_b:
            capped = True
            r.ia, r.ib = r.ia[:budget_a], r.ib[:budget_b]
        budget_a -= len(r.ia)
        budget_b -= len(r.ib)
        kept.append(r)
    return kept, rewrite, capped


# ---------------------------------------------------------------- similarity and the alignment


@dataclass
class _TermRows:
    """The content terms of some sentences as a 0/1 matrix over the terms the other side has too (no other term
    counts in an overlap), with each sentence's own number of terms."""

    terms: list[frozenset]
    m: np.ndarray  # sentences x shared terms, float32
    sizes: np.ndarray  # len(terms[x]), float64

    def joined(self) -> "_TermRows":
        """Each sentence joined with the next (the terms of two sentences joined are the union of theirs)."""
        terms = [self.terms[x] | self.terms[x + 1] for x in range(len(self.terms) - 1)]
        return _TermRows(terms, np.maximum(self.m[:-1], self.m[1:]), np.array([len(t) for t in terms], dtype=np.float64))


def _term_rows(ta: list[frozenset], tb: list[frozenset]) -> tuple[_TermRows, _TermRows]:
    shared = sorted(frozenset().union(*ta) & frozenset().union(*tb))
    col = {w: c for c, w in enumerate(shared)}

    def rows(ts: list[frozenset]) -> _TermRows:
        m = np.zeros((len(ts), max(1, len(col))), dtype=np.float32)
        for x, t in enumerate(ts):
            m[x, [col[w] for w in t if w in col]] = 1.0
        return _TermRows(ts, m, np.array([len(t) for t in ts], dtype=np.float64))

    return rows(ta), rows(tb)


def _dice_matrix(ta: _TermRows, tb: _TermRows) -> np.ndarray:
    """:func:`dice` of every sentence of ``ta`` with every sentence of ``tb``, as float32.

    The same figures as ``dice`` one pair at a time: the shared counts are small integers (exact in float32),
    and ``2 * shared / (size_a + size_b)`` is divided in float64 as Python divides, then rounded to float32."""
    shared = (ta.m @ tb.m.T).astype(np.float64)
    total = ta.sizes[:, None] + tb.sizes[None, :]
    out = np.zeros(shared.shape, dtype=np.float64)
    np.divide(2.0 * shared, total, out=out, where=total > 0)
    return out.astype(np.float32)


def _lexical(A: Side, B: Side, ia: list[int], ib: list[int]) -> tuple[np.ndarray, _TermRows, _TermRows]:
    """Content-word :func:`dice` of every sentence pair, and the term rows it was computed from."""
    ta, tb = _term_rows([A.terms(i) for i in ia], [B.terms(j) for j in ib])
    return _dice_matrix(ta, tb), ta, tb


def _combine(lex: np.ndarray, cos: np.ndarray | None) -> np.ndarray:
    if cos is None:
        return lex
    # lexical overlap is precise but misses synonyms; the embedding catches rewording
    return np.maximum(lex, 0.5 * lex + 0.5 * np.clip(cos, 0.0, 1.0) - 0.1)


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, n, out=np.zeros_like(x), where=n > 0)


def _merged_sims(ta: _TermRows, tb: _TermRows, va, vb) -> tuple[np.ndarray, np.ndarray]:
    """sim(a_i + a_i+1, b_j) and sim(a_i, b_j + b_j+1) for every cell (the last row / column is 0)."""
    n, k = len(ta.terms), len(tb.terms)
    s21 = np.zeros((n, k), dtype=np.float32)
    s12 = np.zeros((n, k), dtype=np.float32)
    if n > 1:
        lex = _dice_matrix(ta.joined(), tb)
        cos = _unit(va[:-1] + va[1:]) @ vb.T if va is not None and vb is not None else None
        s21[:-1] = _combine(lex, cos)
    if k > 1:
        lex = _dice_matrix(ta, tb.joined())
        cos = va @ _unit(vb[:-1] + vb[1:]).T if va is not None and vb is not None else None
        s12[:, :-1] = _combine(lex, cos)
    return s21, s12


def _align(s11: np.ndarray, s21: np.ndarray, s12: np.ndarray) -> list[tuple[int, int, int, int, float]]:
    """Monotone beads (x0, x1, y0, y1, sim) maximising the summed gain (sim - PAIR_MIN) of the beads taken."""
    n, k = s11.shape
    full = n * k <= FULL_DP_CELLS
    NEG = -1e9
    best = np.full((n + 1, k + 1), NEG, dtype=np.float64)
    move = np.zeros((n + 1, k + 1), dtype=np.int8)
    best[0, :] = 0.0
    best[:, 0] = 0.0
    g11 = s11 - PAIR_MIN
    g21 = s21 - PAIR_MIN
    g12 = s12 - PAIR_MIN
    for i in range(1, n + 1):
        if full:
            jlo, jhi = 1, k
        else:
            c = int(round(i * k / n))
            jlo, jhi = max(1, c - BAND - abs(n - k) // 4), min(k, c + BAND + abs(n - k) // 4)
            if jlo > 1:
                best[i, jlo - 1] = max(best[i, jlo - 1], best[i - 1, jlo - 1])
        bi, bp = best[i], best[i - 1]
        for j in range(jlo, jhi + 1):
            v, mv = bp[j], 1  # skip a_i
            if bi[j - 1] > v:
                v, mv = bi[j - 1], 2  # skip b_j
            g = g11[i - 1, j - 1]
            if g > 0 and bp[j - 1] + g > v:
                v, mv = bp[j - 1] + g, 3
            if i >= 2:
                g = g21[i - 2, j - 1]
                if g > 0 and s11[i - 2, j - 1] >= PART_MIN and s11[i - 1, j - 1] >= PART_MIN and best[i - 2, j - 1] + g > v:
                    v, mv = best[i - 2, j - 1] + g, 4
            if j >= 2:
                g = g12[i - 1, j - 2]
                if g > 0 and s11[i - 1, j - 2] >= PART_MIN and s11[i - 1, j - 1] >= PART_MIN and bi[j - 2] + g > v:
                    v, mv = bi[j - 2] + g, 5
            bi[j] = v
            move[i, j] = mv
        if not full and jhi < k:
            bi[jhi + 1 :] = np.maximum(bi[jhi + 1 :], bi[jhi])
    out = []
    i, j = n, k
    while i > 0 and j > 0:
        mv = move[i, j]
        if mv == 3:
            out.append((i - 1, i, j - 1, j, float(s11[i - 1, j - 1])))
            i, j = i - 1, j - 1
        elif mv == 4:
            out.append((i - 2, i, j - 1, j, float(s21[i - 2, j - 1])))
            i, j = i - 2, j - 1
        elif mv == 5:
            out.append((i - 1, i, j - 2, j, float(s12[i - 1, j - 2])))
            i, j = i - 1, j - 2
        elif mv == 2:
            j -= 1
        elif mv == 1:
            i -= 1
        else:  # outside the band: walk back along the cheaper side
            if i * k > j * n:
                i -= 1
            else:
                j -= 1
    return out[::-1]


def _sims(A: Side, B: Side, ia: list[int], ib: list[int]):
    lex, ta, tb = _lexical(A, B, ia, ib)
    va, vb = A.vectors(ia), B.vectors(ib)
    cos = va @ vb.T if va is not None and vb is not None else None
    return _combine(lex, cos), ta, tb, va, vb


def _touches(S: Side, idx: tuple[int, ...], spans: list[Span]) -> bool:
    return any(S.spans[i].overlaps(p) for i in idx for p in spans)


def _pair_regions(A: Side, B: Side, regions: list[Region]) -> list[Link]:
    links: list[Link] = []
    for r_i, r in enumerate(regions):
        ia = [i for i in r.ia if A.terms(i)]  # page furniture may match too; it is never added or dropped
        ib = [j for j in r.ib if B.terms(j)]
        if not ia or not ib:
            continue
        s11, ta, tb, va, vb = _sims(A, B, ia, ib)
        s21, s12 = _merged_sims(ta, tb, va, vb)
        for x0, x1, y0, y1, sim in _align(s11, s21, s12):
            la, lb = tuple(ia[x0:x1]), tuple(ib[y0:y1])
            if sim < MOVED_MIN and not (_touches(A, la, r.pa) or _touches(B, lb, r.pb)):
                continue  # margin sentences outside every passage link only when clearly the same
            links.append(Link(la, lb, sim, False, r_i))
    # sentences moved out of order, or just outside a region's edge
    used_a = {i for x in links for i in x.a}
    used_b = {j for x in links for j in x.b}
    ia = [i for r in regions for i in r.ia if i not in used_a and not A.boiler[i] and A.terms(i)]
    ib = [j for r in regions for j in r.ib if j not in used_b and not B.boiler[j] and B.terms(j)]
    if ia and ib:
        m, *_ = _sims(A, B, ia, ib)
        order = np.dstack(np.unravel_index(np.argsort(-m, axis=None, kind="stable"), m.shape))[0]
        for x, y in order:
            if m[x, y] < MOVED_MIN:
                break
            if ia[x] in used_a or ib[y] in used_b:
                continue
            links.append(Link((ia[x],), (ib[y],), float(m[x, y]), True, -1))
            used_a.add(ia[x])
            used_b.add(ib[y])
    links.sort(key=lambda x: (x.a[0], x.b[0]))
    return links


def pair_sentences(match: Match, A: Side | None = None, B: Side | None = None) -> Pairing:
    """The sentence map of ``match``, the same whichever text is called a and which b.

    The alignment breaks ties by position, so it is computed in one canonical order (the smaller
    text first) and mirrored back when needed: compare(a, b) and compare(b, a) see mirrored maps.
    ``A`` / ``B`` may be given when the caller keeps each document's :class:`Side`.
    """
    A = A or Side.of(match.a.text)
    B = B or Side.of(match.b.text)
    if (match.b.text, match.b.id) < (match.a.text, match.a.id):
        flipped = Match(match.b, match.a, tuple(p.swapped() for p in match.passages), match.coverage_b, match.coverage_a)
        regions, rewrite, capped = build_regions(flipped, B, A)
        links = _pair_regions(B, A, regions)
        links = sorted((x.mirrored() for x in links), key=lambda x: (x.a[0], x.b[0]))
        return Pairing(A, B, links, [r.mirrored() for r in regions], rewrite, capped)
    regions, rewrite, capped = build_regions(match, A, B)
    return Pairing(A, B, _pair_regions(A, B, regions), regions, rewrite, capped)
