"""Synthetic article-sized documents with known copies (shared by the benchmarks).

``make_corpus(n, seed)`` returns ``(docs, copies)``: ``n`` documents of 350-700
words drawn from a Zipf-distributed pseudo-English vocabulary (so word
frequencies look like news text), of which a share are copies of earlier
documents made in one of three styles:

* ``verbatim`` — the original with a different first line (a republisher's header);
* ``light`` — ~5% of the words replaced, a sentence dropped, a sentence added;
* ``spun`` — ~30% of the content words replaced by a fixed "synonym", neighbouring
  words swapped here and there, a sentence dropped (what an article spinner does).

``copies`` lists ``(copy_id, original_id, style)``.  Deterministic for a seed.
"""
from __future__ import annotations

import numpy as np

from unspun.types import Document

STYLES = ("verbatim", "light", "spun")
_LETTERS = np.array(list("etaoinshrdlcumwfgypbvkjxqz"))
_LETTER_P = np.array([12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0, 2.0,
                      1.9, 1.5, 1.0, 0.8, 0.2, 0.2, 0.1, 0.1])


def _vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    words: set[str] = set()
    out: list[str] = []
    p = _LETTER_P / _LETTER_P.sum()
    while len(out) < size:
        lengths = rng.integers(2, 11, size)
        letters = rng.choice(_LETTERS, int(lengths.sum()), p=p)
        pos = 0
        for n in lengths.tolist():
            w = "".join(letters[pos : pos + n])
            pos += n
            if w not in words and len(out) < size:
                words.add(w)
                out.append(w)
    return out


class _Gen:
    def __init__(self, seed: int, vocab_size: int = 40_000):
        self.rng = np.random.default_rng(seed)
        from unspun.text import STOPWORDS

        stop = sorted(STOPWORDS)
        # the most frequent ranks are real function words, as in English text
        self.vocab = stop + [w for w in _vocabulary(self.rng, vocab_size) if w not in STOPWORDS][: vocab_size - len(stop)]
        ranks = np.arange(1, vocab_size + 1)
        p = (1.0 / ranks**1.05) / np.sum(1.0 / ranks**1.05)
        self.cdf = np.cumsum(p)
        perm = self.rng.permutation(vocab_size)
        self.synonym = {self.vocab[i]: self.vocab[j] for i, j in enumerate(perm)}

    def sentence(self) -> list[str]:
        n = int(self.rng.integers(8, 26))
        idx = np.minimum(np.searchsorted(self.cdf, self.rng.random(n)), len(self.vocab) - 1)
        return [self.vocab[i] for i in idx.tolist()]

    def article(self) -> list[list[str]]:
        target = int(self.rng.integers(350, 700))
        sents: list[list[str]] = []
        while sum(map(len, sents)) < target:
            sents.append(self.sentence())
        return sents


def render(sents: list[list[str]], header: str = "") -> str:
    paras = []
    for i in range(0, len(sents), 4):
        paras.append(" ".join(" ".join(s).capitalize() + "." for s in sents[i : i + 4]))
    return (header + "\n\n" if header else "") + "\n\n".join(paras) + "\n"


def _edit(g: _Gen, sents: list[list[str]], style: str) -> list[list[str]]:
    rng = g.rng
    out = [list(s) for s in sents]
    if style == "verbatim":
        return out
    rate = 0.05 if style == "light" else 0.30
    for s in out:
        for i, w in enumerate(s):
            if len(w) > 3 and rng.random() < rate:
                s[i] = g.synonym.get(w, w) if style == "spun" else g.vocab[int(rng.integers(len(g.vocab)))]
        if style == "spun":
            for i in range(len(s) - 1):
                if rng.random() < 0.05:
                    s[i], s[i + 1] = s[i + 1], s[i]
    if len(out) > 3:
        del out[int(rng.integers(1, len(out)))]
    if style == "light":
        out.insert(int(rng.integers(0, len(out))), g.sentence())
    return out


def make_corpus(n: int, seed: int = 7, copy_share: float = 0.1) -> tuple[list[Document], list[tuple[str, str, str]]]:
    g = _Gen(seed)
    docs: list[Document] = []
    sents_of: list[list[list[str]]] = []
    copies: list[tuple[str, str, str]] = []
    for i in range(n):
        did = f"doc{i:07d}"
        if i > 10 and g.rng.random() < copy_share:
            j = int(g.rng.integers(0, i))
            style = STYLES[int(g.rng.integers(len(STYLES)))]
            sents = _edit(g, sents_of[j], style)
            copies.append((did, docs[j].id, style))
            header = f"Republished by site {i % 97}"
        else:
            sents = g.article()
            header = ""
        sents_of.append(sents)
        docs.append(Document(id=did, text=render(sents, header)))
    return docs, copies


def copy_queries(docs: list[Document], count: int, seed: int = 5) -> list[tuple[Document, str]]:
    """``count`` documents of ``docs`` picked at random (in corpus order), each with a copy to query for: light
    edits and spun ones alternating, in the vocabulary of ``make_corpus``'s default seed (spun copies use its
    synonyms)."""
    g = _Gen(7)
    picks = sorted(np.random.default_rng(seed).choice(len(docs), count, replace=False).tolist())
    out = []
    for j, i in enumerate(picks):
        sents = [s.split() for s in docs[i].text.replace("\n", " ").split(".") if s.split()]
        out.append((docs[i], render(_edit(g, [[w.lower() for w in s] for s in sents], "spun" if j % 2 else "light"))))
    return out


def make_queries(n: int, seed: int = 99) -> list[Document]:
    """Fresh articles that are copies of nothing (for latency of the common, negative check)."""
    g = _Gen(seed)
    return [Document(id=f"query{i:05d}", text=render(g.article())) for i in range(n)]
