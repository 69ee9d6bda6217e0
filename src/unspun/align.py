"""Text alignment: seed → extend → filter, returning passages with character offsets.

The approach follows the best PAN text-alignment systems (Sanchez-Perez et al.
2014, with ideas from Glinos 2014 and Torrejón & Ramos 2013):

* **seed** — sentence pairs that look alike: tf-idf cosine *and* Dice overlap of
  their content words (catches copies and spun copies), sentence-embedding
  cosine (catches back-translations and heavy rewording that share few words),
  and shared word n-grams (exact reuse of short runs, even inside long or
  badly split sentences);
* **extend** — seeds are grouped into passages when they are close in *both*
  texts (gaps and reordering inside a passage are tolerated); each group is
  checked as a whole and split with a smaller gap when the two sides are not
  similar enough; adjacent groups are merged so a reused passage is reported
  once;
* **filter** — passages that overlap on one side are resolved in favour of the
  stronger one, and short or weak passages are dropped.  When the reuse looks
  like a summary (one side several times longer than the other) a wider gap is
  used, as Sanchez-Perez et al. do.

Everything is deterministic and works on plain strings.  The cost of one call
grows about linearly with the length of the texts, whatever they hold
(repeated sentences are compared once, products and seed partners are
bounded: see :mod:`unspun.overlap`); ``align(..., work=AlignWork())`` counts
what a call did.
"""
from __future__ import annotations

import bisect
import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from .deadline import check_deadline
from .overlap import MAX_PARTNERS, AlignWork, Distinct, cap_partners, compare_rows, expand, lookup, row_values, scored_pairs
from .text import STOPWORDS, normed_tokens, sentences, stem
from .types import Passage, Span


@dataclass(frozen=True)
class AlignParams:
    """Thresholds of the aligner.  The defaults were chosen on one half of the PAN 2013 training pairs."""

    seed_cosine: float = 0.33  # tf-idf cosine of a seed sentence pair
    seed_dice: float = 0.33  # Dice overlap of the content-word sets of a seed sentence pair
    seed_semantic: float = 0.75  # embedding cosine that alone makes a seed
    semantic_min_dice: float = 0.10  # ... if the pair also shares this much vocabulary
    ngram: int = 5  # shared content-word n-grams that make a seed
    merge_window: int = 3  # a sentence is also compared with up to this many consecutive sentences merged (split sentences; 1 = off)
    merge_cosine: float = 0.4  # ... tf-idf cosine and Dice overlap a sentence and the merged run must reach
    merge_dice: float = 0.4
    max_gap: int = 4  # sentences allowed between seeds of one passage
    summary_gap: int = 3  # sentences between seeds of a summary, on its short side (0 = no summaries)
    summary_ratio: float = 3.0  # a summarised text is at least this many times longer than its summary
    summary_cover: float = 0.5  # summary seeds spread over this share of a text: the whole text is summarised
    summary_min_seeds: int = 3
    summary_max_ratio: float = 18.0  # ... and at most this many times
    summary_forward: float = 0.5  # share of summary sentences whose counterparts come later than the previous one's
    summary_copied: float = 0.9  # no summary where passages as long on both sides (copies) cover this share of its short side
    summary_copy_ratio: float = 1.1  # ... "as long": at most this ratio between the two sides' lengths
    summary_step: float = 3.0  # median long-side sentences between counterparts of successive summary sentences
    summary_local: float = 0.87  # no summary when this share of its words found on the long side lie in one window ...
    summary_window: float = 1.5  # ... this many times the summary's length (reuse of one region, not of the whole text)
    summary_min_cosine: float = 0.3  # tf-idf cosine a summary as a whole must reach with the whole text it summarises
    single_seed_min: float = 0.5  # a passage of one seed sentence pair needs at least this score
    validate_cosine: float = 0.34  # tf-idf cosine two sides of a passage must reach as a whole
    min_chars: int = 150  # shorter passages are dropped (on the shorter side) ...
    # ... unless the two texts share nothing longer: a lone passage of at least this many characters
    # scoring at least this is kept (a short paragraph reused on its own, heavily shortened by obfuscation)
    lone_min_chars: int = 100
    lone_min_score: float = 0.6
    min_score: float = 0.4  # passages whose score (larger of fragment cosine and mean seed) is lower are dropped
    min_seeds: int = 1
    best_ratio: float = 0.9  # seeds weaker than this share of their sentence's best seed are dropped
    trim_ratio: float = 0.6  # seeds at a passage's ends weaker than this share of its median seed are cut off
    grow_sim: float = 0.3  # neighbouring sentences this similar to the other side join a passage (0 = off)
    grow_rel: float = 0.5  # ... and at least this share of the passage's median seed
    grow_steps: int = 2  # ... at most this many sentences at each end
    split_inserted: bool = True  # inserted non-prose lines (captions, credits) split a passage
    use_embeddings: bool = False  # semantic seeds; off by default: they lowered PAN plagdet (see README)
    # passage ends are trimmed to the first/last content word found in the other side's passage
    # (-1: the word itself; k > 0: the word with a neighbour at most k words away, order-free; 0: off) ...
    refine_window: int = -1
    refine_min_words: int = 5  # ... when at least this many content words would be cut at that end
    join_gap: int = 800  # passages that follow each other on both sides at most this many characters apart are joined (0 = off)


DEFAULT_PARAMS = AlignParams()


# --------------------------------------------------------------------------- preprocessing


@dataclass
class _Side:
    """One text as the aligner reads it: its sentences and, for every content word inside one, the
    sentence, the offsets and the stem (parallel lists, in text order)."""

    text: str
    sents: list[Span]
    terms: list[list[str]]  # content-word stems per sentence
    word_sent: list[int]  # sentence index of each content word
    word_starts: list[int]  # char start of each content word
    word_ends: list[int]  # char end of each content word
    word_stems: list[str]  # stem of each content word

    def __len__(self) -> int:
        return len(self.word_stems)


def _is_content(norm: str) -> bool:
    return not (norm in STOPWORDS or len(norm) < 2 and not norm.isdigit())


_CONTENT: dict[str, bool] = {}  # memo of _is_content (a pure function of the word; emptied when large)


def _content_mask(norms: list[str]) -> np.ndarray:
    """``[_is_content(w) for w in norms]`` as a bool array, through a memo (one dict look-up per word, in C)."""
    if len(_CONTENT) > 1 << 18:
        _CONTENT.clear()
    got = list(map(_CONTENT.get, norms))
    if None in got:  # (another thread may empty the memo meanwhile: the words missed are answered here)
        fresh = {w: _is_content(w) for w in set(norms).difference(_CONTENT)}
        _CONTENT.update(fresh)
        got = [(fresh[w] if w in fresh else _is_content(w)) if x is None else x for x, w in zip(got, norms)]
    return np.array(got, dtype=bool)


def prepare(text: str) -> _Side:
    """What the aligner reads of one text (a pure function of it: a caller aligning one document with many
    may prepare it once and pass it to :func:`align`)."""
    sents = sentences(text)
    starts, ends, norms = normed_tokens(text)
    if not sents or not norms:
        return _Side(text, sents, [[] for _ in sents], [], [], [], [])
    # each word's sentence: the first one ending after the word starts; words between sentences are skipped
    s_start = np.array([x.start for x in sents], dtype=np.int64)
    s_end = np.array([x.end for x in sents], dtype=np.int64)
    si = np.searchsorted(s_end, starts, side="right")
    inside = si < len(sents)
    inside[inside] = starts[inside] >= s_start[si[inside]]
    keep = inside & _content_mask(norms)
    idx = np.flatnonzero(keep)
    stems = list(map(stem, map(norms.__getitem__, idx.tolist())))
    sent_of = si[idx]
    bounds = np.searchsorted(sent_of, np.arange(len(sents) + 1)).tolist()
    terms = [stems[bounds[k] : bounds[k + 1]] for k in range(len(sents))]
    return _Side(text, sents, terms, sent_of.tolist(), starts[idx].tolist(), ends[idx].tolist(), stems)


def _vocabulary(a: _Side, b: _Side) -> tuple[np.ndarray, np.ndarray, int]:
    """Column ids of every content word of both sides (ids in order of first appearance, a then b)."""
    every = a.word_stems + b.word_stems
    index = {t: k for k, t in enumerate(dict.fromkeys(every))}
    ids = np.fromiter(map(index.__getitem__, every), dtype=np.int64, count=len(every))
    return ids[: len(a)], ids[len(a) :], len(index)


def _tfidf(a: _Side, b: _Side, vocab: tuple[np.ndarray, np.ndarray, int]):
    """Sparse tf-idf rows (L2-normalised) of both sides, idf over all their sentences."""
    ids_a, ids_b, n_vocab = vocab
    na, n = len(a.sents), len(a.sents) + len(b.sents)
    rows = np.concatenate([np.asarray(a.word_sent, dtype=np.int64), np.asarray(b.word_sent, dtype=np.int64) + na])
    cols = np.concatenate([ids_a, ids_b])
    # one entry per word: the duplicates are summed (the counts), the indices sorted, as from counted entries
    tf = sparse.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n, max(1, n_vocab)))
    df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float64)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    w = tf.multiply(idf).tocsr()
    w.data = 1.0 + np.log(w.data)  # sublinear
    norms = np.sqrt(np.asarray(w.multiply(w).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    w = sparse.diags(1.0 / norms) @ w
    return w[:na].tocsr(), w[na:].tocsr()


# --------------------------------------------------------------------------- seeding


@dataclass
class _Overlap:
    """Sentence-by-sentence overlap of the two sides, computed once per alignment over their distinct sentences.

    Sentences with the same content words have the same rows; ``da``/``db`` map
    each sentence to its distinct row, and every score of a sentence pair is
    read through them.
    """

    cos: Any  # sparse (distinct a rows × distinct b rows) tf-idf cosine, sorted indices
    inter: Any  # sparse count of shared content words, the same pattern
    da: Distinct
    db: Distinct
    la: np.ndarray  # distinct content words per distinct a row
    lb: np.ndarray
    x: Any  # the distinct tf-idf rows themselves, for exact scores of pairs found elsewhere
    y: Any
    cos_t: Any = None

    @classmethod
    def of(cls, A: "_Side", B: "_Side", wa, wb, work: AlignWork) -> "_Overlap":
        da = Distinct.of([tuple(sorted(t)) for t in A.terms])
        db = Distinct.of([tuple(sorted(t)) for t in B.terms])
        work.distinct += len(da) + len(db)
        x, y = da.take(wa), db.take(wb)
        cos, inter = compare_rows(x, y, work)
        return cls(cos, inter, da, db, np.diff(x.indptr).astype(np.float64), np.diff(y.indptr).astype(np.float64), x, y)

    def cos_at(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """tf-idf cosine of sentence pairs (i[k], j[k]); pairs never compared (see compare_rows) are scored exactly."""
        u, v = self.da.inv[i], self.db.inv[j]
        out = lookup(self.cos, u, v)
        missing = np.flatnonzero(out == 0)
        if len(missing):
            xu, yv = self.x[u[missing]], self.y[v[missing]]
            out[missing] = np.asarray(xu.multiply(yv).sum(axis=1)).ravel()
        return out

    def shares(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Whether sentence pairs (i[k], j[k]) share a content word (among the pairs compared)."""
        return lookup(self.inter, self.da.inv[i], self.db.inv[j]) > 0

    def dice(self, i: int, j: int) -> float:
        """Dice overlap of the content-word sets of sentences i and j."""
        u, v = int(self.da.inv[i]), int(self.db.inv[j])
        return 2.0 * float(lookup(self.inter, np.array([u]), np.array([v]))[0]) / max(1.0, self.la[u] + self.lb[v])

    def cos_row(self, i: int, lo: int, hi: int) -> np.ndarray:
        """Cosines of a sentence i with b sentences lo..hi-1 (a dense slice of the sentence matrix)."""
        return row_values(self.cos, int(self.da.inv[i]), self.db.inv[lo:hi])

    def cos_col(self, j: int, lo: int, hi: int) -> np.ndarray:
        """Cosines of a sentences lo..hi-1 with b sentence j."""
        if self.cos_t is None:
            self.cos_t = self.cos.T.tocsr()
            self.cos_t.sort_indices()
        return row_values(self.cos_t, int(self.db.inv[j]), self.da.inv[lo:hi])


def _seed_dict(i: np.ndarray, j: np.ndarray, v: np.ndarray) -> dict[tuple[int, int], float]:
    return {(int(x), int(y)): float(c) for x, y, c in zip(i.tolist(), j.tolist(), v.tolist())}


def _lexical_seeds(ov: _Overlap, p: AlignParams, work: AlignWork) -> dict[tuple[int, int], float]:
    """Sentence pairs whose tf-idf cosine and Dice overlap both reach the seed thresholds."""
    cos = ov.cos
    u = np.repeat(np.arange(cos.shape[0], dtype=np.int64), np.diff(cos.indptr))
    v = cos.indices.astype(np.int64)
    c = cos.data
    work.candidates += len(c)
    dice = 2.0 * ov.inter.data / np.maximum(1.0, ov.la[u] + ov.lb[v])
    keep = (c >= p.seed_cosine) & (dice >= p.seed_dice)
    u, v, c = cap_partners(u[keep], v[keep], c[keep], MAX_PARTNERS, work)
    i, j, c = expand(u, v, c, ov.da, ov.db, work)
    return _seed_dict(*cap_partners(i, j, c, MAX_PARTNERS, work))


def _window_rows(w, size: int):
    """Rows for every run of ``size`` consecutive sentences: their tf-idf summed (L2-normalised)."""
    n = w.shape[0]
    if n < size:
        return None
    k = n - size + 1
    m = sparse.csr_matrix((np.ones(k * size), (np.repeat(np.arange(k), size), (np.arange(k)[:, None] + np.arange(size)).ravel())), shape=(k, n))
    ww = (m @ w).tocsr()
    norms = np.sqrt(np.asarray(ww.multiply(ww).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    ww = sparse.diags(1.0 / norms) @ ww
    return ww.tocsr()


def _merged_seeds(ov: _Overlap, wa, wb, p: AlignParams, taken, work: AlignWork) -> dict[tuple[int, int], float]:
    """Seeds between one sentence and a run of consecutive sentences on the other side.

    Obfuscation (and spinning) splits and merges sentences; one long sentence
    then matches no single sentence of the other side well, only several
    neighbouring ones together.  Each sentence of the run that shares words
    with the single sentence becomes a seed, scored by the run's cosine (the
    best run's, when several hold it).  Runs, like sentences, are compared once
    per distinct run.
    """
    seeded = [np.zeros(ov.da.inv.shape[0], dtype=bool), np.zeros(ov.db.inv.shape[0], dtype=bool)]
    for i, j in taken:
        seeded[0][i] = True
        seeded[1][j] = True
    found_a: list[np.ndarray] = []
    found_b: list[np.ndarray] = []
    found_c: list[np.ndarray] = []
    for size in range(2, p.merge_window + 1):
        for axis, (w1, w2) in enumerate(((wa, wb), (wb, wa))):
            d1, d2 = (ov.da, ov.db) if axis == 0 else (ov.db, ov.da)
            ww = _window_rows(w2, size)
            if ww is None:
                continue
            inv2 = d2.inv
            dw = Distinct.of([tuple(inv2[k : k + size].tolist()) for k in range(ww.shape[0])])
            x, y = d1.take(w1), dw.take(ww)
            l1 = np.diff(x.indptr).astype(np.float64)  # distinct content words of each sentence, each run
            l2 = np.diff(y.indptr).astype(np.float64)
            kept = []
            for u, v, c, inter in scored_pairs(x, y, work, min_cos=p.merge_cosine):  # a block at a time
                keep = c >= p.merge_cosine
                keep[keep] = 2.0 * inter[keep] / np.maximum(1.0, l1[u[keep]] + l2[v[keep]]) >= p.merge_dice
                kept.append((u[keep], v[keep], c[keep]))
            if not kept or not sum(len(k[0]) for k in kept):
                continue
            u, v, c = (np.concatenate(z) for z in zip(*kept))
            u, v, c = cap_partners(u, v, c, MAX_PARTNERS, work)
            i, k, c = expand(u, v, c, d1, dw, work)
            fresh = ~seeded[axis][i]
            i, k, c = i[fresh], k[fresh], c[fresh]
            for off in range(size):
                ia, ib = (i, k + off) if axis == 0 else (k + off, i)
                ok = ov.shares(ia, ib)
                found_a.append(ia[ok])
                found_b.append(ib[ok])
                found_c.append(c[ok])
    if not found_a:
        return {}
    i, j, c = np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_c)
    order = np.lexsort((-c, j, i))  # the best run's score for each sentence pair
    i, j, c = i[order], j[order], c[order]
    first = np.r_[True, (i[1:] != i[:-1]) | (j[1:] != j[:-1])] if len(i) else np.zeros(0, dtype=bool)
    return _seed_dict(*cap_partners(i[first], j[first], c[first], MAX_PARTNERS, work))


def _gram_codes(ids: np.ndarray, n: int) -> np.ndarray:
    """One int64 code per run of ``n`` consecutive ids (equal runs, equal codes; distinct runs, distinct
    codes): pairs of codes are renumbered by ``np.unique`` one position at a time."""
    codes = ids[: len(ids) - n + 1]
    for k in range(1, n):
        pair = codes * np.int64(1 << 31) + ids[k : k + len(codes)]
        codes = np.unique(pair, return_inverse=True)[1].astype(np.int64)
    return codes


def _ngram_seeds(a: _Side, b: _Side, n: int, vocab: tuple[np.ndarray, np.ndarray, int]) -> set[tuple[int, int]]:
    """Sentence pairs that share a run of ``n`` content words (a run found at most 5 times in ``a``)."""
    ids_a, ids_b, _ = vocab
    if n <= 0 or len(ids_a) < n or len(ids_b) < n:
        return set()
    codes = _gram_codes(np.concatenate([ids_a, ids_b]), n)
    m = len(ids_a) - n + 1
    ca = codes[:m]
    cb = codes[len(ids_a) :][: len(ids_b) - n + 1]  # runs that start in b (those across the join are dropped)
    order = np.argsort(ca, kind="stable")
    sorted_a = ca[order]
    lo = np.searchsorted(sorted_a, cb, "left")
    count = np.searchsorted(sorted_a, cb, "right") - lo
    hit = np.flatnonzero((count > 0) & (count <= 5))
    if not len(hit):
        return set()
    count = count[hit]
    first = np.repeat(lo[hit] - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
    i = np.asarray(a.word_sent, dtype=np.int64)[order[first]]
    j = np.repeat(np.asarray(b.word_sent, dtype=np.int64)[hit], count)
    return set(zip(i.tolist(), j.tolist()))


def _semantic_seeds(
    a: _Side, b: _Side, ov: _Overlap, embedder, p: AlignParams, taken: set[tuple[int, int]]
) -> dict[tuple[int, int], float]:
    """Sentence pairs that mean the same while sharing few words (back-translations, heavy spinning).

    Only sentences without a lexical seed are considered, a pair must be each
    other's best semantic match, and it must still share some vocabulary.  The
    score is put on the lexical scale (the pair's tf-idf cosine, at least the
    seed threshold) so it does not crowd out lexical seeds.
    """
    if embedder is None or not a.sents or not b.sents:
        return {}
    seeded_a = {i for i, _ in taken}
    seeded_b = {j for _, j in taken}
    ea = embedder.encode([a.text[s.start : s.end] for s in a.sents])
    eb = embedder.encode([b.text[s.start : s.end] for s in b.sents])
    sim = ea @ eb.T
    best_b = sim.argmax(axis=1)
    best_a = sim.argmax(axis=0)
    seeds: dict[tuple[int, int], float] = {}
    for i in range(len(a.sents)):
        j = int(best_b[i])
        if i in seeded_a or j in seeded_b or int(best_a[j]) != i or sim[i, j] < p.seed_semantic:
            continue
        if ov.dice(i, j) >= p.semantic_min_dice:
            seeds[(i, j)] = p.seed_cosine
    return seeds


def _keep_best(seeds: dict[tuple[int, int], float], ratio: float) -> dict[tuple[int, int], float]:
    """Drop seeds much weaker than the best seed of either of their sentences.

    A sentence copied verbatim also resembles other sentences on the same topic;
    only its real counterpart should pull the passage boundaries.
    """
    if ratio <= 0 or not seeds:
        return seeds
    best_a: dict[int, float] = {}
    best_b: dict[int, float] = {}
    for (i, j), v in seeds.items():
        best_a[i] = max(best_a.get(i, 0.0), v)
        best_b[j] = max(best_b.get(j, 0.0), v)
    return {k: v for k, v in seeds.items() if v >= ratio * best_a[k[0]] and v >= ratio * best_b[k[1]]}


# --------------------------------------------------------------------------- extension


def _cluster_1d(seeds: list[tuple[int, int]], axis: int, gap: int) -> list[list[tuple[int, int]]]:
    """Split seeds into runs along one axis where consecutive sentence indices differ by more than ``gap``."""
    if not seeds:
        return []
    ordered = sorted(seeds, key=lambda s: (s[axis], s[1 - axis]))
    out = [[ordered[0]]]
    for s in ordered[1:]:
        if s[axis] - out[-1][-1][axis] > gap:
            out.append([s])
        else:
            out[-1].append(s)
    return out


def _cluster(seeds: list[tuple[int, int]], gap: int, work: AlignWork) -> list[list[tuple[int, int]]]:
    """Alternate 1-D clustering on both axes until stable (Sanchez-Perez's extension).

    Past the alignment's step budget the groups left are taken as they are
    (``work.capped``): no text met on PAN or in news comes near it.
    """
    todo = [(seeds, 0)]
    done: list[list[tuple[int, int]]] = []
    budget = work.step_budget()
    while todo:
        group, axis = todo.pop()
        if work.steps > budget:
            work.capped = True
            done.append(group)
            continue
        work.steps += 2 * len(group)
        parts = _cluster_1d(group, axis, gap)
        if len(parts) == 1:
            other = _cluster_1d(group, 1 - axis, gap)
            if len(other) == 1:
                done.append(group)
            else:
                todo.extend((g, axis) for g in other)
        else:
            todo.extend((g, 1 - axis) for g in parts)
    return done


def _fragment_vec(w, lo: int, hi: int):
    """The L2-normalised sum of rows lo..hi of a CSR matrix (summed row by row, as ``w[lo:hi+1].sum(axis=0)``)."""
    s, e = w.indptr[lo], w.indptr[hi + 1]
    v = np.bincount(w.indices[s:e], weights=w.data[s:e], minlength=w.shape[1])
    n = np.linalg.norm(v)
    return v / n if n else v


class _Fragments:
    """tf-idf cosines of sentence ranges of the two sides, each range pair computed once per alignment."""

    def __init__(self, wa, wb, work: AlignWork):
        self.wa, self.wb, self.work = wa, wb, work
        self._cos: dict[tuple[int, int, int, int], float] = {}

    def cos(self, g: list[tuple[int, int]]) -> float:
        a0, a1 = min(s[0] for s in g), max(s[0] for s in g)
        b0, b1 = min(s[1] for s in g), max(s[1] for s in g)
        key = (a0, a1, b0, b1)
        c = self._cos.get(key)
        if c is None:
            self.work.steps += a1 - a0 + b1 - b0 + 2
            c = self._cos[key] = float(_fragment_vec(self.wa, a0, a1) @ _fragment_vec(self.wb, b0, b1))
        return c


def _extend(seeds: list[tuple[int, int]], frag: _Fragments, gap: int, p: AlignParams, work: AlignWork) -> list[list[tuple[int, int]]]:
    out: list[list[tuple[int, int]]] = []
    for g in _cluster(seeds, gap, work):
        if frag.cos(g) >= p.validate_cosine or gap <= 0 or len(g) == 1:
            out.append(g)
        else:
            out.extend(_extend(g, frag, gap - 1, p, work))
    return out


def _line_bounded(side: _Side, lo: int, hi: int) -> bool:
    """True when sentences lo..hi form whole lines (a line break before and after them)."""
    t = side.text
    before = t[side.sents[lo - 1].end : side.sents[lo].start] if lo > 0 else "\n"
    after = t[side.sents[hi].end : side.sents[hi + 1].start] if hi + 1 < len(side.sents) else "\n"
    return "\n" in before and "\n" in after


def _is_prose(block: str) -> bool:
    """Lines that read as running sentences, as opposed to captions, credits or attribution lines."""
    lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
    return any(len(ln) >= 100 or ln.endswith((".", "!", "?", "”", '"')) for ln in lines)


def _split_foreign(group: list[tuple[int, int]], axis: int, own: _Side, other_side: _Side,
                   work: AlignWork) -> list[list[tuple[int, int]]]:
    """Split a group where whole lines on one side have no seed and resemble nothing on the other side.

    Inserted material such as an embedded tweet's attribution line, an image
    caption or an author bio then stays outside the passages.  (Past the
    alignment's step budget a group is no longer split.)
    """
    if work.steps > work.step_budget():
        work.capped = True
        return [group]
    other = 1 - axis
    ordered = sorted(group, key=lambda s: s[axis])
    keys = [s[axis] for s in ordered]
    vals = [s[other] for s in ordered]
    n = len(ordered)
    work.steps += 2 * n
    pre_lo, pre_hi = list(itertools.accumulate(vals, min)), list(itertools.accumulate(vals, max))
    suf_lo = list(itertools.accumulate(reversed(vals), min))[::-1]
    suf_hi = list(itertools.accumulate(reversed(vals), max))[::-1]
    idx = sorted(set(keys))
    for k in range(len(idx) - 1):
        lo, hi = idx[k] + 1, idx[k + 1] - 1
        if hi < lo or not _line_bounded(own, lo, hi):
            continue
        cut = bisect.bisect_right(keys, idx[k])  # ordered[:cut] lie at or before idx[k], the rest at or after idx[k + 1]
        f_other = (pre_lo[cut - 1], pre_hi[cut - 1])
        s_other = (suf_lo[cut], suf_hi[cut])
        if _overlap(f_other, s_other):
            continue
        # the other side runs on without a gap here and the unseeded lines are not prose
        # (an attribution line, a caption, a link): they were inserted
        gap = own.text[own.sents[lo].start : own.sents[hi].end]
        inserted = s_other[0] - f_other[1] <= 1 and not _is_prose(gap)
        if inserted:
            # ... unless its words sit in the other side's sentences at that point (merged into them)
            near = {t for k in (f_other[1], s_other[0]) for t in other_side.terms[k]}
            gap_terms = {t for k in range(lo, hi + 1) for t in own.terms[k]}
            inserted = len(gap_terms & near) < 0.5 * len(gap_terms)
        if inserted:
            first = [s for s in group if s[axis] <= idx[k]]
            second = [s for s in group if s[axis] >= idx[k + 1]]
            return _split_foreign(first, axis, own, other_side, work) + _split_foreign(second, axis, own, other_side, work)
    return [group]


def _trim_weak_ends(group: list[tuple[int, int]], seeds: dict[tuple[int, int], float], ratio: float) -> list[tuple[int, int]]:
    """Drop seeds at either end of a group (on either side) that are much weaker than the group's median seed.

    A verbatim copy that picks up a loosely similar neighbour sentence would
    otherwise grow past the copied text.
    """
    if ratio <= 0 or len(group) < 3:
        return group
    vals = sorted(seeds[s] for s in group)
    floor = ratio * vals[len(vals) // 2]
    # both orders at once, ends popped by moving a pointer past removed seeds (each seed is passed once);
    # the result is the seeds left, in the order of the last sort (by b, then a)
    orders = [sorted(group, key=lambda s: (s[axis], s[1 - axis])) for axis in (0, 1)]
    ends = [[0, len(group) - 1], [0, len(group) - 1]]
    removed: set[tuple[int, int]] = set()
    size = len(group)

    def end_seed(axis: int, end: int) -> tuple[int, int]:
        e, step = ends[axis], (1 if end == 0 else -1)
        k = 0 if end == 0 else 1
        while orders[axis][e[k]] in removed:
            e[k] += step
        return orders[axis][e[k]]

    changed = True
    while changed and size > 2:
        changed = False
        for axis in (0, 1):
            for end in (0, -1):
                if size > 2:
                    s = end_seed(axis, end)
                    if seeds[s] < floor:
                        removed.add(s)
                        size -= 1
                        changed = True
    return [s for s in orders[1] if s not in removed]


def _grow_ends(groups, ov: _Overlap, seeds: dict[tuple[int, int], float], p: AlignParams, work: AlignWork):
    """Grow each passage by neighbouring sentences that resemble the other side of the passage.

    Heavily reworded sentences at the edges of a reused passage often miss the
    seed thresholds; they still share some vocabulary with the counterpart
    region.  Sentences of other passages are never taken.
    """
    n_a, n_b = len(ov.da.inv), len(ov.db.inv)
    taken_a = {s[0] for g in groups for s in g}
    taken_b = {s[1] for g in groups for s in g}
    out = []
    for g in groups:
        g = list(g)
        members = set(g)
        vals = sorted(seeds[x] for x in g)
        need = max(p.grow_sim, p.grow_rel * vals[len(vals) // 2])  # a verbatim copy only grows by near-copies
        for _ in range(p.grow_steps):
            a_lo, a_hi = min(s[0] for s in g), max(s[0] for s in g)
            b_lo, b_hi = min(s[1] for s in g), max(s[1] for s in g)
            added = []
            sim: dict[tuple[int, int], float] = {}
            for i in (a_lo - 1, a_hi + 1):
                if 0 <= i < n_a and i not in taken_a:
                    lo, hi = max(0, b_lo - 1), min(n_b, b_hi + 2)
                    row = ov.cos_row(i, lo, hi)
                    work.steps += hi - lo
                    k = int(row.argmax())
                    if row[k] >= need:
                        added.append((i, lo + k))
                        sim[(i, lo + k)] = float(row[k])
            for j in (b_lo - 1, b_hi + 1):
                if 0 <= j < n_b and j not in taken_b:
                    lo, hi = max(0, a_lo - 1), min(n_a, a_hi + 2)
                    col = ov.cos_col(j, lo, hi)
                    work.steps += hi - lo
                    k = int(col.argmax())
                    if col[k] >= need:
                        added.append((lo + k, j))
                        sim[(lo + k, j)] = float(col[k])
            added = [x for x in added if x not in members]
            if not added:
                break
            for x in added:
                g.append(x)
                members.add(x)
                seeds.setdefault(x, sim[x])
                taken_a.add(x[0])
                taken_b.add(x[1])
        out.append(g)
    return out


# --------------------------------------------------------------------------- filtering


def _span_of(side: _Side, lo: int, hi: int) -> Span:
    return Span(side.sents[lo].start, side.sents[hi].end)


def _overlap(x: tuple[int, int], y: tuple[int, int]) -> bool:
    return x[0] <= y[1] and y[0] <= x[1]


def _resolve_overlaps(groups: list[list[tuple[int, int]]], score) -> list[list[tuple[int, int]]]:
    """Keep the stronger of two groups that overlap on either side."""
    ranked = sorted(groups, key=lambda g: (-score(g), min(g)))
    kept: list[list[tuple[int, int]]] = []
    # the kept groups' ranges on each side, disjoint, sorted by start (so only the one starting last
    # at or before a range's end can overlap it)
    starts: tuple[list[int], list[int]] = ([], [])
    ends: tuple[list[int], list[int]] = ([], [])
    for g in ranked:
        ranges = [(min(s[axis] for s in g), max(s[axis] for s in g)) for axis in (0, 1)]
        clash = False
        for axis, (lo, hi) in enumerate(ranges):
            pos = bisect.bisect_right(starts[axis], hi) - 1
            if pos >= 0 and ends[axis][pos] >= lo:
                clash = True
                break
        if not clash:
            kept.append(g)
            for axis, (lo, hi) in enumerate(ranges):
                pos = bisect.bisect_right(starts[axis], lo)
                starts[axis].insert(pos, lo)
                ends[axis].insert(pos, hi)
    return kept


def _kind(cos: float, mean_seed: float) -> str:
    if cos >= 0.97:
        return "verbatim"
    if cos >= 0.8:
        return "near-verbatim"
    if cos >= 0.45:
        return "paraphrase"
    return "translation-like"


def _closest_move(prev: list[int], cur: list[int], work: AlignWork) -> int:
    """``min((x - y for x in cur for y in prev), key=abs)`` for sorted lists, by bisection: the smallest
    distance, and of the moves that long, the first in that order (x ascending, then y ascending)."""
    work.steps += len(prev) + len(cur)

    def nearest(x: int) -> int:
        k = bisect.bisect_left(prev, x)
        return min((abs(x - prev[m]) for m in (k - 1, k) if 0 <= m < len(prev)))

    def holds(y: int) -> bool:
        k = bisect.bisect_left(prev, y)
        return k < len(prev) and prev[k] == y

    d = min(nearest(x) for x in cur)
    for x in cur:
        if holds(x - d):
            return d
        if holds(x + d):
            return -d
    raise AssertionError("unreachable")  # pragma: no cover


def _steps(run: list[tuple[int, int]], short_axis: int, work: AlignWork) -> tuple[float, float]:
    """How the counterparts of successive short-side sentences move on the long side.

    Returns (median distance, share of forward moves): a summary keeps the
    order of what it summarises and skips ahead several sentences at a time.
    """
    by_short: dict[int, list[int]] = {}
    for s in run:
        by_short.setdefault(s[short_axis], []).append(s[1 - short_axis])
    order = [sorted(v) for _, v in sorted(by_short.items())]
    moves = [_closest_move(prev, cur, work) for prev, cur in zip(order, order[1:])]
    if not moves:
        return 0.0, 0.0
    dist = sorted(abs(m) for m in moves)
    return float(dist[len(dist) // 2]), sum(m >= 0 for m in moves) / len(moves)


def _concentration(short_side: _Side, short: Span, long_side: _Side, window: float, work: AlignWork) -> float:
    """Share of the summary's distinct content words (found on the long side) that one window of the long side holds.

    A summary draws its words from all over the text it summarises; words that
    sit together in one region of ``window`` characters come from reusing that
    region, not the whole text.
    """
    work.steps += len(short_side) + len(long_side)
    inside = _words_in(short_side, short)
    vocab = set(short_side.word_stems[inside.start : inside.stop])
    hits = [(st, w) for st, w in zip(long_side.word_starts, long_side.word_stems) if w in vocab]
    total = len({w for _, w in hits})
    if not total:
        return 0.0
    counts: dict[str, int] = {}
    best = lo = 0
    for st, w in hits:
        counts[w] = counts.get(w, 0) + 1
        while st - hits[lo][0] > window:
            x = hits[lo][1]
            counts[x] -= 1
            if not counts[x]:
                del counts[x]
            lo += 1
        best = max(best, len(counts))
    return best / total


def _summaries(seeds: list[tuple[int, int]], A: _Side, B: _Side, wa, wb, p: AlignParams,
               work: AlignWork) -> list[tuple[int, Passage]]:
    """Find short passages that summarise a whole text.

    Seeds are grouped along one side only (the summary is compact there); when
    the group's counterparts are spread over most of the other text, and that
    spread is several times longer than the group, the group summarises the
    whole other text.  Returns (side summarised: 0 = a, 1 = b, passage).
    """
    out: list[tuple[int, Passage]] = []
    for short_axis, long_side, short_side, w_long, w_short in ((1, A, B, wa, wb), (0, B, A, wb, wa)):
        whole = Span(long_side.sents[0].start, long_side.sents[-1].end)
        whole_vec: list[np.ndarray] = []  # every sentence of the long side, summed once

        def whole_cosine(lo: int, hi: int) -> float:
            """tf-idf cosine of sentences lo..hi of the short side (a summary) with the whole long side."""
            if not whole_vec:
                whole_vec.append(_fragment_vec(w_long, 0, w_long.shape[0] - 1))
            work.steps += hi - lo + 1
            return float(_fragment_vec(w_short, lo, hi) @ whole_vec[0])

        work.steps += len(seeds)
        for run in _cluster_1d(seeds, short_axis, p.summary_gap):
            if len({s[1 - short_axis] for s in run}) < p.summary_min_seeds:
                continue
            step, forward = _steps(run, short_axis, work)
            if step < p.summary_step or forward < p.summary_forward:
                continue  # a copy (sentence by sentence) or scattered matches, not a summary
            longs = [long_side.sents[s[1 - short_axis]] for s in run]
            shorts = [short_side.sents[s[short_axis]] for s in run]
            l_ext = max(x.end for x in longs) - min(x.start for x in longs)
            short = Span(min(x.start for x in shorts), max(x.end for x in shorts))
            if (
                l_ext < p.summary_cover * len(whole)
                or not p.summary_ratio * len(short) <= len(whole) <= p.summary_max_ratio * len(short)
                or len(short) < p.min_chars
                or _concentration(short_side, short, long_side, p.summary_window * len(short), work) >= p.summary_local
                or whole_cosine(min(s[short_axis] for s in run), max(s[short_axis] for s in run)) < p.summary_min_cosine
            ):
                continue
            pa, pb = (whole, short) if short_axis == 1 else (short, whole)
            out.append((1 - short_axis, Passage(pa, pb, 0.0, "summary")))
    return out


# --------------------------------------------------------------------------- boundaries


def _words_in(side: _Side, span: Span) -> range:
    """Indices of the content words of ``side`` that start inside ``span``."""
    starts = side.word_starts
    return range(bisect.bisect_left(starts, span.start), bisect.bisect_left(starts, span.end))


def _pairs(side: _Side, idx: range, window: int) -> set:
    ws = side.word_stems
    if window < 0:
        return set(ws[idx.start : idx.stop])
    out: set[tuple[str, str]] = set()
    for k in idx:
        for m in range(k + 1, min(idx.stop, k + window + 1)):
            x, y = ws[k], ws[m]
            out.add((x, y) if x <= y else (y, x))
    return out


def _anchored(side: _Side, idx: range, other: set[tuple[str, str]], window: int) -> list[int]:
    """Words of ``idx`` that share an order-free pair of nearby content words with the other side."""
    ws = side.word_stems
    if window < 0:
        return [k for k in idx if ws[k] in other]
    out = []
    for k in idx:
        x = ws[k]
        for m in range(max(idx.start, k - window), min(idx.stop, k + window + 1)):
            if m != k:
                y = ws[m]
                if ((x, y) if x <= y else (y, x)) in other:
                    out.append(k)
                    break
    return out


def _trim_span(side: _Side, span: Span, idx: range, anchored: list[int], min_words: int) -> Span:
    """Cut ``span`` to its first and last anchored word, keeping whole sentences where only function words are cut.

    An end is only cut when at least ``min_words`` content words lie outside the
    anchors there: an obfuscated copy also drops a word or two at its edges.
    """
    if not anchored:
        return span
    sent, starts, ends = side.word_sent, side.word_starts, side.word_ends
    first, last = anchored[0], anchored[-1]
    if first - idx.start < min_words:
        first = idx.start
    if idx.stop - 1 - last < min_words:
        last = idx.stop - 1
    start, end = starts[first], ends[last]
    s_first, s_last = side.sents[sent[first]], side.sents[sent[last]]
    # content words before the first anchor in its sentence?  If none, keep the sentence start
    if first == 0 or sent[first - 1] != sent[first] or starts[first - 1] < span.start:
        start = max(span.start, s_first.start)
    if last + 1 >= len(sent) or sent[last + 1] != sent[last] or starts[last + 1] >= span.end:
        end = min(span.end, s_last.end)
    return Span(max(span.start, start), min(span.end, end))


def _refine(A: _Side, B: _Side, sa: Span, sb: Span, window: int, min_words: int) -> tuple[Span, Span]:
    """Trim both sides of a passage to the words they share (PAN cases start and end mid-sentence)."""
    for _ in range(2):
        ia, ib = _words_in(A, sa), _words_in(B, sb)
        pa, pb = _pairs(A, ia, window), _pairs(B, ib, window)
        na = _trim_span(A, sa, ia, _anchored(A, ia, pb, window), min_words)
        nb = _trim_span(B, sb, ib, _anchored(B, ib, pa, window), min_words)
        if (na, nb) == (sa, sb):
            break
        sa, sb = na, nb
    return sa, sb


#: A line that credits or attributes something: "—Name (@handle) date", "Source: X", "Image Credit: X".
_ATTRIBUTION_LINE = re.compile(
    r"^\W{0,2}(?:[—–]\s*\w|.*\B@\w|(?:via|courtesy(?:\s+of)?)\s+\w|(?:sources?|credits?|photo\w*|image|picture|getty)\b[^:\n]{0,20}:)",
    re.IGNORECASE,
)


def _inserted_line(text: str, lo: int, hi: int) -> bool:
    """True when ``text[lo:hi]`` holds a whole line that credits or attributes (an embedded post's attribution, a credit)."""
    return any(
        ln.strip() and not _is_prose(ln) and _ATTRIBUTION_LINE.match(ln.strip())
        for ln in text[lo:hi].split("\n")[1:-1]
    )


def _join_adjacent(items: list, gap: int, ok, work: AlignWork) -> list:
    """Join passages ``(group, span_a, span_b)`` that continue each other on both sides with small gaps.

    Obfuscation can break one reused passage into two groups (a weak sentence
    pair between them); reporting it twice costs granularity.  Passages split
    around an inserted non-prose line (``ok`` says no) stay apart.  The relation is
    symmetric in the two sides, and joined runs are found as connected
    components, so the result does not depend on the order of the passages.
    """
    if gap <= 0 or len(items) < 2:
        return items

    def follows(x, y) -> bool:
        (_, xa, xb), (_, ya, yb) = x, y
        return (
            xa.start < ya.start and xa.end < ya.end and xb.start < yb.start and xb.end < yb.end
            and ya.start - xa.end <= gap and yb.start - xb.end <= gap
        )

    parent = list(range(len(items)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    # y can only follow x when it starts after x does and at most ``gap`` after x ends (on side a)
    by_start = sorted(range(len(items)), key=lambda k: items[k][1].start)
    starts = [items[k][1].start for k in by_start]
    for i, x in enumerate(items):
        lo = bisect.bisect_right(starts, x[1].start)
        hi = bisect.bisect_right(starts, x[1].end + gap)
        work.steps += hi - lo + 1
        for j in by_start[lo:hi]:
            y = items[j]
            if i != j and follows(x, y) and ok(x, y):
                parent[root(j)] = root(i)
    comps: dict[int, list] = {}
    for k, x in enumerate(items):
        comps.setdefault(root(k), []).append(x)
    out = []
    for comp in comps.values():
        g = [s for x in comp for s in x[0]]
        sa = Span(min(x[1].start for x in comp), max(x[1].end for x in comp))
        sb = Span(min(x[2].start for x in comp), max(x[2].end for x in comp))
        out.append((g, sa, sb))
    out.sort(key=lambda x: (x[1].start, x[2].start))
    return out


# --------------------------------------------------------------------------- entry point


def _capped_seeds(seeds: dict[tuple[int, int], float], work: AlignWork) -> dict[tuple[int, int], float]:
    """At most :data:`~unspun.overlap.MAX_PARTNERS` seeds per sentence on each side (the strongest)."""
    if not seeds:
        return seeds
    keys = np.array(list(seeds), dtype=np.int64)
    vals = np.fromiter(seeds.values(), dtype=np.float64, count=len(seeds))
    counts = np.maximum(np.bincount(keys[:, 0]).max(), np.bincount(keys[:, 1]).max())
    if counts <= MAX_PARTNERS:
        return seeds
    i, j, _ = cap_partners(keys[:, 0], keys[:, 1], vals, MAX_PARTNERS, work)
    return {k: seeds[k] for k in zip(i.tolist(), j.tolist())}


@dataclass
class _Pair:
    """What every stage after seeding reads of one aligned pair."""

    A: _Side
    B: _Side
    ov: _Overlap
    frag: _Fragments
    seeds: dict[tuple[int, int], float]  # (sentence of a, sentence of b) -> seed score
    p: AlignParams
    work: AlignWork

    def spans(self, g: list[tuple[int, int]]) -> tuple[Span, Span]:
        return (
            _span_of(self.A, min(s[0] for s in g), max(s[0] for s in g)),
            _span_of(self.B, min(s[1] for s in g), max(s[1] for s in g)),
        )


def _all_seeds(A: _Side, B: _Side, ov: _Overlap, wa, wb, vocab: tuple[np.ndarray, np.ndarray, int], embedder: Any,
               p: AlignParams, work: AlignWork) -> dict[tuple[int, int], float]:
    """Seed sentence pairs and their scores: lexical, merged neighbours, shared n-grams, then (optionally)
    semantic ones; the best kept and capped."""
    seeds = _lexical_seeds(ov, p, work)
    if p.merge_window > 1:
        for k, v in _merged_seeds(ov, wa, wb, p, set(seeds), work).items():
            seeds.setdefault(k, v)
    check_deadline()
    fresh = sorted(_ngram_seeds(A, B, p.ngram, vocab) - seeds.keys())
    if fresh:  # scored by the sentences' real similarity, so a shared name alone is weak
        ij = np.array(fresh, dtype=np.int64)
        seeds.update(zip(fresh, ov.cos_at(ij[:, 0], ij[:, 1]).tolist()))
    if p.use_embeddings:
        from .embed import get_embedder

        emb = embedder if embedder is not None else get_embedder()
        seeds = _keep_best(seeds, p.best_ratio)
        seeds.update(_semantic_seeds(A, B, ov, emb, p, set(seeds)))
    return _capped_seeds(_keep_best(seeds, p.best_ratio), work)


def _grouped(pair: _Pair, groups: list[list[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
    """The extended groups of sentence pairs with weak ends trimmed, inserted foreign text split off,
    overlaps resolved, weak groups dropped, the rest grown at their ends."""
    p, work, frag, seeds = pair.p, pair.work, pair.frag, pair.seeds
    groups = [_trim_weak_ends(g, seeds, p.trim_ratio) for g in groups]
    if p.split_inserted:
        groups = [h for g in groups for h in _split_foreign(g, 1, pair.B, pair.A, work)]
        groups = [h for g in groups for h in _split_foreign(g, 0, pair.A, pair.B, work)]

    frag_cos = {id(g): frag.cos(g) for g in groups}
    work.steps += len(groups)
    groups = _resolve_overlaps(groups, lambda g: frag_cos[id(g)] * math.log1p(len(g)))
    check_deadline()

    def strong_enough(g: list[tuple[int, int]]) -> bool:
        sa, sb = pair.spans(g)
        if min(len(sa), len(sb)) < min(p.min_chars, p.lone_min_chars) or len(g) < p.min_seeds:
            return False
        return len(g) > 1 or seeds[g[0]] >= p.single_seed_min

    groups = [g for g in groups if strong_enough(g)]
    if p.grow_sim > 0 and groups:
        groups = _grow_ends(groups, pair.ov, seeds, p, work)
    return groups


def _placed(pair: _Pair, groups: list[list[tuple[int, int]]]) -> list[tuple[list[tuple[int, int]], Span, Span]]:
    """Each group with its spans in both texts (refined to the reused words), adjacent ones joined."""
    p, a, b = pair.p, pair.A.text, pair.B.text
    items = []
    for g in groups:
        sa, sb = pair.spans(g)
        if p.refine_window:
            sa, sb = _refine(pair.A, pair.B, sa, sb, p.refine_window, p.refine_min_words)
        items.append((g, sa, sb))

    def joinable(x, y) -> bool:
        # a credit or attribution line on one side where the other side runs on: inserted there, keep them apart
        a_gap, b_gap = a[x[1].end : y[1].start], b[x[2].end : y[2].start]
        if _inserted_line(a, x[1].end, y[1].start) and not any(ch.isalnum() for ch in b_gap):
            return False
        if _inserted_line(b, x[2].end, y[2].start) and not any(ch.isalnum() for ch in a_gap):
            return False
        return pair.frag.cos(x[0] + y[0]) >= p.validate_cosine

    return _join_adjacent(items, p.join_gap, joinable, pair.work)


def _scored(pair: _Pair, items: list[tuple[list[tuple[int, int]], Span, Span]]) -> tuple[list[Passage], list[Passage]]:
    """The passages strong enough to report; the short ones only when the texts share nothing longer."""
    p, seeds = pair.p, pair.seeds
    passages: list[Passage] = []
    lone: list[Passage] = []
    for g, sa, sb in items:
        c = pair.frag.cos(g)
        mean_seed = sum(seeds[s] for s in g) / len(g)
        size, score = min(len(sa), len(sb)), max(c, mean_seed)
        if size < min(p.min_chars, p.lone_min_chars) or score < p.min_score:
            continue  # trimmed below the minimum, or too weak a match as a whole
        if size >= p.min_chars:
            passages.append(Passage(sa, sb, round(score, 4), _kind(c, mean_seed)))
        elif score >= p.lone_min_score:
            lone.append(Passage(sa, sb, round(score, 4), _kind(c, mean_seed)))
    return passages, lone


def _with_summaries(passages: list[Passage], summaries: list[tuple[int, Passage]], p: AlignParams) -> list[Passage]:
    """A whole-text summary replaces the fragments it overlaps on its short side, unless those fragments
    are copies (as long on both sides) covering much of it."""
    for side, sp in summaries:
        short = sp.b if side == 0 else sp.a
        under = [x for x in passages if (x.b if side == 0 else x.a).overlaps(short)]
        copied = sum(len(x.b if side == 0 else x.a) for x in under if max(len(x.a), len(x.b)) <= p.summary_copy_ratio * min(len(x.a), len(x.b)))
        if copied >= p.summary_copied * len(short):
            continue
        passages = [x for x in passages if x not in under]
        passages.append(sp)
    return passages


def align(a: str, b: str, *, embedder: Any = None, params: AlignParams | None = None,
          work: AlignWork | None = None) -> list[Passage]:
    """Find the passages that ``a`` and ``b`` share.

    Returns :class:`Passage` objects sorted by position in ``a``; ``passage.a``
    indexes ``a`` and ``passage.b`` indexes ``b``.  Unrelated texts give ``[]``.
    ``work``, when given, is filled with what the call cost (:class:`~unspun.overlap.AlignWork`).
    Inside :func:`unspun.deadline.time_budget`, a call past its deadline raises
    :class:`~unspun.deadline.TimeBudgetExceeded` between stages.
    """
    p = params or DEFAULT_PARAMS
    work = work if work is not None else AlignWork()
    check_deadline()
    A, B = prepare(a), prepare(b)
    work.sentences += len(A.sents) + len(B.sents)
    work.words += len(A) + len(B)
    if not A.sents or not B.sents:
        return []
    vocab = _vocabulary(A, B)
    wa, wb = _tfidf(A, B, vocab)
    ov = _Overlap.of(A, B, wa, wb, work)
    check_deadline()
    seeds = _all_seeds(A, B, ov, wa, wb, vocab, embedder, p, work)
    work.seeds += len(seeds)
    if not seeds:
        return []
    check_deadline()
    seed_list = sorted(seeds)
    pair = _Pair(A, B, ov, _Fragments(wa, wb, work), seeds, p, work)
    groups = _extend(seed_list, pair.frag, p.max_gap, p, work)
    summaries = _summaries(seed_list, A, B, wa, wb, p, work) if p.summary_gap > 0 else []
    check_deadline()
    passages, lone = _scored(pair, _placed(pair, _grouped(pair, groups)))
    if not passages and not summaries:
        passages = lone
    passages = _with_summaries(passages, summaries, p)
    passages.sort(key=lambda x: (x.a.start, x.b.start))
    return passages
