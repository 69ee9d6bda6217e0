"""Polarity of a sentence's predicates, from the dependency parse.

A predicate is negated when a negation attaches to it ("did *not* say", "*never* said"), when its
subject or object is a negative quantifier ("*no* tumours *were* found", "*nobody* came"), or when
"without" governs it. Two sentences disagree in polarity when a predicate both have (the same word,
stemmed) is negated in one and not in the other. "voting *no*" (an object) and a restatement that
moves the negation to a predicate the other sentence does not have are not flips.
"""
from __future__ import annotations

import re
from collections import Counter

from .lexicon import NEGATIONS, NEGATIVE, POSITIVE
from .sentmap import key
from ..text import stem

#: Negative quantifiers that negate the clause they are an argument of.
_NEG_ARGS = frozenset("nothing nobody none noone neither".split())
_ARG_DEPS = frozenset("nsubj nsubjpass dobj pobj attr dative oprd".split())


def is_cue(norm: str) -> bool:
    """A word that can negate (cheap test on normalised words, before any parse)."""
    return norm in NEGATIONS or norm.endswith("n't") or norm == "nor"


def _predicate(tok):
    """The verb (or copula) a token belongs to: walk up to the first verb/aux head."""
    t = tok
    for _ in range(6):
        if t.tag_.startswith("VB") or t.tag_ == "MD" or t.dep_ in ("ROOT",):
            return t
        if t.head is t:
            return t
        t = t.head
    return t


def negated_predicates(doc) -> Counter[str]:
    """Stemmed predicate words of ``doc`` and how many of their occurrences are negated."""
    out: Counter[str] = Counter()
    for t in doc:
        low = t.lower_.replace("’", "'")
        head = None
        if t.dep_ == "neg" or low in ("never", "n't", "not"):
            if low == "not" and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "only":
                continue  # "not only ... but also"
            head = t.head
        elif low == "no" and t.dep_ == "det" and t.head.dep_ in _ARG_DEPS:
            head = t.head.head
        elif low in _NEG_ARGS and t.dep_ in _ARG_DEPS:
            head = t.head
        elif low == "without" and t.dep_ == "prep":
            head = t.head
        if head is None:
            continue
        p = _predicate(head)
        out[key(p.lower_.replace("’", "'"))] += 1
    return out


def predicates(doc) -> Counter[str]:
    return Counter(key(t.lower_.replace("’", "'")) for t in doc if t.tag_.startswith("VB") or t.tag_ == "MD")


_AFFIX = re.compile(r"^(?:un|in|im|ir|il|dis|non-?)(\w{3,})$")


def _affix_negated(doc) -> set[str]:
    """Words negated by a prefix ("incorrect", "untrue", "dishonest") -> their stems ("correct", "true")."""
    out = set()
    for t in doc:
        m = _AFFIX.match(t.lower_)
        if m and t.tag_.startswith(("JJ", "VB", "RB")):
            out.add(stem(m.group(1)))
    return out


def flipped(doc_a, doc_b) -> list[str]:
    """Predicates both sentences have whose polarity differs ("not correct" / "incorrect" does not)."""
    na, nb = negated_predicates(doc_a), negated_predicates(doc_b)
    pa, pb = predicates(doc_a), predicates(doc_b)
    if (sum(na.values()) > 0) != (sum(nb.values()) > 0):
        neg_doc, other = (doc_a, doc_b) if sum(na.values()) else (doc_b, doc_a)
        words = {stem(t.lower_) for t in neg_doc}
        if _affix_negated(other) & words:
            return []  # the negation moved into a prefix
    out = []
    for k in sorted(set(na) | set(nb)):
        if (pa[k] or na[k]) and (pb[k] or nb[k]) and (na[k] > 0) != (nb[k] > 0):
            out.append(k)
    return out


def sentiment(norms: list[str]) -> int:
    """+1, -1 or 0: the sign of the affective words in ``norms``."""
    s = 0
    for w in norms:
        k = stem(w)
        if w in NEGATIVE or k in NEGATIVE:
            s -= 1
        elif w in POSITIVE or k in POSITIVE:
            s += 1
    return (s > 0) - (s < 0)
