"""Render pair, check and scan pages (and their JSON twins) from the Jinja2 templates in ``templates/``."""
from __future__ import annotations

import base64
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from markupsafe import Markup

from ..errors import InputError
from ..words import plural
from ..types import Cluster, Document, Match
from .view import SEVERITIES, doc_view, json_data_uri, pair_view, severity_totals, to_json

#: Pairs listed on one scan index page; 5,000 pairs make 50 light pages instead of one heavy one.
DEFAULT_PAGE_SIZE = 100
#: Documents listed per cluster on the index page (the JSON twin has all of them).
MAX_CLUSTER_DOCS = 200


@functools.lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment (autoescape on for every template), built once."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("unspun.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str, str]:
    """(css, js, content-security-policy). Only the page's own inline script may run: its hash is in the CSP."""
    env = environment()
    css = env.loader.get_source(env, "style.css")[0]
    js = env.loader.get_source(env, "script.js")[0]
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'; form-action 'self'; base-uri 'none'"
    )
    return css, js, csp


def content_security_policy() -> str:
    """The CSP every page carries (the service also sends it as a header)."""
    return _assets()[2]


def render_template(name: str, **context: Any) -> str:
    """Render one page template with the inline style, script and CSP filled in."""
    from .. import __version__

    css, js, csp = _assets()
    return environment().get_template(name).render(
        style=Markup(css), script=Markup(js), csp=csp, version=__version__, **context
    )


def render_pair(
    match: Match, *, json_href: str | None = None, back_href: str | None = None, back_label: str = "back"
) -> str:
    """The side-by-side page for one pair, as a single self-contained HTML string.

    ``json_href`` links the JSON twin (``match.to_dict()``); without it the JSON is
    embedded in the page as a download link, so a saved page keeps its twin.
    """
    return render_template(
        "pair.html", v=pair_view(match, json_href=json_href), back_href=back_href, back_label=back_label
    )


def render_check(
    query: Document,
    matches: Sequence[Match],
    *,
    json_href: str | None = None,
    back_href: str | None = None,
    back_label: str = "back",
) -> str:
    """The ranked matches of one document checked against the index, each pair expandable in place."""
    rows = []
    for rank, m in enumerate(matches, 1):
        query_is_a = m.a.id == query.id or m.b.id != query.id
        other = m.b if query_is_a else m.a
        rows.append(
            {
                "v": pair_view(m, prefix=f"m{rank}-"),
                "other": doc_view(other, "b" if query_is_a else "a"),
                "original": {"a": "query" if query_is_a else other.id, "b": other.id if query_is_a else "query"}.get(
                    m.original, "unknown"
                ),
                "cov_query": round(100 * (m.coverage_a if query_is_a else m.coverage_b), 1),
                "cov_other": round(100 * (m.coverage_b if query_is_a else m.coverage_a), 1),
            }
        )
    twin = check_json(query, matches)
    return render_template(
        "check.html",
        query=doc_view(query, "a"),
        matches=rows,
        json_href=json_href or json_data_uri(twin),
        json_download=json_href is None,
        back_href=back_href,
        back_label=back_label,
    )


def check_json(query: Document, matches: Sequence[Match]) -> dict[str, Any]:
    """The JSON twin of a check page."""
    return {"query": query.to_dict(with_text=False), "matches": [m.to_dict() for m in matches]}


def write_pair_report(match: Match, path: str | os.PathLike[str]) -> Path:
    """Write the pair page to ``path`` and its JSON twin beside it (same name, ``.json``); see
    :func:`report_targets` for what may be replaced."""
    out, twin = report_targets(path)
    _write(twin, to_json(match.to_dict()) + "\n")
    _write(out, render_pair(match, json_href=twin.name))
    return out


def write_check_report(query: Document, matches: Sequence[Match], path: str | os.PathLike[str]) -> Path:
    """Write the check page to ``path`` and its JSON twin beside it; see :func:`report_targets`."""
    out, twin = report_targets(path)
    _write(twin, to_json(check_json(query, matches)) + "\n")
    _write(out, render_check(query, matches, json_href=twin.name))
    return out


def _is_unspun_page(path: Path) -> bool:
    """Whether ``path`` is an HTML page unspun wrote (its generator meta tag)."""
    try:
        with open(path, "rb") as fh:
            return b'<meta name="generator" content="unspun' in fh.read(4096)
    except OSError:
        return False


def report_targets(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The page and its JSON twin (``notes.html`` -> ``notes.json``) for ``--html PATH``, after the rules
    that keep a report from destroying anything: the directory must exist (it is never made silently),
    and an existing page or twin is replaced only when it is a report unspun wrote there before (the
    page carries unspun's generator tag and links to that twin).  Anything else is an
    :class:`InputError` naming the file."""
    out = Path(path)
    twin = out.with_suffix(".json") if out.suffix.lower() != ".json" else out.with_name(out.name + ".json")
    parent = out.parent
    if not parent.is_dir():
        raise InputError(f"{parent}: no such directory for the report {out.name} (create it first)")
    ours = out.is_file() and _is_unspun_page(out)
    if out.exists() and not ours:
        raise InputError(f"{out}: exists and is not a report unspun wrote; not overwritten (remove it or choose another name)")
    if twin.exists():
        linked = ours and f'href="{twin.name}"'.encode() in out.read_bytes()
        if not linked:
            raise InputError(f"{twin}: exists and is not the JSON twin of an unspun report at {out.name}; not overwritten "
                             "(remove it or choose another --html name)")
    return out, twin


def _write(path: Path, text: str) -> None:
    try:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        raise InputError(f"{path}: cannot write the report ({err.strerror or err})") from None


# --------------------------------------------------------------------------- scans


@dataclass(frozen=True)
class ScanLinks:
    """Where the scan pages point: index pages, pair pages, their JSON twins."""

    page: Callable[[int], str]
    pair: Callable[[int], str] | None
    pair_json: Callable[[int], str] | None
    json: str


def file_links(total_pairs: int) -> ScanLinks:
    """Links between the files that :func:`iter_scan_files` writes."""
    width = max(5, len(str(total_pairs)))
    return ScanLinks(
        page=lambda p: "index.html" if p == 1 else f"page-{p}.html",
        pair=lambda n: f"pairs/{n:0{width}d}.html",
        pair_json=lambda n: f"pairs/{n:0{width}d}.json",
        json="scan.json",
    )


def sort_clusters(clusters: Iterable[Cluster]) -> list[Cluster]:
    """The clusters in the scan's one order (:func:`unspun.pipeline.clusters.rank_clusters`): a scan's
    result is already in it, so cluster *n* and pair *n* of the report are those of ``unspun scan``."""
    from ..pipeline.clusters import rank_clusters

    return rank_clusters(clusters)


def scan_json(clusters: Sequence[Cluster]) -> dict[str, Any]:
    """The JSON twin of a scan report (clusters already sorted)."""
    return {
        "clusters": [c.to_dict() for c in clusters],
        "stats": scan_stats(clusters),
    }


def scan_stats(clusters: Sequence[Cluster]) -> dict[str, int]:
    sev = {s: 0 for s in SEVERITIES}
    for c in clusters:
        for m in c.matches:
            for s, k in severity_totals(m).items():
                sev[s] += k
    return {
        "clusters": len(clusters),
        "documents": len({d for c in clusters for d in c.documents}),
        "pairs": sum(len(c.matches) for c in clusters),
        **sev,
    }


def page_count(clusters: Sequence[Cluster], page_size: int = DEFAULT_PAGE_SIZE) -> int:
    rows = sum(max(1, len(c.matches)) for c in clusters)
    return max(1, -(-rows // page_size))


def render_scan_page(
    clusters: Sequence[Cluster], page: int, *, page_size: int = DEFAULT_PAGE_SIZE, links: ScanLinks | None = None
) -> str:
    """One index page (1-based) of a scan report; ``clusters`` must come from :func:`sort_clusters`."""
    if page_size < 1:
        raise InputError(f"page_size must be at least 1, not {page_size}")
    stats = scan_stats(clusters)
    links = links or file_links(stats["pairs"])
    npages = page_count(clusters, page_size)
    if not 1 <= page <= npages:
        raise InputError(f"page {page} does not exist: the report has {plural(npages, 'page')}")
    lo, hi = (page - 1) * page_size, page * page_size
    row = 0  # index over all rows (a cluster without pairs takes one row)
    pair_no = 0
    blocks = []
    for ci, c in enumerate(clusters, 1):
        nrows = max(1, len(c.matches))
        if row + nrows <= lo or row >= hi:
            row += nrows
            pair_no += len(c.matches)
            continue
        rows = []
        for k, m in enumerate(c.matches):
            pair_no += 1
            if lo <= row + k < hi:
                tot = severity_totals(m)
                rows.append(
                    {
                        "n": pair_no,
                        "a": doc_view(m.a, "a")["name"],
                        "b": doc_view(m.b, "b")["name"],
                        "original": {"a": "A", "b": "B"}.get(m.original, "unknown"),
                        "coverage_a": round(100 * m.coverage_a, 1),
                        "coverage_b": round(100 * m.coverage_b, 1),
                        "passages": len(m.passages),
                        "distortions": len(m.distortions),
                        **tot,
                        "href": links.pair(pair_no) if links.pair else None,
                        "json_href": links.pair_json(pair_no) if links.pair_json else None,
                    }
                )
        docs = {}
        for m in c.matches:
            docs.setdefault(m.a.id, m.a)
            docs.setdefault(m.b.id, m.b)
        listed = [
            doc_view(docs[d], "a") if d in docs else {"id": d, "title": None, "published": None}
            for d in c.documents[:MAX_CLUSTER_DOCS]
        ]
        blocks.append(
            {
                "n": ci,
                "continued": row < lo,
                "size": len(c.documents),
                "npairs": len(c.matches),
                "docs": listed,
                "more_docs": max(0, len(c.documents) - MAX_CLUSTER_DOCS),
                "rows": rows,
            }
        )
        row += nrows
    return render_template(
        "scan.html",
        clusters=blocks,
        stats=stats,
        page=page,
        page_size=page_size,
        pages=[links.page(p) for p in range(1, npages + 1)],
        json_href=links.json,
    )


def iter_scan_files(clusters: Iterable[Cluster], *, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[tuple[str, str]]:
    """Yield ``(relative file name, content)`` for every file of a scan report, one at a time.

    ``index.html`` (and ``page-N.html``), ``scan.json``, and for the n-th pair
    ``pairs/NNNNN.html`` with its twin ``pairs/NNNNN.json``.
    """
    ordered = sort_clusters(clusters)
    total = sum(len(c.matches) for c in ordered)
    links = file_links(total)
    npages = page_count(ordered, page_size)
    for p in range(1, npages + 1):
        yield links.page(p), render_scan_page(ordered, p, page_size=page_size, links=links)
    yield links.json, to_json(scan_json(ordered), indent=1) + "\n"
    n = 0
    row = 0
    for c in ordered:
        for k, m in enumerate(c.matches):
            n += 1
            back = "../" + links.page((row + k) // page_size + 1)
            yield links.pair_json(n), to_json(m.to_dict(), indent=1) + "\n"
            yield links.pair(n), render_pair(
                m, json_href=links.pair_json(n).split("/")[-1], back_href=back, back_label="scan report"
            )
        row += max(1, len(c.matches))


def render_scan(clusters: Iterable[Cluster], page_size: int = DEFAULT_PAGE_SIZE) -> dict[str, str]:
    """Every file of a scan report as ``{relative name: content}`` (see :func:`iter_scan_files`)."""
    return dict(iter_scan_files(clusters, page_size=page_size))


def scan_report_dir(out_dir: str | os.PathLike[str]) -> Path:
    """``out_dir`` for a scan report, after the rules that keep it from destroying anything (nothing is made
    or written here): a new directory whose parent exists, an empty one, or one that holds a scan report
    unspun wrote (its ``index.html``).  Anything else is an :class:`InputError` naming the directory."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory")
    if not out.exists():
        if not out.parent.is_dir():
            raise InputError(f"{out.parent}: no such directory for the report directory {out.name} (create it first)")
    elif any(out.iterdir()) and not _is_unspun_page(out / "index.html"):
        raise InputError(f"{out}: a directory that holds other files, not an unspun scan report; nothing written "
                         "(choose an empty or new directory)")
    return out


def write_scan_report(
    clusters: Iterable[Cluster], out_dir: str | os.PathLike[str], *, page_size: int = DEFAULT_PAGE_SIZE
) -> Path:
    """Write the scan report into ``out_dir``; returns the path of ``index.html``.  ``out_dir`` is made
    when its parent exists (missing parents are never made silently); an existing, non-empty ``out_dir``
    is written into only when it holds a scan report unspun wrote (its ``index.html``)."""
    out = scan_report_dir(out_dir)
    if not out.exists():
        try:
            out.mkdir()
        except OSError as err:
            raise InputError(f"{out}: cannot make the report directory ({err.strerror or err})") from None
    for name, content in iter_scan_files(clusters, page_size=page_size):
        (out / name).parent.mkdir(parents=True, exist_ok=True)  # the report's own sub-directories
        _write(out / name, content)
    return out / "index.html"
