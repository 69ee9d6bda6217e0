"""Sentence-by-sentence overlap of two texts at a cost that grows linearly with their length.

The aligner compares every sentence of one text with every sentence of the
other (tf-idf cosine and shared content words).  Done naively that is
quadratic, and on texts that repeat sentences it is worse.  This module keeps
the cost bounded while giving exactly the naive answer on ordinary texts
(the whole PAN 2013 corpus is below every bound):

* **repeats are compared once** — identical sentences (the same content words)
  have identical rows, so the comparison runs over *distinct* rows and the
  results are spread back to every occurrence;
* **bounded products** — the work of a sparse product is the sum, over words,
  of (rows holding the word on one side) × (rows holding it on the other).  Up
  to :data:`EXACT_PRODUCTS` (or :data:`PRODUCTS_PER_WORD` per content word, if
  more) the product is computed in full; past that the costliest words are
  left out of *finding* candidate pairs (they still count in every score), so a
  pair is only compared when it shares at least one less common word;
* **capped partners** — a sentence keeps at most :data:`MAX_PARTNERS` seed
  partners (its strongest), and a sentence repeated ``m`` times whose
  counterpart is repeated ``n`` times (``m·n`` over :data:`FULL_REPEATS`) pairs
  each repeat with the repeats of the other at most :data:`REPEAT_BAND` from
  the diagonal, instead of all ``m·n``.

:class:`AlignWork` counts what one alignment did (sentences, distinct rows,
products, seeds, steps of the later stages) so tests can check that the cost
grows linearly with the input, without timing anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable, Iterator, Sequence

import numpy as np
from scipy import sparse

#: Word-pair products computed in full (the sum over words of rows-with-it on each side) ...
EXACT_PRODUCTS = 4_000_000
#: ... or this many per content word of the two texts, when that is more.
PRODUCTS_PER_WORD = 64
#: What adding one common word's part to one candidate's score costs, in products (measured: pair-by-pair
#: scoring is about this much slower per entry than a sparse product).
COMMON_COST = 4
#: Seed partners one sentence keeps (its strongest); the most on PAN 2013 is 36.
MAX_PARTNERS = 64
#: All pairs of repeats are seeds while (repeats on one side) × (on the other) is at most this (PAN 2013: 40) ...
FULL_REPEATS = 64
#: ... past it each repeat pairs with the repeats of its counterpart at most this far from the diagonal.
REPEAT_BAND = 2
#: Steps the extension may take per seed (plus a constant) before it stops refining groups.
STEPS_PER_SEED = 64
STEPS_BASE = 100_000


@dataclass
class AlignWork:
    """What one call of :func:`unspun.align.align` cost, in countable units.

    ``products``: word-pair products of the sentence comparisons; ``seeds``: seed
    sentence pairs kept; ``steps``: elements visited by extension, summaries,
    overlap resolution, growing and joining; ``capped``: a bound of this module
    changed what was compared (the texts were large or repetitive).
    """

    sentences: int = 0
    distinct: int = 0
    words: int = 0
    products: int = 0
    candidates: int = 0
    seeds: int = 0
    steps: int = 0
    capped: bool = False

    def step_budget(self) -> int:
        return STEPS_BASE + STEPS_PER_SEED * max(self.seeds, self.sentences)


# --------------------------------------------------------------------------- distinct rows


@dataclass
class Distinct:
    """Rows of a sentence matrix grouped by key: ``inv[i]`` is row i's distinct id, ``first[u]`` its first row."""

    inv: np.ndarray
    first: np.ndarray
    order: np.ndarray  # rows sorted by distinct id (each group ascending)
    start: np.ndarray  # order[start[u]:start[u + 1]] are the rows of distinct id u

    @classmethod
    def of(cls, keys: Sequence[Hashable]) -> "Distinct":
        ids: dict[Hashable, int] = {}
        inv = np.fromiter((ids.setdefault(k, len(ids)) for k in keys), dtype=np.int64, count=len(keys))
        order = np.argsort(inv, kind="stable")
        counts = np.bincount(inv, minlength=len(ids))
        start = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(counts, out=start[1:])
        first = order[start[:-1]] if len(ids) else np.zeros(0, dtype=np.int64)
        return cls(inv, first, order, start)

    def __len__(self) -> int:
        return len(self.first)

    def count(self, u: np.ndarray) -> np.ndarray:
        return self.start[u + 1] - self.start[u]

    def rows(self, u: int) -> np.ndarray:
        return self.order[self.start[u] : self.start[u + 1]]

    def take(self, m: Any) -> Any:
        """The distinct rows of matrix ``m`` (``m`` itself when no row repeats)."""
        return m if len(self.first) == m.shape[0] else m[self.first]


# --------------------------------------------------------------------------- products


def binary(m: Any) -> Any:
    """A CSR matrix's pattern as ones, with its entry order (so products of both have one entry order)."""
    out = m.copy()
    out.data = np.ones_like(out.data)
    return out


def _col_counts(m: Any, ncols: int) -> np.ndarray:
    return np.bincount(m.indices, minlength=ncols).astype(np.float64)


def _common_words(x: Any, y: Any, work: AlignWork) -> np.ndarray | None:
    """The words left out of finding candidate pairs (the costliest first), or None when the full product fits."""
    ncols = x.shape[1]
    cx, cy = _col_counts(x, ncols), _col_counts(y, ncols)
    prod = cx * cy
    total = float(prod.sum())
    budget = max(EXACT_PRODUCTS, PRODUCTS_PER_WORD * work.words)
    if total <= budget:
        work.products += int(total)
        return None
    # Leave out the costliest words, fewest first, until the candidates they leave cost the budget: each
    # candidate costs its rare-word products plus COMMON_COST × the common words its two rows hold
    # (those scores are then added pair by pair).
    work.capped = True
    order = np.argsort(-prod, kind="stable")
    left = total - np.cumsum(prod[order])
    per_pair = 1.0 + COMMON_COST * np.cumsum(cx[order] / max(1, x.shape[0]) + cy[order] / max(1, y.shape[0]))
    fits = left * per_pair <= budget
    k = int(np.argmax(fits)) + 1 if fits.any() else len(order)
    common = np.zeros(ncols, dtype=bool)
    common[order[:k]] = True
    work.products += int(prod[~common].sum())
    return common


def _block(x: Any, y: Any, common: np.ndarray | None, work: AlignWork,
           min_cos: float | None = None) -> tuple[Any, Any]:
    """Cosine and shared-word count of the rows of ``x`` with those of ``y`` (CSR, one pattern, same entry order);
    the count is None when no cosine reaches ``min_cos`` (nothing there for the caller)."""
    if common is None:
        cos = (x @ y.T).tocsr()
        if min_cos is not None and not (cos.data >= min_cos).any():
            return cos, None
        inter = (binary(x) @ binary(y).T).tocsr()
        if not np.array_equal(cos.indptr, inter.indptr) or not np.array_equal(cos.indices, inter.indices):
            cos.sort_indices()  # the inputs' entry orders differ (the values do not depend on it)
            inter.sort_indices()
        return cos, inter
    rare = ~common
    xr, yr = x[:, rare], y[:, rare]
    cos, inter = (xr @ yr.T).tocsr(), (binary(xr) @ binary(yr).T).tocsr()
    if not np.array_equal(cos.indices, inter.indices):
        cos.sort_indices()
        inter.sort_indices()
    if not common.any() or not cos.nnz:
        return cos, inter
    # the common words' part of each candidate's scores, pair by pair
    rows = np.repeat(np.arange(cos.shape[0], dtype=np.int64), np.diff(cos.indptr))
    cols = cos.indices.astype(np.int64)
    xc, yc = x[:, common].tocsr(), y[:, common].tocsr()
    xbc, ybc = binary(xc), binary(yc)
    cos_vals, inter_vals = cos.data.astype(np.float64), inter.data.astype(np.float64)
    for lo in range(0, len(rows), 100_000):
        r, c = rows[lo : lo + 100_000], cols[lo : lo + 100_000]
        cos_vals[lo : lo + len(r)] += np.asarray(xc[r].multiply(yc[c]).sum(axis=1)).ravel()
        inter_vals[lo : lo + len(r)] += np.asarray(xbc[r].multiply(ybc[c]).sum(axis=1)).ravel()
        work.products += int(xbc[r].nnz + ybc[c].nnz)
    shape = cos.shape
    return (sparse.csr_matrix((cos_vals, cos.indices, cos.indptr), shape=shape),
            sparse.csr_matrix((inter_vals, cos.indices, cos.indptr), shape=shape))


def scored_pairs(x: Any, y: Any, work: AlignWork, block_rows: int = 2048,
                 min_cos: float | None = None) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Row pairs of ``x`` and ``y`` that share a word, as (row, col, cosine, shared words), a block of rows at a time
    (blocks where no cosine reaches ``min_cos`` are skipped).

    ``x @ y.T`` and the shared-word counts entry by entry (exactly the full
    products' values) while they fit the product budget; past it, pairs sharing
    only the commonest words are left out (``work.capped``), the others scored
    exactly.
    """
    common = _common_words(x, y, work)
    for lo in range(0, x.shape[0], block_rows):
        bx = x if lo == 0 and x.shape[0] <= block_rows else x[lo : lo + block_rows]
        cos, inter = _block(bx, y, common, work, min_cos)
        work.candidates += cos.nnz
        if inter is None:
            continue
        rows = lo + np.repeat(np.arange(cos.shape[0], dtype=np.int64), np.diff(cos.indptr))
        yield rows, cos.indices.astype(np.int64), cos.data, inter.data


def compare_rows(x: Any, y: Any, work: AlignWork) -> tuple[Any, Any]:
    """Cosine and shared-word counts (:func:`scored_pairs`) as two CSR matrices with sorted indices, one pattern."""
    cos, inter = _block(x, y, _common_words(x, y, work), work)
    work.candidates += cos.nnz
    if cos.has_sorted_indices:
        return cos, inter
    cos.sort_indices()  # one pattern: both sort into the same entry order
    inter.sort_indices()
    return cos, inter


def lookup(m: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``m[rows[k], cols[k]]`` for every k (0 where absent) of a CSR matrix with sorted indices, vectorised."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    out = np.zeros(len(rows), dtype=np.float64)
    if not len(rows) or not m.nnz:
        return out
    ncols = m.shape[1]
    entry_rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    keys = entry_rows * ncols + m.indices.astype(np.int64)
    want = rows * ncols + cols
    pos = np.searchsorted(keys, want)
    ok = pos < len(keys)
    ok[ok] = keys[pos[ok]] == want[ok]
    out[ok] = m.data[pos[ok]]
    return out


def row_values(m: Any, row: int, cols: np.ndarray) -> np.ndarray:
    """``m[row, cols]`` as a dense array (0 where absent) of a CSR matrix with sorted indices."""
    lo, hi = m.indptr[row], m.indptr[row + 1]
    idx, data = m.indices[lo:hi], m.data[lo:hi]
    out = np.zeros(len(cols), dtype=np.float64)
    if hi == lo or not len(cols):
        return out
    pos = np.searchsorted(idx, cols)
    ok = pos < len(idx)
    ok[ok] = idx[pos[ok]] == cols[ok]
    out[ok] = data[pos[ok]]
    return out


# --------------------------------------------------------------------------- partners


def cap_partners(i: np.ndarray, j: np.ndarray, v: np.ndarray, k: int, work: AlignWork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep at most ``k`` pairs per ``i`` and per ``j``, the highest ``v`` first (ties: lower index first)."""
    if not len(i) or max(np.bincount(i).max(), np.bincount(j).max()) <= k:
        return i, j, v
    keep = np.ones(len(i), dtype=bool)
    for own, other in ((i, j), (j, i)):
        idx = np.flatnonzero(keep)
        if not len(idx):
            break
        o, t, val = own[idx], other[idx], v[idx]
        order = np.lexsort((t, -val, o))
        so = o[order]
        first = np.r_[0, np.flatnonzero(so[1:] != so[:-1]) + 1]
        rank = np.arange(len(so)) - np.repeat(first, np.diff(np.r_[first, len(so)]))
        over = order[rank >= k]
        if len(over):
            work.capped = True
            keep[idx[over]] = False
    return i[keep], j[keep], v[keep]


def band(m: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (r, c) of ``m`` repeats with ``n`` repeats: all of them up to :data:`FULL_REPEATS` pairs, else a
    diagonal band: each repeat of the shorter list pairs with the repeats of the longer within ``k`` of its
    proportional position (so nobody gets more than ``2k + 1`` partners, and every repeat of the shorter list
    some)."""
    if m * n <= FULL_REPEATS:
        r, c = np.divmod(np.arange(m * n, dtype=np.int64), n)
        return r, c
    if m > n:
        c, r = band(n, m, k)
        return r, c
    r = np.arange(m, dtype=np.int64)
    center = (r * (n - 1)) // (m - 1) if m > 1 else np.full(1, (n - 1) // 2, dtype=np.int64)  # distinct: n >= m
    c = (center[:, None] + np.arange(-k, k + 1)).ravel()
    r = np.repeat(r, 2 * k + 1)
    inside = (c >= 0) & (c < n)
    return r[inside], c[inside]


def expand(u: np.ndarray, v: np.ndarray, vals: np.ndarray, da: Distinct, db: Distinct,
           work: AlignWork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spread pairs of distinct rows (u, v) to pairs of the rows that hold them (see :func:`band`)."""
    if not len(u):
        return u, v, vals
    m, n = da.count(u), db.count(v)
    single = (m == 1) & (n == 1)
    out_i = [da.first[u[single]]]
    out_j = [db.first[v[single]]]
    out_v = [vals[single]]
    for k in np.flatnonzero(~single):
        ra, rb = da.rows(int(u[k])), db.rows(int(v[k]))
        r, c = band(len(ra), len(rb), REPEAT_BAND)
        if len(r) < len(ra) * len(rb):
            work.capped = True
        out_i.append(ra[r])
        out_j.append(rb[c])
        out_v.append(np.full(len(r), vals[k]))
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_v)
