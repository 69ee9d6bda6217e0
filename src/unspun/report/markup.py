"""Mark up a document's text with passage and distortion spans, escaping every character.

Spans may overlap (two passages, a passage and a distortion, two distortions),
so the text is cut at every span boundary into atomic segments; each segment is
wrapped in one ``<span>`` per span that covers it (distortions outside,
passages inside). Nesting inside one segment is always well formed, whatever
the overlaps. The first segment of each span carries its ``id`` and is the one
keyboard stop for it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..types import Span

#: Lone surrogates cannot be encoded as UTF-8; each becomes U+FFFD so offsets stay the same.
_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_text(text: str) -> str:
    """``text`` with lone surrogates replaced one for one, so it always encodes as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True)
class Mark:
    """One span to mark on one side.

    ``kind`` is ``"p"`` (passage) or ``"d"`` (distortion); ``index`` is the
    passage / distortion number shared by both sides; ``css`` extra classes;
    ``title`` the hover text; ``describedby`` the id of the element that
    explains it (for screen readers).
    """

    kind: str
    index: int
    span: Span
    css: str = ""
    title: str = ""
    describedby: str = ""


def _clip(span: Span, length: int) -> Span | None:
    start, end = min(span.start, length), min(span.end, length)
    return Span(start, end) if end > start else None


def mark_up(text: str, marks: list[Mark], *, side: str, prefix: str = "", start: int = 0, end: int | None = None) -> Markup:
    """Return the HTML of ``text[start:end]`` with every mark wrapped; every character is escaped.

    ``side`` is ``"a"`` or ``"b"``; element ids are ``{prefix}{side}-{kind}{index}``.
    Marks are clipped to the range; a mark that starts before ``start`` gets no id there (the
    range holding its start has it). Empty marks are dropped (a distortion with an empty span
    gets a zero-width anchor so its link still lands).
    """
    text = safe_text(text)
    n = len(text) if end is None else min(end, len(text))
    live: list[tuple[Mark, Span]] = []
    points: list[tuple[int, Mark]] = []  # empty marks: anchors only
    for m in marks:
        sp = _clip(m.span, n)
        if sp is not None and sp.end <= start:
            continue
        if sp is None:
            if start <= min(m.span.start, n) < n or (min(m.span.start, n) == n == len(text)):
                points.append((min(m.span.start, n), m))
        else:
            live.append((m, Span(max(sp.start, start), sp.end) if sp.start < start else sp))
    first_at = {id(m): m.span.start for m in marks}
    cuts = {start, n}
    for _, sp in live:
        cuts.add(sp.start)
        cuts.add(sp.end)
    for pos, _ in points:
        cuts.add(pos)
    bounds = sorted(cuts)

    # Open/close events per boundary; active marks kept in a stable order.
    starts: dict[int, list[tuple[Mark, Span]]] = {}
    for m, sp in live:
        starts.setdefault(sp.start, []).append((m, sp))
    anchors: dict[int, list[Mark]] = {}
    for pos, m in points:
        anchors.setdefault(pos, []).append(m)

    def order(item: tuple[Mark, Span]) -> tuple[int, int, int]:
        m, sp = item
        # distortions outermost, then longer spans outside shorter ones
        return (0 if m.kind == "d" else 1, -(sp.end - sp.start), m.index)

    out: list[str] = []
    active: list[tuple[Mark, Span]] = []
    for i, pos in enumerate(bounds):
        for m in anchors.get(pos, ()):
            out.append(_open(m, side, prefix, first=True) + "</span>")
        if pos == n:
            break
        active = [it for it in active if it[1].end > pos] + starts.get(pos, [])
        active.sort(key=order)
        seg = text[pos : bounds[i + 1]]
        opened = 0
        for m, sp in active:
            out.append(_open(m, side, prefix, first=sp.start == pos and first_at[id(m)] >= start))
            opened += 1
        out.append(str(escape(seg)))
        out.append("</span>" * opened)
    return Markup("".join(out))


def _open(m: Mark, side: str, prefix: str, *, first: bool) -> str:
    cls = f"{m.kind} {m.css}".strip()
    attrs = [f'class="{escape(cls)}"', f'data-{m.kind}="{m.index}"']
    if first:
        attrs.append(f'id="{escape(prefix)}{side}-{m.kind}{m.index}"')
        attrs.append('tabindex="0"')
        attrs.append("data-first")
        if m.describedby:
            attrs.append(f'aria-describedby="{escape(m.describedby)}"')
        if m.kind == "p":
            attrs.append('role="link"')
    if m.title:
        attrs.append(f'title="{escape(m.title)}"')
    return "<span " + " ".join(attrs) + ">"
