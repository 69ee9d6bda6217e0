"""The inputs of a scan of files: paths, directories, globs and fsspec URLs listed into files, files
grouped into batches, a batch read (on the worker that prepares it), and part files written.

Local files follow :func:`unspun.ingest.list_inputs` / :func:`unspun.ingest.read_file` (the ids and
file rules of ``unspun index add``); a URL is listed with fsspec by the same rules and copied to a
temporary file to be read.
"""
from __future__ import annotations

import glob
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import MissingDependency
from ..types import Document

#: Documents per batch when documents (not files) are given.
BATCH_DOCS = 1000
#: Input bytes per batch of files.
BATCH_BYTES = 32 * 1024 * 1024


def _ingest() -> Any:
    # not ``from .. import ingest``: unspun.__getattr__ re-exports ``ingest`` lazily and would recurse
    import importlib

    return importlib.import_module("unspun.ingest")


def is_url(s: str) -> bool:
    return "://" in s and not s.startswith("file://")


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise MissingDependency("fsspec", extra="dask", purpose="reading input given as a URL") from None
    return fsspec


@dataclass(frozen=True)
class FileRef:
    """One input file: a local path or an fsspec URL, the document id it gives, its format (None: sniff)."""

    path: str
    doc_id: str
    fmt: str | None
    size: int = 0


@dataclass
class Problems:
    """Inputs skipped (``(source, kind, reason)``) and ignored (counts by kind): an ingest report sink."""

    problems: list[tuple[str, str, str]] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)

    def add_problem(self, source: str, kind: str, reason: str) -> None:
        self.problems.append((source, kind, reason))

    def add_ignored(self, kind: str, source: str | None = None) -> None:
        self.ignored[kind] = self.ignored.get(kind, 0) + 1


@dataclass
class InputPlan:
    """The files to scan, and what was skipped while listing them."""

    files: list[FileRef]
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (source, kind, reason)
    ignored: dict[str, int] = field(default_factory=dict)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def expand_inputs(inputs: Sequence[str]) -> InputPlan:
    """List the files behind paths, directories, globs and fsspec URLs (``s3://bucket/x/*.warc.gz``).

    Ids follow :func:`unspun.ingest.iter_documents`: a file inside a directory given gets its path
    relative to that directory, a file given by name keeps the name as given, a file behind a URL keeps
    its full URL."""
    ingest = _ingest()
    sink = Problems()
    files: list[FileRef] = []
    for raw in inputs:
        raw = os.fspath(raw)
        if is_url(raw):
            files += _expand_url(raw, sink)
            continue
        path = raw[len("file://"):] if raw.startswith("file://") else raw
        matches = sorted(glob.glob(path)) if glob.has_magic(path) else [path]
        if not matches:
            sink.add_problem(raw, "no match", "no file matches this pattern")
        for f in ingest.list_inputs(matches, report=sink):
            files.append(FileRef(f.path, f.doc_id, f.fmt, _size(f.path)))
    return InputPlan(files, sink.problems, sink.ignored)


def _expand_url(url: str, sink: Problems) -> list[FileRef]:
    ingest = _ingest()
    fsspec = _fsspec()
    protocol = url.split("://", 1)[0]
    out: list[FileRef] = []
    try:
        fs, path = fsspec.core.url_to_fs(url)
        matches = sorted(fs.glob(path)) if glob.has_magic(path) else [path]
        if not matches:
            sink.add_problem(url, "no match", "no file matches this URL")
        for m in matches:
            for name in sorted(fs.find(m)) if fs.isdir(m) else [m]:
                base = name.rsplit("/", 1)[-1]
                why = ingest.ignored_kind(base)
                if why:
                    sink.add_ignored(why)
                    continue
                full = name if "://" in name else f"{protocol}://{name}"
                out.append(FileRef(full, full, ingest.file_format(base), int(fs.info(name).get("size") or 0)))
    except (OSError, ValueError) as err:
        sink.add_problem(url, "unreadable", f"cannot list ({err})")
    return out


def file_batches(files: Sequence[FileRef], batch_bytes: int = BATCH_BYTES) -> list[list[FileRef]]:
    """Consecutive files grouped into batches of about ``batch_bytes`` (a larger file is a batch alone)."""
    out: list[list[FileRef]] = []
    cur: list[FileRef] = []
    size = 0
    for f in files:
        if cur and size + f.size > batch_bytes:
            out.append(cur)
            cur, size = [], 0
        cur.append(f)
        size += f.size
    if cur:
        out.append(cur)
    return out


def document_batches(docs: Iterable[Document], batch_docs: int = BATCH_DOCS) -> list[list[Document]]:
    """Documents already in memory, in batches of ``batch_docs``."""
    out: list[list[Document]] = []
    cur: list[Document] = []
    for d in docs:
        cur.append(d)
        if len(cur) >= batch_docs:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def load_batch(batch: Sequence[Document | FileRef], fields: tuple[str, str] = ("text", "id")) -> tuple[list[Document], Problems]:
    """The documents of one batch (files are read here, on the worker; ``fields``: the JSONL text and id
    fields), with the problems met."""
    ingest = _ingest()
    sink = Problems()
    docs: list[Document] = []
    text_field, id_field = fields
    for item in batch:
        if isinstance(item, Document):
            docs.append(item)
            continue
        read = lambda path: ingest.read_file(ingest.InputFile(path, item.doc_id, item.fmt), text_field=text_field,  # noqa: E731
                                             id_field=id_field, report=sink)
        if not is_url(item.path):
            docs.extend(read(item.path))
            continue
        base = item.path.rsplit("/", 1)[-1]
        with tempfile.TemporaryDirectory(prefix="unspun-") as tmp:
            local = os.path.join(tmp, base or "input")
            try:
                with _fsspec().open(item.path, "rb") as src, open(local, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            except OSError as err:
                sink.add_problem(item.path, "unreadable", f"cannot read ({err})")
                continue
            n0 = len(sink.problems)
            docs.extend(read(local))
            sink.problems[n0:] = [(item.path if s == local else s, k, r) for s, k, r in sink.problems[n0:]]
    return docs, sink


def write_text(url: str, text: str) -> None:
    """Write ``text`` to a local path (atomically) or an fsspec URL."""
    if is_url(url):
        with _fsspec().open(url, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    path = Path(url[len("file://"):] if url.startswith("file://") else url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
