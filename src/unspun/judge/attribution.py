"""Credit lines ("Source: X", "originally appeared on X"), bylines and author bios in a text."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..types import Span
from .lexicon import BIO_SENTENCE, BYLINE_LINE, CREDIT_LINE, CREDIT_PHRASE

_URL = re.compile(r"https?://[^\s)\]>\"']+")


@dataclass(frozen=True)
class Credit:
    span: Span  # the whole line or phrase
    name: str  # the source it names
    kind: str  # "credit-line", "credit-phrase", "mention" (according to / via X), "byline", "bio"


def lines(text: str):
    start = 0
    for line in text.split("\n"):
        yield start, line
        start += len(line) + 1


def _strip(s: str) -> str:
    return s.strip().strip(".,;:!?()[]\"'“”‘’ ").strip()


def credits(text: str) -> list[Credit]:
    """Credit lines and phrases that name where the text came from."""
    out: list[Credit] = []
    for start, line in lines(text):
        st = line.strip()
        if not st or len(st) > 160:
            continue
        m = CREDIT_LINE.match(st)
        if m:
            name = _strip(next(g for g in m.groups() if g))
            off = start + line.index(st)
            if name:
                out.append(Credit(Span(off, off + len(st)), name, "credit-line"))
    for m in CREDIT_PHRASE.finditer(text):
        name = _strip(m.group("x") or m.group("y") or "")
        if name and not any(c.span.start <= m.start() < c.span.end for c in out):
            kind = "credit-phrase" if m.group("x") else "mention"  # "according to X" is ordinary reporting
            out.append(Credit(Span(m.start(), m.end()), name, kind))
    return out


def bylines(text: str, sentence_spans: list[Span]) -> list[Credit]:
    """Byline lines ("By Jane Doe") and author-bio sentences ("Jane Doe is a journalist who writes for X")."""
    out: list[Credit] = []
    for start, line in lines(text):
        st = line.strip()
        m = BYLINE_LINE.match(st) if st and len(st) < 60 else None
        if m:
            off = start + line.index(st)
            out.append(Credit(Span(off, off + len(st)), m.group("name"), "byline"))
    for s in sentence_spans:
        sent = text[s.start : s.end]
        m = BIO_SENTENCE.search(sent)
        if m and len(sent) < 400:
            name = m.group("name") if m.groupdict().get("name") else sent.split(" is ")[0][:60]
            out.append(Credit(s, name or "", "bio"))
    return out


def domains(text: str) -> list[tuple[Span, str]]:
    """Host names of the links in ``text`` (without a leading www.)."""
    out = []
    for m in _URL.finditer(text):
        host = (urlsplit(m.group()).hostname or "").lower()
        if host.startswith("www."):
            host = host[4:]
        if host:
            out.append((Span(m.start(), m.end()), host))
    return out


def squash(s: str) -> str:
    """'Hollywood Life' and 'hollywoodlife.com' both give 'hollywoodlife'."""
    s = s.lower()
    s = re.sub(r"^(?:https?://)?(?:www\.)?", "", s)
    s = re.sub(r"\.(?:com|org|net|co\.uk|co|news|info|io|us|uk|de|fr)(?:/.*)?$", "", s)
    s = re.sub(r"^the\s+", "", s)
    return re.sub(r"[^a-z0-9]", "", s)


def names_match(name: str, other: str) -> bool:
    x, y = squash(name), squash(other)
    return bool(x) and bool(y) and len(min(x, y, key=len)) >= 4 and (x == y or x in y or y in x)
