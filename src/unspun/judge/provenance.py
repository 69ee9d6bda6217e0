"""Which text is the original: publication dates, credit lines, links, update notes, containment.

Every piece of evidence carries a weight (> 0 favours ``a`` as the original,
< 0 favours ``b``) and a sentence saying why. The verdict is ``unknown`` when
the evidence is weak or points both ways.
"""
from __future__ import annotations

from datetime import datetime, timezone

from ..types import Document, Evidence
from .attribution import bylines, credits, domains, names_match
from .lexicon import UPDATE_STAMP
from .sentmap import Pairing

#: Total weight needed to name an original.
DECIDE = 1.0
#: A single piece of evidence this heavy is strong; strong evidence both ways is a contradiction.
STRONG = 1.5

W_DATE = 2.0
W_CREDIT_NAMED = 3.0
W_CREDIT = 1.0
W_LINK = 2.0
W_UPDATES = 0.5
W_BIO = 0.25
W_CONTAINMENT = 1.0


def _sign(side: str) -> float:
    """+1 when evidence favours ``side`` ('a' or 'b') as the original."""
    return 1.0 if side == "a" else -1.0


def _parse_date(s: str | None) -> datetime | None:
    if not s:
        return None
    try:
        d = datetime.fromisoformat(s.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def identity(doc: Document) -> list[str]:
    """Names a credit line could use for ``doc``: its site, publisher, title and url host."""
    out = []
    if doc.url:
        from urllib.parse import urlsplit

        host = (urlsplit(doc.url).hostname or "").lower().removeprefix("www.")
        if host:
            out.append(host)
    for key in ("sitename", "site_name", "site", "publisher", "source", "hostname"):
        v = doc.meta.get(key) if doc.meta else None
        if isinstance(v, str) and v.strip():
            out.append(v.strip())
    if doc.title:
        out.append(doc.title)
    return out


def _dates(a: Document, b: Document) -> list[Evidence]:
    da, db = _parse_date(a.published), _parse_date(b.published)
    if da is None or db is None or da == db:
        return []
    first, later = ("a", "b") if da < db else ("b", "a")
    return [
        Evidence(
            "published-date",
            f"{first} was published {min(da, db).date().isoformat()}, before {later} "
            f"({max(da, db).date().isoformat()}), according to the documents' metadata.",
            W_DATE * _sign(first),
        )
    ]


def _credits(x: str, X: Document, Y: Document, pairing: Pairing) -> list[Evidence]:
    """Credit lines in X that say X came from elsewhere (favour Y)."""
    y = "b" if x == "a" else "a"
    out: list[Evidence] = []
    y_names = identity(Y)
    x_names = identity(X)
    x_hosts = sorted({h for _, h in domains(X.text)})
    y_text = Y.text.lower()
    for c in credits(X.text):
        quoted = X.text[c.span.start : c.span.end].strip()
        named = next((n for n in y_names if names_match(c.name, n)), None)
        if named:
            out.append(Evidence(
                "credit-line",
                f"{x} credits {y}'s source: \"{quoted}\" names {named}.",
                W_CREDIT_NAMED * _sign(y),
            ))
        elif c.kind in ("credit-line", "credit-phrase") and quoted.lower() not in y_text:
            if any(names_match(c.name, n) for n in x_names):
                continue  # a text crediting its own site
            hosts = [h for h in x_hosts if names_match(c.name, h)]
            also = f", and {x} links to {hosts[0]}, the site it names" if hosts else ""
            out.append(Evidence(
                "credit-line",
                f"{x} carries the credit line \"{quoted}\", saying it was taken from elsewhere{also}; "
                f"{y} has no such line ({y}'s own site is not known, so the name cannot be checked against it).",
                W_CREDIT * _sign(y),
            ))
    y_hosts = {n for n in y_names if "." in n and " " not in n}
    for span, host in domains(X.text):
        if any(host == h or host.endswith("." + h) for h in y_hosts) and not any(host == h for h in x_names):
            out.append(Evidence("link", f"{x} links to {host}, {y}'s site.", W_LINK * _sign(y)))
            break
    return out


def _updates(A: Document, B: Document) -> list[Evidence]:
    out = []
    for x, X, Y in (("a", A, B), ("b", B, A)):
        stamps = [m for m in UPDATE_STAMP.finditer(X.text) if m.group("date")]
        if stamps and not any(m.group("date") for m in UPDATE_STAMP.finditer(Y.text)):
            y = "b" if x == "a" else "a"
            dates = ", ".join(dict.fromkeys(m.group("date") for m in stamps))
            out.append(Evidence(
                "update-notes",
                f"{x} carries dated update notes ({dates}) that {y} lacks: publishers update their own "
                f"stories, copies usually take a snapshot (weak evidence).",
                W_UPDATES * _sign(x),
            ))
    return out


def _bios(pairing: Pairing) -> list[Evidence]:
    out = []
    A, B = pairing.A, pairing.B
    ba = [c for c in bylines(A.text, A.spans)]
    bb = [c for c in bylines(B.text, B.spans)]
    for x, mine, theirs, other_text in (("a", ba, bb, B.text), ("b", bb, ba, A.text)):
        new = [c for c in mine if c.name and c.name.lower() not in other_text.lower()]
        if new and not theirs:
            y = "b" if x == "a" else "a"
            out.append(Evidence(
                "byline",
                f"{x} alone carries a byline or author bio ({new[0].name}) around the shared text; "
                f"copies often add one (weak evidence).",
                W_BIO * _sign(y),
            ))
    return out


def _containment(pairing: Pairing) -> list[Evidence]:
    sa, sb = pairing.reused_share("a"), pairing.reused_share("b")
    diff = sb - sa
    if abs(diff) < 0.1:
        return []
    copy, orig = ("b", "a") if diff > 0 else ("a", "b")
    hi, lo = max(sa, sb), min(sa, sb)
    return [Evidence(
        "containment",
        f"{hi:.0%} of {copy.upper()}'s text is in sentences paired with {orig.upper()}'s, but only {lo:.0%} of "
        f"{orig.upper()}'s is in sentences paired with {copy.upper()}'s: a copy usually takes most of itself from the "
        f"original, which has material the copy left out.",
        max(-W_CONTAINMENT, min(W_CONTAINMENT, 2 * diff)),
    )]


def provenance(a: Document, b: Document, pairing: Pairing) -> tuple[str, tuple[Evidence, ...]]:
    """The verdict (``"a"``, ``"b"`` or ``"unknown"``) and the evidence behind it."""
    ev: list[Evidence] = []
    ev += _dates(a, b)
    ev += _credits("a", a, b, pairing) + _credits("b", b, a, pairing)
    ev += _updates(a, b)
    ev += _bios(pairing)
    ev += _containment(pairing)
    total = sum(e.weight for e in ev)
    pro = [e for e in ev if e.weight >= STRONG]
    con = [e for e in ev if e.weight <= -STRONG]
    if pro and con:
        verdict = "unknown"
        ev.append(Evidence("verdict", f"Strong evidence points both ways ({pro[0].kind} favours a, "
                           f"{con[0].kind} favours b), so neither text is named the original.", 0.0))
    elif abs(total) < DECIDE:
        verdict = "unknown"
        why = "there is no evidence" if not ev else f"the evidence is weak (total weight {total:+.2f}, {DECIDE:g} needed)"
        ev.append(Evidence("verdict", f"Neither text is named the original: {why}.", 0.0))
    else:
        verdict = "a" if total > 0 else "b"
    ev.sort(key=lambda e: (-abs(e.weight), e.kind, e.detail))
    return verdict, tuple(ev)
