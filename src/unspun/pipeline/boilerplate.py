"""Boilerplate passages: text held by more than ``max_bucket`` documents (a footer, a licence) that is a
small part of both texts does not link them.

* a passage is *widely held* when at least half of its content words, on side a or on side b, lie in
  windows with at least half of their band keys in *oversize* buckets (buckets of more than
  ``max_bucket`` documents, :func:`held_windows`);
* the widely held passages are boilerplate when together they cover less than ``star_min_share`` of
  each text (the share that admits star evidence): a footer is a small part of the articles that carry
  it; a syndicated story, held as widely, is most of each copy and still links.

:class:`Boilerplate` applies the rule with the held words of each document computed once; the plain
reference (``boilerplate_passages``) is in ``tests/reference.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..fingerprint import band_keys, fingerprint_batch, window_bounds
from ..params import DEFAULT_PARAMS, CandidateParams, FingerprintParams
from ..types import Document

HeldWords = tuple[np.ndarray, np.ndarray]  # (start offsets of a text's fingerprinted words, held flags)


def held_windows(signatures: np.ndarray, oversize: np.ndarray,
                 params: FingerprintParams = DEFAULT_PARAMS.fingerprint) -> np.ndarray:
    """Per window (a row of ``signatures``): whether at least half of its band keys lie in ``oversize``
    buckets, i.e. whether more than ``max_bucket`` documents hold that window's text."""
    sig = np.asarray(signatures)
    if sig.ndim != 2 or not len(sig) or not len(oversize):
        return np.zeros(len(sig) if sig.ndim == 2 else 0, dtype=bool)
    keys = band_keys(sig, params)
    return 2 * np.isin(keys, oversize).sum(axis=1) >= keys.shape[1]


def held_words(text: str, signatures: np.ndarray, oversize: np.ndarray,
               params: FingerprintParams = DEFAULT_PARAMS.fingerprint) -> HeldWords:
    """The fingerprinted words of ``text`` (content words, as :func:`unspun.fingerprint.fingerprint` takes
    them): their start offsets, and whether each lies in a window of ``text`` (``signatures``, its window
    signatures) held by more than ``max_bucket`` documents (:func:`held_windows`).  No word is held when
    the signatures are not those of this text, or no window is held."""
    from ..text import STOPWORDS, words

    held = held_windows(signatures, oversize, params)
    if not held.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    w = words(text)
    pos = [s for s, n in zip(w.starts, w.norms) if not (params.content_words and n in STOPWORDS)]
    n_sh = len(pos) - params.shingle + 1 if len(pos) >= params.shingle else min(1, len(pos))
    bounds = window_bounds(n_sh, params.window, params.step)
    flag = np.zeros(len(pos), dtype=bool)
    if len(bounds) != len(held):  # not the windows of this text: say nothing
        return np.asarray(pos, dtype=np.int64), flag
    for (s, e), h in zip(bounds, held.tolist()):
        if h:  # shingles s..e-1 cover words s..e-1+shingle-1
            flag[s : min(len(pos), e - 1 + params.shingle)] = True
    return np.asarray(pos, dtype=np.int64), flag


def _held_share(spans: Sequence[Any], held: HeldWords) -> list[float]:
    """For each character span: the share of its fingerprinted words that are held (:func:`held_words`)."""
    starts, flag = held
    if not flag.any():
        return [0.0] * len(spans)
    out = []
    for sp in spans:
        lo, hi = np.searchsorted(starts, sp.start, "left"), np.searchsorted(starts, sp.end, "left")
        out.append(float(flag[lo:hi].mean()) if hi > lo else 0.0)
    return out


def boilerplate_flags(len_a: int, len_b: int, passages: Sequence[Any], held_a: HeldWords, held_b: HeldWords,
                      min_share: float) -> list[bool]:
    """Which of the aligned ``passages`` (spans ``.a`` into a text of ``len_a`` characters, ``.b`` into
    one of ``len_b``) are boilerplate, from the two texts' :func:`held_words` (the rule above)."""
    if not held_a[1].any() and not held_b[1].any():
        return [False] * len(passages)
    share_a, share_b = _held_share([p.a for p in passages], held_a), _held_share([p.b for p in passages], held_b)
    held = [x >= 0.5 or y >= 0.5 for x, y in zip(share_a, share_b)]
    if not any(held):
        return held
    from ..api import coverage

    cov_a = coverage([p.a for p, h in zip(passages, held) if h], len_a)
    cov_b = coverage([p.b for p, h in zip(passages, held) if h], len_b)
    if cov_a >= min_share or cov_b >= min_share:
        return [False] * len(passages)
    return held


@dataclass(frozen=True)
class Boilerplate:
    """What the rule needs beyond the pair: the ``oversize`` band keys of the corpus and
    ``signatures(id)`` (a document's window signatures; None: fingerprint its text again).  It keeps the
    :func:`held_words` of the last documents it saw (candidate pairs come sorted: one side repeats)."""

    oversize: np.ndarray
    signatures: Callable[[str], np.ndarray | None] | None = None
    fingerprint: FingerprintParams = DEFAULT_PARAMS.fingerprint
    candidates: CandidateParams = DEFAULT_PARAMS.candidates
    _seen: dict = field(default_factory=dict, compare=False, repr=False)

    def _held(self, d: Document) -> HeldWords:
        key = (d.id, d.text)
        found = self._seen.get(key)
        if found is None:
            s = self.signatures(d.id) if self.signatures is not None else None
            if s is None:
                s = fingerprint_batch([d], self.fingerprint)[0].signatures
            found = held_words(d.text, s, self.oversize, self.fingerprint)
            if len(self._seen) >= 256:
                self._seen.clear()
            self._seen[key] = found
        return found

    def drop(self, a: Document, b: Document, passages: Sequence[Any]) -> list[Any]:
        """``passages`` without the boilerplate ones."""
        if not passages or not len(self.oversize):
            return list(passages)
        flags = boilerplate_flags(len(a.text), len(b.text), passages, self._held(a), self._held(b),
                                  self.candidates.star_min_share)
        return [p for p, f in zip(passages, flags) if not f]
