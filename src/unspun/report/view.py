"""Plain view models for the templates: everything a page shows, computed in Python.

Templates only lay these out; all text reaches them as ``str`` and is escaped by
Jinja's autoescape, except the marked-up document bodies, which
:func:`unspun.report.markup.mark_up` builds and escapes character by character.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import quote, urlsplit

from ..types import Document, Match, SentenceMap, Span
from .markup import _SURROGATE, Mark, mark_up, safe_text

#: Number of distinct passage colours (classes ``c0`` … ``c11`` in style.css).
N_COLOURS = 12
SEVERITIES = ("high", "medium", "low")


def severity_rank(sev: str) -> int:
    return SEVERITIES.index(sev) if sev in SEVERITIES else len(SEVERITIES)


def safe_href(url: str | None) -> str | None:
    """An http(s) URL may become a link; anything else (``javascript:``, ``data:`` …) stays text."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def doc_view(doc: Document, side: str) -> dict[str, Any]:
    return {
        "side": side,
        "label": side.upper(),
        "id": safe_text(doc.id),
        "title": safe_text(doc.title) if doc.title else None,
        "url": safe_text(doc.url) if doc.url else None,
        "href": safe_href(safe_text(doc.url)) if doc.url else None,
        "published": safe_text(doc.published) if doc.published else None,
        "byline": safe_text(doc.byline) if doc.byline else None,
        "length": len(doc.text),
        "name": safe_text(doc.title or doc.id),
    }


def to_json(obj: Any, indent: int | None = 2) -> str:
    """JSON text that always encodes as UTF-8: a lone surrogate inside a string becomes its ``\\uXXXX`` escape."""
    s = json.dumps(obj, ensure_ascii=False, indent=indent)
    return _SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), s)


def json_data_uri(obj: Any) -> str:
    """A ``data:`` URI holding ``obj`` as JSON (percent-encoded, so it is safe in an attribute)."""
    return "data:application/json;charset=utf-8," + quote(to_json(obj), safe="")


def excerpt(text: str, start: int, end: int, width: int = 90) -> str:
    s = " ".join(safe_text(text[start:end]).split())
    return s if len(s) <= width else s[: width - 1] + "…"


def distortion_counts(match: Match) -> list[dict[str, Any]]:
    """Rows ``{kind, high, medium, low, total}``, most severe kinds first."""
    by_kind: dict[str, Counter[str]] = {}
    for d in match.distortions:
        by_kind.setdefault(d.kind, Counter())[d.severity] += 1
    rows = []
    for kind, c in by_kind.items():
        rows.append({"kind": kind, **{s: c.get(s, 0) for s in SEVERITIES}, "total": sum(c.values())})
    rows.sort(key=lambda r: (-r["high"], -r["medium"], -r["total"], r["kind"]))
    return rows


def severity_totals(match: Match) -> dict[str, int]:
    c = Counter(d.severity for d in match.distortions)
    return {s: c.get(s, 0) for s in SEVERITIES}


#: Row classes of the side-by-side view, and how the legend explains them.
ROW_LEGEND = (
    ("same", "reused word for word"),
    ("reworded", "reused, reworded"),
    ("copy-only", "only in the copy (added)"),
    ("original-only", "only in the original (left out)"),
    ("plain", "not part of the reuse"),
)


def _chain(sm: SentenceMap) -> list:
    """The matched rows that keep reading order on both sides (moved sentences are left to the gaps)."""
    out, last_b = [], -1
    for link in sm.links:
        if link.a and link.b and not link.moved and link.b[0].start >= last_b:
            out.append(link)
            last_b = link.b[-1].end
    return out


def _one_sided(sm: SentenceMap | None, side: str) -> list[Span]:
    if sm is None:
        return []
    return [s for x in sm.links for s in (x.a if side == "a" else x.b) if not (x.b if side == "a" else x.a)]


def rows(match: Match, marks: dict[str, list[Mark]], prefix: str) -> list[dict[str, Any]]:
    """The two texts cut into rows that line up sentence by sentence along the sentence map.

    Each matched row of the map is a row (``same`` or ``reworded``); the text between two of them is
    one row too, its sentences only one text has marked ``copy-only`` / ``original-only``."""
    a, b = match.a.text, match.b.text
    sm = match.sentence_map
    copy_side = "b" if match.original == "a" else "a" if match.original == "b" else None
    if copy_side is None and sm is not None:
        copy_side = "b" if sm.covered_b >= sm.covered_a else "a"
    only = {"a": _one_sided(sm, "a"), "b": _one_sided(sm, "b")}

    def cell(side: str, lo: int, hi: int, kind: str | None) -> dict[str, Any]:
        text = a if side == "a" else b
        if kind is None:  # a gap: one-sided sentences inside it, plain text around them
            spans = [s for s in only[side] if lo <= s.start and s.end <= hi]
            kind = ("copy-only" if side == copy_side else "original-only") if spans else "plain"
        return {"side": side, "kind": kind, "empty": not text[lo:hi].strip(),
                "html": mark_up(text, marks[side], side=side, prefix=prefix, start=lo, end=hi)}

    out: list[dict[str, Any]] = []
    pa = pb = 0
    for link in (_chain(sm) if sm is not None else []):
        la, lb = link.a[0].start, link.b[0].start
        if la > pa or lb > pb:
            out.append({"kind": "gap", "a": cell("a", pa, la, None), "b": cell("b", pb, lb, None)})
        ea, eb = link.a[-1].end, link.b[-1].end
        out.append({"kind": link.kind, "a": cell("a", la, ea, link.kind), "b": cell("b", lb, eb, link.kind)})
        pa, pb = ea, eb
    if pa < len(a) or pb < len(b):
        out.append({"kind": "gap", "a": cell("a", pa, len(a), None), "b": cell("b", pb, len(b), None)})
    return out


def pair_view(match: Match, *, prefix: str = "", json_href: str | None = None) -> dict[str, Any]:
    """Everything the pair template needs; ``prefix`` keeps element ids unique when several pairs share a page."""
    passages = []
    marks: dict[str, list[Mark]] = {"a": [], "b": []}
    for i, p in enumerate(match.passages):
        colour = f"c{i % N_COLOURS}"
        title = f"passage {i + 1}: {p.kind}, score {p.score:.2f}"
        marks["a"].append(Mark("p", i, p.a, colour, title))
        marks["b"].append(Mark("p", i, p.b, colour, title))
        passages.append(
            {
                "i": i,
                "n": i + 1,
                "colour": colour,
                "kind": p.kind,
                "score": f"{p.score:.2f}",
                "a": p.a,
                "b": p.b,
                "excerpt_a": excerpt(match.a.text, p.a.start, p.a.end),
                "excerpt_b": excerpt(match.b.text, p.b.start, p.b.end),
            }
        )
    distortions = []
    order = sorted(range(len(match.distortions)), key=lambda j: severity_rank(match.distortions[j].severity))
    for j in order:
        d = match.distortions[j]
        sev = d.severity if d.severity in SEVERITIES else "medium"
        explanation = f"{d.kind} ({d.severity}): {safe_text(d.detail)}"
        exp_id = f"{prefix}dexp-{j}"
        for side, sp in (("a", d.a), ("b", d.b)):
            if sp is not None:
                marks[side].append(Mark("d", j, sp, f"sev-{sev}", explanation, exp_id))
        distortions.append(
            {
                "j": j,
                "kind": d.kind,
                "severity": d.severity,
                "sev": sev,
                "detail": safe_text(d.detail),
                "exp_id": exp_id,
                "a": d.a,
                "b": d.b,
                "excerpt_a": excerpt(match.a.text, d.a.start, d.a.end, 60) if d.a else None,
                "excerpt_b": excerpt(match.b.text, d.b.start, d.b.end, 60) if d.b else None,
            }
        )
    evidence = [
        {
            "kind": e.kind,
            "detail": safe_text(e.detail),
            "weight": f"{e.weight:+.2f}",
            "favours": "A" if e.weight > 0 else "B" if e.weight < 0 else "neither",
        }
        for e in match.evidence
    ]
    a, b = doc_view(match.a, "a"), doc_view(match.b, "b")
    original = {"a": a, "b": b}.get(match.original)
    return {
        "prefix": prefix,
        "a": a,
        "b": b,
        "original": match.original,
        "original_doc": original,
        "copy_doc": (b if match.original == "a" else a) if original else None,
        "evidence": evidence,
        "coverage_a": round(100 * match.coverage_a, 1),
        "coverage_b": round(100 * match.coverage_b, 1),
        "passages": passages,
        "distortions": distortions,
        "counts": distortion_counts(match),
        "totals": severity_totals(match),
        "rows": rows(match, marks, prefix),
        "legend": ROW_LEGEND,
        "shown": [d for d in distortions if d["severity"] in ("high", "medium")],
        "low": [d for d in distortions if d["severity"] not in ("high", "medium")],
        "sentence_map": match.sentence_map,
        "json_href": json_href or json_data_uri(match.to_dict()),
        "json_download": json_href is None,
    }
