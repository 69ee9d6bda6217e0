"""``compare()``: align two texts and judge the copy."""
from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .types import Document, Match, Passage, Span

if TYPE_CHECKING:
    from .params import ScanParams


#: file name endings of the formats ingest reads: a one-word string ending so is a file name, not a text
_FILE_ENDINGS = (".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".jsonl", ".warc", ".warc.gz", ".gz")


def looks_like_path(x: str) -> bool:
    """Whether a string given as a text is a file name instead: one line without spaces that names an
    existing file, or ends as the files ingest reads do (``original.html``)."""
    if not x or len(x) > 4096 or any(c.isspace() for c in x):
        return False
    if x.lower().endswith(_FILE_ENDINGS):
        return True
    try:
        return os.path.isfile(x)
    except (OSError, ValueError):
        return False


def as_document(x: "str | Document", default_id: str) -> Document:
    """Accept a ``Document`` or a text (``str``; its id is ``default_id``).  A path (``os.PathLike``, or a
    string that is a file name: see :func:`looks_like_path`) is refused with a pointer to
    :func:`compare_files` / :meth:`Document.from_path`: a file name is never compared as if it were the text."""
    if isinstance(x, Document):
        return x
    if isinstance(x, os.PathLike) or (isinstance(x, str) and looks_like_path(x)):
        name = os.fspath(x)
        raise InputError(f"{name[:200]}: a file name, not a text: read files with unspun.compare_files(a, b) or "
                         "Document.from_path(path) (to compare the string itself, pass Document(id, text))")
    if isinstance(x, str):
        return Document(id=default_id, text=x)
    raise InputError(f"{default_id}: expected text (str) or a Document, got {type(x).__name__}")


def coverage(spans: list[Span], length: int) -> float:
    """Share of ``length`` characters covered by the union of ``spans``."""
    if length <= 0:
        return 0.0
    covered = 0
    end = -1
    for s in sorted(spans):
        if s.end <= end:
            continue
        covered += s.end - max(s.start, end)
        end = s.end
    return covered / length


def build_match(a: Document, b: Document, passages: list[Passage]) -> Match:
    passages = sorted(passages, key=lambda p: (p.a.start, p.b.start, p.a.end, p.b.end))
    return Match(
        a=a,
        b=b,
        passages=tuple(passages),
        coverage_a=coverage([p.a for p in passages], len(a.text)),
        coverage_b=coverage([p.b for p in passages], len(b.text)),
    )


def compare(a: "str | Document", b: "str | Document", *, judge: bool = True, embedder: Any = None,
            params: "ScanParams | None" = None) -> Match:
    """Find every passage of ``b`` reused from ``a`` (or the other way round).

    ``a`` and ``b`` are texts (``str``) or :class:`Document` objects, never file names: a path, or a
    string that is one (``"original.html"``), raises :class:`InputError`; read files with
    :func:`compare_files` (or :meth:`Document.from_path`).

    Returns a :class:`Match` with the aligned passages (character offsets into
    each text), the coverage of each side and, when ``judge`` is true, which
    text is the original and the list of distortions.  ``params`` (a
    :class:`~unspun.params.ScanParams`; its ``align`` part is the one used here)
    are those a scan or ``check`` takes.
    """
    from .align import align

    da = as_document(a, "a")
    db = as_document(b, "b")
    match = build_match(da, db, align(da.text, db.text, embedder=embedder, params=params.align if params else None))
    if judge:
        match = judge_match(match)
    return match


def compare_files(a: "str | os.PathLike[str]", b: "str | os.PathLike[str]", *, judge: bool = True,
                  embedder: Any = None, params: "ScanParams | None" = None) -> Match:
    """:func:`compare` of the documents in two files (any format ingest reads: text, Markdown, HTML, a
    one-document JSONL or WARC; see :meth:`Document.from_path`); an unreadable file raises
    :class:`InputError` naming it."""
    return compare(Document.from_path(a), Document.from_path(b), judge=judge, embedder=embedder, params=params)


def judge_match(match: Match) -> Match:
    """Fill ``original``, ``evidence`` and ``distortions``."""
    from .judge import judge

    return judge(match)


def text_id(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
