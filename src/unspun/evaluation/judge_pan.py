"""PAN 2013 pairs as judge evaluations: false alarms on copies whose meaning did not change.

The suspicious document holds a passage taken from the source document and its own text around it.
No PAN obfuscation is labelled as a change of meaning, so every shown (high or medium) flag counts
as a false alarm; the measure is flags per 1,000 reused words (the words of the suspicious
document's truth cases) and per pair.

- ``02-no-obfuscation``: the passage is copied word for word; any shown flag is false (target 0).
- ``04-translation-obfuscation``: the passage went through a chain of machine translations
  (target at most 2 shown flags per 1,000 reused words).
- ``05-summary-obfuscation``: the passage is summarised (only pairs with cases; target at most 1
  shown flag per pair on average).
- ``03-random-obfuscation``: words shuffled, inserted, deleted and replaced; reported, no target
  (random replacements do change meaning, so its flags are not all false).

The documents carry no dates (as in a corpus scan), so the judge decides which text is the copy on
its own. Held-out discipline: :func:`unspun.evaluation.pan.split_halves` (seed 0) splits the pairs;
the judge was tuned on the first half.
"""
from __future__ import annotations

from pathlib import Path

from ..text import words
from ..types import Document
from .judge_eval import Case
from .pan import Corpus, Pair, load_corpus, sample_pairs, split_halves

#: The list of pairs in a vendored sample (tests/data/pan13): "<susp> <src> <category>" per line.
SAMPLE_LIST = "judge-sample.txt"


def load(root: str | Path) -> tuple[Corpus, bool]:
    """The corpus at ``root`` (a full PAN corpus, or a vendored sample with its :data:`SAMPLE_LIST`); and
    whether it is a sample (its pairs are already a fixed held-out sample)."""
    root = Path(root)
    if (root / SAMPLE_LIST).is_file():  # only a vendored sample carries this list
        pairs = [Pair(*line.split()) for line in (root / SAMPLE_LIST).read_text(encoding="utf-8").splitlines() if line.strip()]
        return Corpus(root, pairs), True
    return load_corpus(root), False

SETS = {
    "pan-verbatim": "02-no-obfuscation",
    "pan-random": "03-random-obfuscation",
    "pan-translation": "04-translation-obfuscation",
    "pan-summary": "05-summary-obfuscation",
}


def pan_cases(root: str | Path, set_name: str, *, split: str = "all", sample: int | None = None, seed: int = 0) -> list[Case]:
    """The pairs of one category that hold cases, as judge cases (no edits: every shown flag is false)."""
    corpus, is_sample = load(root)
    cat = SETS[set_name]
    pairs = [p for p in corpus.pairs if p.category == cat]
    if split != "all" and not is_sample:
        tune, held = split_halves(corpus.pairs, 0)
        keep = set(tune if split == "tune" else held)
        pairs = [p for p in pairs if p in keep]
    pairs = [p for p in pairs if corpus.truth(p)]
    if sample is not None:
        pairs = sample_pairs(pairs, sample, seed)
    out = []
    for p in pairs:
        susp, src = corpus.texts(p)
        reused = sum(len(words(susp[f.this_start : f.this_end])) for f in corpus.truth(p))
        out.append(Case(f"{cat}:{p.stem}", Document(p.src, src), Document(p.susp, susp), (), reused, split))
    return out
