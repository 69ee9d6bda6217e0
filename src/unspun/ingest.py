"""Reading documents from files and directory trees: text, Markdown, HTML, JSON Lines and WARC.

>>> report = IngestReport()
>>> for doc in iter_documents(["corpus/"], report=report):   # doctest: +SKIP
...     index.add(doc)
>>> print(report.summary())                                   # doctest: +SKIP

Documents stream one at a time: memory does not grow with the corpus.  One bad
file (or JSON line, or WARC record) never stops ingest; it is skipped and
recorded in the :class:`IngestReport`.  :func:`load_document` reads exactly one
document and raises :class:`~unspun.errors.InputError` instead of skipping.

Formats, chosen by the file name (case-insensitive):

- ``.txt`` ``.text`` ``.md`` ``.markdown`` — text (see :mod:`unspun.textio` for
  the encodings accepted); the title is the first line when it looks like one
  (short, no final full stop, more text below it; a Markdown ``#`` heading).
- ``.html`` ``.htm`` ``.xhtml`` — main text, title, author (``byline``),
  publication date (``published``, ISO ``YYYY-MM-DD``) and canonical URL by
  trafilatura.  Pages whose main text trafilatura cannot find fall back to all
  the page's text; pages with no text at all are skipped.
- ``.jsonl`` ``.ndjson`` — one JSON object a line; ``text_field`` and
  ``id_field`` name the keys, ``title``, ``url``, ``published`` (or ``date``)
  and ``byline`` (or ``author``) are picked up when present.  A broken line is
  skipped and reported with its line number.
- ``.warc`` ``.warc.gz`` — every HTML ``response`` (status 2xx) or ``resource``
  record, extracted as HTML; ``text/plain`` records as text.  Other records
  (requests, metadata, images, redirects) are counted in ``report.ignored``.
- A file given directly with another name is sniffed (WARC, HTML, else text).
  In a directory walk, files with other extensions and hidden names (starting
  with ``.``) are ignored (counted in ``report.ignored``); files without any
  extension are sniffed.

Directory trees are walked recursively in sorted order (by name, at each level).
Symbolic links to directories are not followed unless ``follow_symlinks=True``
(then a link back to an ancestor is reported as a loop and not entered);
symbolic links to files are read.

Document ids (only ever used as keys, never as paths):

- a file inside a directory given: its path relative to that directory, with
  ``/`` separators (``world/2024/story.txt``); when more than one path is given,
  prefixed by the directory's name (``siteA/world/2024/story.txt``; by its path as
  given when two directories have the same name), so that ids are unique across
  the roots of one call;
- a file given directly: the path exactly as given;
- a JSONL line: the value of ``id_field`` when it is a string or integer, else
  ``<file id>:<line number>``;
- a WARC record: its ``WARC-Target-URI``, else ``<file id>#<record number>``.
  (HTML files keep their file-based id: a copied page often carries the
  original's canonical URL, so the URL is kept in ``Document.url`` only.)

Ids lose control characters (C0, C1, line/paragraph separators, lone
surrogates) and surrounding space, and are cut to :data:`MAX_ID_CHARS`.

Limits (:class:`IngestLimits`; environment variables override the defaults):

- ``UNSPUN_MAX_DOC_BYTES`` (50 MiB): one file of text/HTML, one JSONL line.
- ``UNSPUN_MAX_HTML_TAGS`` (100,000): tags in one HTML page.  Extraction costs
  about 40 µs a tag (a page of 1M ``<br>`` took 36 s and 1 GB), so a page with
  more is refused with a clear error before it is parsed; real article pages
  have a few thousand.
  A longer JSONL line is skipped without being held in memory.
- ``UNSPUN_MAX_WARC_RECORD_BYTES`` (10 MiB): one WARC record's payload (after
  any HTTP ``Content-Encoding`` is undone); bigger records are skipped.
- ``UNSPUN_MAX_WARC_INFLATED_BYTES`` (1 GiB): decompression of a ``.warc.gz``
  stops, and the rest of the file is skipped, once it has produced more than
  the larger of this and 100 times the compressed file's size (a decompression
  bomb is stopped after 1 GiB; a real 1 GB crawl file may inflate to 100 GB).
- WARC and HTTP header blocks may not exceed 1 MiB (a "header" of endless
  zeros is reported as damage, never buffered).

A truncated or malformed WARC file is reported with the reason; the documents
read before the damage are kept, the damaged record is dropped.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import re
import stat
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Protocol

from .errors import ConfigError, InputError
from .textio import (
    DEFAULT_MAX_DOC_BYTES,
    binary_kind,
    check_text,
    decode_bytes,
    input_error,
    max_doc_bytes as _max_doc_bytes,
    os_error,
    read_bytes,
)
from .types import Document
from .words import plural

__all__ = [
    "IngestLimits",
    "IngestReport",
    "InputFile",
    "MAX_ID_CHARS",
    "file_format",
    "ignored_kind",
    "documents_of",
    "iter_documents",
    "list_inputs",
    "load_document",
    "read_file",
    "sanitize_id",
]

#: Longest document id kept; longer ids are cut.
MAX_ID_CHARS = 1000
#: Longest title, byline, URL or date string kept.
MAX_FIELD_CHARS = 1000
#: Problems kept in IngestReport.problems; later ones are only counted.
MAX_PROBLEMS = 1000

_TEXT_EXT = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown"}
_HTML_EXT = {".html": "html", ".htm": "html", ".xhtml": "html"}
_JSONL_EXT = {".jsonl": "jsonl", ".ndjson": "jsonl"}
_FORMATS = {**_TEXT_EXT, **_HTML_EXT, **_JSONL_EXT, ".warc": "warc"}

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 1 << 16


# --------------------------------------------------------------------------- limits and report


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of bytes, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be a positive number of bytes, not {raw!r}")
    return value


@dataclass(frozen=True)
class IngestLimits:
    """Byte limits that keep ingest's memory and time bounded on hostile input."""

    doc_bytes: int = DEFAULT_MAX_DOC_BYTES
    warc_record_bytes: int = 10 * 1024 * 1024
    warc_inflated_bytes: int = 1024 * 1024 * 1024
    warc_inflation_ratio: int = 100
    header_bytes: int = 1024 * 1024

    @classmethod
    def from_env(cls, max_doc_bytes: int | None = None) -> "IngestLimits":
        """Defaults, overridden by ``UNSPUN_MAX_*`` environment variables, then by ``max_doc_bytes``."""
        return cls(
            doc_bytes=_max_doc_bytes(max_doc_bytes),
            warc_record_bytes=_env_int("UNSPUN_MAX_WARC_RECORD_BYTES", cls.warc_record_bytes),
            warc_inflated_bytes=_env_int("UNSPUN_MAX_WARC_INFLATED_BYTES", cls.warc_inflated_bytes),
        )


@dataclass
class IngestReport:
    """What ingest did: documents produced, inputs skipped (with reasons) and inputs ignored.

    ``skipped`` counts problems by kind (``"binary"``, ``"bad json line"``,
    ``"damaged warc"`` ...); ``problems`` lists ``(source, reason)`` for the
    first :data:`MAX_PROBLEMS` of them.  ``ignored`` counts inputs that are not
    documents at all (WARC request records, images in a directory, hidden files);
    ``ignored_files`` lists ``(path, kind)`` for the first :data:`MAX_PROBLEMS`
    files a directory walk passed over.
    """

    documents: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    ignored_files: list[tuple[str, str]] = field(default_factory=list)

    @property
    def problem_count(self) -> int:
        return sum(self.skipped.values())

    def add_problem(self, source: str, kind: str, reason: str) -> None:
        self.skipped[kind] = self.skipped.get(kind, 0) + 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append((source, reason))

    def add_ignored(self, kind: str, source: str | None = None) -> None:
        self.ignored[kind] = self.ignored.get(kind, 0) + 1
        if source is not None and len(self.ignored_files) < MAX_PROBLEMS:
            self.ignored_files.append((source, kind))

    def summary(self, max_lines: int = 20, show: Callable[[str], str] = str) -> str:
        """One line of counts, then one indented ``source: reason`` line per problem and per file passed over
        (up to ``max_lines``); ``show`` is applied to every source and reason (the CLI escapes them)."""

        def counts(d: dict[str, int]) -> str:
            return ", ".join(f"{n} {k}" for k, n in sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))

        head = f"{plural(self.documents, 'document')} ingested"
        if self.skipped:
            head += f"; {self.problem_count} skipped ({counts(self.skipped)})"
        if self.ignored:
            head += f"; {sum(self.ignored.values())} ignored ({counts(self.ignored)})"
        listed = self.problems + [(src, f"ignored ({kind})") for src, kind in self.ignored_files]
        lines = [head] + [f"  {show(src)}: {show(why)}" for src, why in listed[:max_lines]]
        more = self.problem_count + len(self.ignored_files) - min(len(listed), max_lines)
        if more > 0:
            lines.append(f"  ... and {more} more")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Options:
    text_field: str
    id_field: str
    limits: IngestLimits
    follow_symlinks: bool
    problem: Callable[[str, str, str], None]  # (source, kind, reason)
    ignore: Callable[..., None]  # (kind, source=None): the file passed over, when it is one


# --------------------------------------------------------------------------- ids and small fields

_ID_JUNK = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def sanitize_id(raw: str) -> str:
    """Make ``raw`` a safe key: control characters and lone surrogates removed, trimmed, capped."""
    return _ID_JUNK.sub("", raw).strip()[:MAX_ID_CHARS].strip()


def _field(value: Any) -> str | None:
    """A short metadata string (title, byline, url, date) or None."""
    if not isinstance(value, str):
        return None
    value = " ".join(_ID_JUNK.sub(" ", value).split())[:MAX_FIELD_CHARS]
    return value or None


def _id_or(raw: Any, fallback: str) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return sanitize_id(fallback) or "document"
    return sanitize_id(str(raw)) or sanitize_id(fallback) or "document"


# --------------------------------------------------------------------------- text


def _guess_title(text: str, markdown: bool) -> str | None:
    lines = text.lstrip().split("\n", 1)
    first = lines[0].strip()
    rest = lines[1] if len(lines) > 1 else ""
    if not first or not rest.strip():
        return None
    if markdown and first.startswith("#"):
        first = first.lstrip("#").strip()
    elif first.endswith((".", ",", ";", ":")) or first.startswith(("!", "[", "<", "|", "-", "*")):
        return None
    if len(first) > 200 or len(first.split()) > 30:
        return None
    return _field(first)


def _text_document(data: bytes, name: str, doc_id: str, fmt: str) -> Document:
    text = decode_bytes(data, name)
    return Document(
        id=doc_id,
        text=text,
        title=_guess_title(text, fmt == "markdown"),
        meta={"source": name, "format": fmt},
    )


# --------------------------------------------------------------------------- HTML

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
#: what a charset name can hold (IANA names are printable ASCII); one with a NUL or another control
#: character is malformed, and the text it was declared for is not guessed at
_CHARSET_NAME = re.compile(r"[!-~]{1,64}")


def _decode_html(data: bytes, name: str, charset: str | None) -> str:
    """Decode HTML bytes: BOM, then UTF-8, then the declared charset (HTTP or <meta>), then detection."""
    if not data:
        raise input_error(name, "empty", "the file is empty")
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or binary_kind(data):
        return decode_bytes(data, name)
    try:
        return check_text(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        pass
    declared = [charset] if charset else []
    m = _META_CHARSET.search(data[:4096])
    if m:
        declared.append(m.group(1).decode("ascii"))
    for enc in declared:
        if not _CHARSET_NAME.fullmatch(enc):
            raise input_error(name, "bad charset", f"the declared charset {enc[:40]!r} is malformed and the text is not "
                              "UTF-8; skipped")
        try:
            return check_text(data.decode(enc), name)
        except (LookupError, UnicodeDecodeError):
            continue
    return decode_bytes(data, name)


#: Tags in one HTML page above which it is refused unparsed (UNSPUN_MAX_HTML_TAGS overrides).
DEFAULT_MAX_HTML_TAGS = 100_000
_TAG = re.compile(rb"<[A-Za-z!/?]")


def check_html_tags(data: bytes, name: str) -> None:
    """Refuse a page with more tags than ``UNSPUN_MAX_HTML_TAGS`` before any parser sees it (time and memory
    of extraction grow with the tags)."""
    raw = os.environ.get("UNSPUN_MAX_HTML_TAGS")
    try:
        limit = int(raw) if raw else DEFAULT_MAX_HTML_TAGS
    except ValueError:
        limit = 0
    if limit <= 0:
        raise ConfigError(f"UNSPUN_MAX_HTML_TAGS must be a positive whole number of tags, not {raw!r}")
    tags = 0
    for _ in _TAG.finditer(data):
        tags += 1
        if tags > limit:
            raise input_error(
                name, "too big",
                f"the HTML has more than {limit:,} tags, too many to extract in bounded time "
                "(an article page has a few thousand; raise the limit with UNSPUN_MAX_HTML_TAGS)",
            )


@lru_cache(maxsize=1)
def _trafilatura() -> Any:
    """Import trafilatura once (a heavy import) and keep its per-page log lines off stderr.

    Python prints WARNING and ERROR records of unconfigured loggers to stderr;
    a NullHandler stops that but still passes the records to any handlers the
    application configures on the root logger.
    """
    import logging

    import trafilatura

    for name in ("trafilatura", "htmldate", "courlan"):
        log = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
            log.addHandler(logging.NullHandler())
    return trafilatura


def _html_document(
    data: bytes,
    name: str,
    doc_id: str,
    *,
    url: str | None = None,
    charset: str | None = None,
    warc_date: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Document:
    """Extract one article from HTML bytes; raise InputError when there is no text to be had.

    ``published`` is the page's own date, else ``warc_date`` (then ``meta["published_from"]`` says so).
    """
    check_html_tags(data, name)
    trafilatura = _trafilatura()
    html = _decode_html(data, name, charset)
    meta = dict(meta or {})
    try:
        result = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
        text = (result.text or "").strip() if result is not None else ""
        if not text:
            text = trafilatura.html2txt(html).strip()
            meta["extraction"] = "all page text"
    except (RecursionError, MemoryError) as err:
        raise input_error(name, "bad html", f"the HTML is too deeply nested to parse ({type(err).__name__})") from None
    except Exception as err:  # noqa: BLE001 - a third-party parser on untrusted input
        raise input_error(name, "bad html", f"the HTML could not be parsed ({type(err).__name__}: {err})"[:300]) from None
    if not text:
        raise input_error(name, "no text", "no text could be extracted from the HTML")
    text = check_text(text, name)
    page_url = _field(getattr(result, "url", None))
    published = _field(getattr(result, "date", None))
    if published is None and warc_date:
        published = warc_date
        meta["published_from"] = "WARC-Date"
    return Document(
        id=doc_id,
        text=text,
        title=_field(getattr(result, "title", None)),
        url=page_url or _field(url),
        published=published,
        byline=_field(getattr(result, "author", None)),
        meta=meta,
    )


# --------------------------------------------------------------------------- JSON Lines


def _bounded_lines(fh: io.BufferedReader, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Yield ``(line number, line)``; a line over ``limit`` bytes comes as None and is never held whole."""
    lineno = 0
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        lineno += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while True:
                rest = fh.readline(_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield lineno, None
        else:
            yield lineno, line


def _describe(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


def _jsonl_documents(path: str, base_id: str, opt: _Options) -> Iterator[Document]:
    limit = opt.limits.doc_bytes
    try:
        fh = open(path, "rb")
    except OSError as err:
        _report_os_error(path, err, opt)
        return
    with fh:
        for lineno, raw in _bounded_lines(fh, limit):
            where = f"line {lineno}"
            if raw is None:
                opt.problem(path, "too big", f"{where}: over the {limit:,}-byte limit for one document (UNSPUN_MAX_DOC_BYTES)")
                continue
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as err:
                opt.problem(path, "bad json line", f"{where}: not valid JSON ({err.msg.removesuffix(' at')} at column {err.colno})")
                continue
            except (UnicodeDecodeError, ValueError) as err:
                opt.problem(path, "bad json line", f"{where}: not valid UTF-8 JSON ({err})"[:300])
                continue
            except RecursionError:
                opt.problem(path, "bad json line", f"{where}: JSON nested too deeply")
                continue
            if not isinstance(obj, dict):
                opt.problem(path, "bad json line", f"{where}: {_describe(obj)}, not a JSON object")
                continue
            text = obj.get(opt.text_field)
            if not isinstance(text, str):
                if opt.text_field in obj:
                    why = f"the {opt.text_field!r} field is {_describe(text)}, not a string"
                else:
                    keys = ", ".join(sorted(map(str, obj))[:10])
                    why = f"no {opt.text_field!r} field (keys: {keys or 'none'}); choose the field with text_field"
                opt.problem(path, "bad json line", f"{where}: {why}")
                continue
            try:
                text = check_text(_SURROGATE.sub("\ufffd", text), f"{path} {where}")
            except InputError as err:
                kind = getattr(err, "kind", "empty")
                why = f"the {opt.text_field!r} field is empty" if kind == "empty" else getattr(err, "detail", str(err))
                opt.problem(path, kind, f"{where}: {why}")
                continue
            yield Document(
                id=_id_or(obj.get(opt.id_field), f"{base_id}:{lineno}"),
                text=text,
                title=_field(obj.get("title")),
                url=_field(obj.get("url")),
                published=_field(obj.get("published", obj.get("date"))),
                byline=_field(obj.get("byline", obj.get("author"))),
                meta={"source": path, "format": "jsonl", "line": lineno},
            )


# --------------------------------------------------------------------------- WARC


class _Damage(Exception):
    """The rest of a WARC file cannot be read; carries a report kind and reason."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class _GuardedReader(io.RawIOBase):
    """A byte stream that stops at ``total_limit`` bytes and, while headers are parsed, at ``header_limit``.

    Decompression errors become :class:`_Damage`, so warcio cannot mistake a
    truncated gzip stream (EOFError) for a clean end of the archive.
    """

    def __init__(self, raw: Any, total_limit: int | None, header_limit: int, limit_note: str):
        super().__init__()
        self._raw = raw
        self._pos = 0
        self._total_limit = total_limit
        self._header_limit = header_limit
        self._header_start: int | None = 0
        self._limit_note = limit_note

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    @property
    def in_record(self) -> bool:
        return self._header_start is None

    def in_body(self) -> None:
        """Record bodies may be long (up to the total limit)."""
        self._header_start = None

    def in_headers(self) -> None:
        """From here until :meth:`in_body`, at most ``header_limit`` bytes may be read."""
        self._header_start = self._pos

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > _CHUNK * 4:
            size = _CHUNK * 4
        try:
            # read1: one underlying read at most, so the data before a damaged spot still comes through
            data = self._raw.read1(size)
        except EOFError:
            raise _Damage("damaged warc", "the compressed data ends early (truncated file)") from None
        except (zlib.error, gzip.BadGzipFile) as err:
            raise _Damage("damaged warc", f"corrupt compressed data ({err})") from None
        self._pos += len(data)
        if self._total_limit is not None and self._pos > self._total_limit:
            raise _Damage("warc inflation limit", self._limit_note)
        if self._header_start is not None and self._pos - self._header_start > self._header_limit + 4 * _CHUNK:
            raise _Damage("damaged warc", f"a record header runs past {self._header_limit:,} bytes (malformed or hostile file)")
        return data

    def readinto(self, b: Any) -> int:  # pragma: no cover - warcio only calls read()
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def _http_status(record: Any) -> int | None:
    try:
        return int(record.http_headers.get_statuscode())
    except (AttributeError, TypeError, ValueError):
        return None


def _content_type(record: Any) -> tuple[str, str | None]:
    """(media type, charset) from the HTTP headers, else the WARC record's Content-Type."""
    raw = None
    if record.http_headers is not None:
        raw = record.http_headers.get_header("Content-Type")
    if raw is None and record.rec_type == "resource":
        raw = record.rec_headers.get_header("Content-Type")
    if not raw:
        return "", None
    parts = [p.strip() for p in raw.split(";")]
    charset = None
    for p in parts[1:]:
        if p.lower().startswith("charset="):
            charset = p[8:].strip("\"' ") or None
    return parts[0].lower(), charset


class _BodyError(Exception):
    """An HTTP body that cannot be decoded (bad compression, unknown Content-Encoding)."""


def _inflate(stream: Any, wbits: int, limit: int) -> bytes:
    """Inflate a zlib/gzip/raw-deflate stream to at most ``limit + 1`` bytes, never more in memory."""
    d = zlib.decompressobj(wbits)
    out = bytearray()
    pending = b""
    while len(out) <= limit and not d.eof:
        if not pending:
            pending = stream.read(_CHUNK)
            if not pending:
                break
        try:
            out += d.decompress(pending, limit + 1 - len(out))
        except zlib.error as err:
            raise _BodyError(f"corrupt or truncated compressed body ({err})") from None
        pending = d.unconsumed_tail
    if not out and not d.eof:
        raise _BodyError("corrupt or truncated compressed body")
    return bytes(out)  # a body cut short keeps what inflated (crawlers truncate big pages)


def _http_body(record: Any, limit: int) -> bytes:
    """The record's payload with HTTP chunking and Content-Encoding undone, at most ``limit + 1`` bytes."""
    stream = record.raw_stream
    headers = record.http_headers
    if headers is None:
        return stream.read(limit + 1)
    if (headers.get_header("Transfer-Encoding") or "").strip().lower() == "chunked":
        from warcio.bufferedreaders import ChunkedDataReader

        stream = ChunkedDataReader(stream)  # no decompression here: done below, bounded
    encoding = (headers.get_header("Content-Encoding") or "").strip().lower()
    if encoding in ("", "identity"):
        return stream.read(limit + 1)
    if encoding in ("gzip", "x-gzip"):
        return _inflate(stream, 16 + zlib.MAX_WBITS, limit)
    if encoding == "deflate":  # zlib-wrapped as the RFC says, or raw deflate as many servers send
        head = stream.read(2)
        raw = len(head) < 2 or (head[0] & 0x0F) != 8 or ((head[0] << 8) | head[1]) % 31
        return _inflate(_Prefixed(head, stream), -zlib.MAX_WBITS if raw else zlib.MAX_WBITS, limit)
    raise _BodyError(f"unsupported Content-Encoding {encoding[:40]!r}")


class _Prefixed:
    """A stream with some bytes already read put back in front."""

    def __init__(self, head: bytes, stream: Any):
        self._head = head
        self._stream = stream

    def read(self, size: int) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._stream.read(size)


def _drain(record: Any, where: str) -> None:
    """Read the rest of the record (bounded chunks); a record cut short means the file is truncated."""
    stream = record.raw_stream
    while stream.read(_CHUNK):
        pass
    if getattr(stream, "limit", 0) > 0:
        raise _Damage("damaged warc", f"{where} is cut short (truncated file)")


def _warc_record(record: Any, number: int, path: str, base_id: str, opt: _Options) -> Document | None:
    """Turn one WARC record into a Document (None: not an article, or a problem was reported)."""
    kind = record.rec_type
    uri = _field(record.rec_headers.get_header("WARC-Target-URI"))
    where = f"record {number}" + (f" ({uri[:200]})" if uri else "")
    if record.format != "warc":
        what = "not a WARC file" if number == 1 else f"{where} is malformed"
        raise _Damage("damaged warc", f"{what} (no WARC/1.x header line)")
    if record.length is None:
        raise _Damage("damaged warc", f"{where} has no Content-Length (truncated or malformed headers)")
    declared = (record.rec_headers.get_header("Content-Length") or "").strip()
    if not declared.isdigit():  # warcio reads a non-numeric length as 0 and goes on
        raise _Damage("damaged warc", f"{where} is malformed: Content-Length {declared[:40]!r} is not a number")
    if not kind:
        raise _Damage("damaged warc", f"{where} is malformed: no WARC-Type header")
    if kind not in ("response", "resource"):
        opt.ignore(f"warc {kind} record")
        _drain(record, where)
        return None
    if kind == "response" and record.http_headers is not None:
        status = _http_status(record)
        if status is None or not 200 <= status < 300:
            opt.ignore("warc non-2xx response")
            _drain(record, where)
            return None
    media, charset = _content_type(record)
    if media and media not in _HTML_TYPES and media != "text/plain":
        opt.ignore("warc record not html")
        _drain(record, where)
        return None
    limit = opt.limits.warc_record_bytes
    if record.length is not None and record.length > limit:
        opt.problem(path, "warc record too big",
                    f"{where}: {record.length:,} bytes is over the {limit:,}-byte limit (UNSPUN_MAX_WARC_RECORD_BYTES)")
        _drain(record, where)
        return None
    try:
        data = _http_body(record, limit)
    except _BodyError as err:
        opt.problem(path, "damaged warc", f"{where}: the HTTP body cannot be decoded: {err}")
        _drain(record, where)
        return None
    if len(data) > limit:
        opt.problem(path, "warc record too big",
                    f"{where}: inflates past the {limit:,}-byte limit (UNSPUN_MAX_WARC_RECORD_BYTES)")
        _drain(record, where)
        return None
    _drain(record, where)
    doc_id = _id_or(uri, f"{base_id}#{number}")
    warc_date = _field(record.rec_headers.get_header("WARC-Date"))
    meta = {"source": path, "format": "warc", "warc_record": number}
    record_id = _field(record.rec_headers.get_header("WARC-Record-ID"))
    if record_id:
        meta["warc_record_id"] = record_id
    if warc_date:
        meta["warc_date"] = warc_date
    try:
        if media == "text/plain" or (not media and not _looks_html(data)):
            text = decode_bytes(data, f"{path} {where}")
            return Document(id=doc_id, text=text, url=uri, published=warc_date, meta=meta)
        return _html_document(data, f"{path} {where}", doc_id, url=uri, charset=charset, warc_date=warc_date, meta=meta)
    except InputError as err:
        opt.problem(path, getattr(err, "kind", "unreadable"), f"{where}: {getattr(err, 'detail', err)}")
        return None


def _looks_html(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head


def _warc_documents(path: str, base_id: str, opt: _Options) -> Iterator[Document]:
    from warcio.archiveiterator import ArchiveIterator

    class QuietArchiveIterator(ArchiveIterator):
        # warcio writes this warning to stderr itself; ingest reports it instead (err_count)
        INC_RECORD = ""

    lim = opt.limits
    try:
        fh = open(path, "rb")
        size = os.fstat(fh.fileno()).st_size
    except OSError as err:
        _report_os_error(path, err, opt)
        return
    with fh:
        compressed = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        if compressed:
            total = max(lim.warc_inflated_bytes, lim.warc_inflation_ratio * size)
            note = (
                f"decompression passed {total:,} bytes (the larger of UNSPUN_MAX_WARC_INFLATED_BYTES and "
                f"{lim.warc_inflation_ratio}x the compressed size): a decompression bomb? the rest is skipped"
            )
            guard = _GuardedReader(gzip.GzipFile(fileobj=fh, mode="rb"), total, lim.header_bytes, note)
        else:
            guard = _GuardedReader(fh, None, lim.header_bytes, "")
        number = 0
        records = QuietArchiveIterator(guard)
        # A record is only known to be whole once warcio has found the blank line after it,
        # which happens when the next record is read: hold each document back one step.
        pending: Document | None = None
        pending_where = ""
        errors = 0
        try:
            for record in records:
                if records.err_count != errors:
                    errors = records.err_count
                    _wrong_length(path, pending_where, pending, opt)
                elif pending is not None:
                    yield pending
                pending = None
                number += 1
                guard.in_body()
                pending = _warc_record(record, number, path, base_id, opt)
                pending_where = f"record {number}"
                guard.in_headers()
            if records.err_count != errors:
                _wrong_length(path, pending_where, pending, opt)
                pending = None
            # warcio ends quietly when a record's headers are cut short; find out from what is left over
            if records.next_line or (number == 0 and guard.tell() > 0):
                opt.problem(path, "damaged warc", f"record {number + 1} is cut short (truncated file)")
        except _Damage as err:
            in_record = guard.in_record or err.reason.startswith(("record ", "not a WARC"))
            opt.problem(path, err.kind, err.reason if in_record else f"after record {number}: {err.reason}")
        except Exception as err:  # noqa: BLE001 - warcio's parser raises assorted errors on garbage
            what = "not a WARC file" if number == 0 else f"record {number + 1} is malformed or cut short"
            opt.problem(path, "damaged warc", f"{what} ({type(err).__name__}: {str(err).strip()[:200]})")
        if pending is not None and not guard.in_record:
            yield pending


def _wrong_length(path: str, where: str, doc: Document | None, opt: _Options) -> None:
    if doc is not None:
        opt.problem(path, "damaged warc", f"{where}: not followed by a blank line, its Content-Length is wrong; dropped")


# --------------------------------------------------------------------------- files and directories


def _format_of(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".warc.gz"):
        return "warc"
    return _FORMATS.get(os.path.splitext(lower)[1])


def _sniff(path: str) -> str:
    """Guess the format of a file without a known extension from its first bytes."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError:
        return "text"  # the read that follows reports the error
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(path, "rb") as gz:
                if gz.read(5) == b"WARC/":
                    return "warc"
        except (OSError, EOFError, zlib.error):
            pass
        return "text"  # reported as gzip data by textio
    return "html" if _looks_html(head) else "text"


def _report_os_error(path: str, err: OSError, opt: _Options) -> None:
    ierr = os_error(path, err)
    opt.problem(path, ierr.kind, ierr.detail)  # type: ignore[attr-defined]


def _file_documents(path: str, doc_id: str, fmt: str | None, opt: _Options) -> Iterator[Document]:
    try:
        st = os.stat(path)
    except OSError as err:
        _report_os_error(path, err, opt)
        return
    if not stat.S_ISREG(st.st_mode):  # never open a FIFO or device: it may block or never end
        opt.problem(path, "not a file", "is not a regular file (a device, pipe or socket)")
        return
    doc_id = sanitize_id(doc_id) or "document"  # a file name may hold control characters; an id never does
    fmt = fmt or _sniff(path)
    if fmt == "jsonl":
        yield from _jsonl_documents(path, doc_id, opt)
        return
    if fmt == "warc":
        yield from _warc_documents(path, doc_id, opt)
        return
    try:
        data = read_bytes(path, opt.limits.doc_bytes)
        if fmt == "html":
            doc = _html_document(data, path, doc_id, meta={"source": path, "format": "html"})
        else:
            doc = _text_document(data, path, doc_id, fmt)
    except InputError as err:
        opt.problem(path, getattr(err, "kind", "unreadable"), getattr(err, "detail", str(err)))
        return
    yield doc


def _list_dir(directory: str, opt: _Options) -> list[os.DirEntry[str]] | None:
    try:
        with os.scandir(directory) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as err:
        kind = "permission denied" if isinstance(err, PermissionError) else "unreadable"
        opt.problem(directory, kind, f"the directory cannot be listed ({err.strerror or err})")
        return None


def _walk(root: str, opt: _Options) -> Iterator[tuple[str, str, str | None]]:
    """(path, id, format) of every candidate file under ``root``, depth-first in name order.

    Iterative (no recursion limit on deep trees); a directory is entered where
    its name sorts, so ids come out in the order of ``sorted()`` over path parts.
    """
    root_st = os.stat(root)
    entries = _list_dir(root, opt)
    if entries is None:
        return
    # Stack of (remaining entries, id prefix, ancestors as (device, inode)).
    stack = [(iter(entries), "", frozenset({(root_st.st_dev, root_st.st_ino)}))]
    while stack:
        it, prefix, ancestors = stack[-1]
        entry = next(it, None)
        if entry is None:
            stack.pop()
            continue
        name = entry.name
        rel = prefix + name
        if name.startswith("."):
            opt.ignore("hidden file", entry.path)
            continue
        try:
            is_link = entry.is_symlink()
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError:
            is_link, is_dir = True, False
        if is_dir:
            if is_link and not opt.follow_symlinks:
                opt.ignore("directory symlink not followed", entry.path)
                continue
            try:
                st = entry.stat(follow_symlinks=True)
            except OSError as err:
                _report_os_error(entry.path, err, opt)
                continue
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                opt.problem(entry.path, "symlink loop", "a symbolic link back to a directory above it; not entered")
                continue
            sub = _list_dir(entry.path, opt)
            if sub is not None:
                stack.append((iter(sub), rel + "/", ancestors | {key}))
            continue
        why = ignored_kind(name)
        if why:
            opt.ignore(why, entry.path)
            continue
        yield entry.path, rel, _format_of(name)


@dataclass(frozen=True)
class InputFile:
    """One input file: its path, the id of the document(s) it gives, its format (None: sniffed when read)."""

    path: str
    doc_id: str
    fmt: str | None


class _Sink(Protocol):
    """Where problems and ignored inputs go (an :class:`IngestReport`, or a scan's own record)."""

    def add_problem(self, source: str, kind: str, reason: str) -> None: ...

    def add_ignored(self, kind: str, source: str | None = None) -> None: ...


def file_format(name: str) -> str | None:
    """The format a file name says (``text``, ``markdown``, ``html``, ``jsonl``, ``warc``), None when it
    says none (the file is then sniffed when read, if it is read at all: see :func:`ignored_kind`)."""
    return _format_of(name)


def ignored_kind(name: str) -> str | None:
    """Why a directory walk passes over a file called ``name`` without reading it (``"hidden file"``,
    ``"unsupported file type"``), or None when it is read."""
    if name.startswith("."):
        return "hidden file"
    if _format_of(name) is None and "." in name.strip("."):
        return "unsupported file type"
    return None


def list_inputs(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    report: _Sink | None = None,
    follow_symlinks: bool = False,
) -> Iterator[InputFile]:
    """The files behind ``paths`` (files and directory trees, walked in sorted order), with the ids their
    documents get; what cannot be listed (a missing path, an unreadable directory) is recorded in
    ``report``.  When more than one path is given, the files of a directory get its name as a prefix
    (``siteA/news/story.txt``), so that two roots holding the same relative path never share an id.
    See the module documentation."""
    rep = report if report is not None else IngestReport()
    opt = _Options("text", "id", IngestLimits(), follow_symlinks, rep.add_problem, rep.add_ignored)
    given = _as_paths(paths)
    prefixes = _root_prefixes(given) if len(given) > 1 else {}
    for path in given:
        try:
            st = os.stat(path)
        except OSError as err:
            _report_os_error(path, err, opt)
            continue
        if stat.S_ISDIR(st.st_mode):
            prefix = prefixes.get(path, "")
            for file_path, rel, fmt in _walk(path, opt):
                yield InputFile(file_path, prefix + rel, fmt)
        else:
            yield InputFile(path, path, _format_of(os.path.basename(path)))


def _root_prefixes(paths: list[str]) -> dict[str, str]:
    """The id prefix of each directory given among several paths: its name (``siteA/``), or, when two
    directories given have the same name, its path as given (``2024/siteA/``)."""
    dirs = [p for p in paths if os.path.isdir(p)]
    names = {p: os.path.basename(os.path.abspath(p)) or os.path.abspath(p) for p in dirs}
    taken = list(names.values())
    out = {}
    for p, name in names.items():
        if taken.count(name) > 1:
            name = os.path.normpath(p) if not os.path.normpath(p).startswith("..") else os.path.abspath(p)
        out[p] = name.replace(os.sep, "/").strip("/") + "/"
    return out


def read_file(
    file: InputFile,
    *,
    text_field: str = "text",
    id_field: str = "id",
    report: _Sink | None = None,
    limits: IngestLimits | None = None,
) -> Iterator[Document]:
    """The documents of one input file (several for JSONL and WARC), skipping what cannot be read; each
    skip is recorded in ``report``."""
    rep = report if report is not None else IngestReport()
    opt = _Options(text_field, id_field, limits or IngestLimits.from_env(), False, rep.add_problem, rep.add_ignored)
    yield from _file_documents(file.path, file.doc_id, file.fmt, opt)


def _as_paths(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[str]:
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]  # type: ignore[list-item]
    out = []
    for p in paths:  # type: ignore[union-attr]
        out.append(os.fsdecode(p) if isinstance(p, bytes) else os.fspath(p))
    return out


def iter_documents(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    text_field: str = "text",
    id_field: str = "id",
    report: IngestReport | None = None,
    max_doc_bytes: int | None = None,
    follow_symlinks: bool = False,
    limits: IngestLimits | None = None,
) -> Iterator[Document]:
    """Stream the documents in ``paths`` (files and directory trees), skipping what cannot be read.

    Each skip is recorded in ``report`` (pass an :class:`IngestReport` to see
    them). A path given that does not exist is never passed over in silence:
    without a ``report`` it raises :class:`~unspun.errors.InputError` before
    anything is read; with one it is recorded there (``"no such file"``).
    ``limits`` defaults to :meth:`IngestLimits.from_env`; ``max_doc_bytes``
    overrides its ``doc_bytes``. See the module documentation for formats, ids
    and limits.
    """
    given = _as_paths(paths)
    if report is None:
        for path in given:
            if not os.path.lexists(path):
                raise input_error(path, "no such file", "no such file or directory (pass an IngestReport to record "
                                  "missing paths and read on)")
    rep = report if report is not None else IngestReport()
    lim = limits or IngestLimits.from_env()
    if max_doc_bytes is not None:
        lim = IngestLimits(**{**lim.__dict__, "doc_bytes": max_doc_bytes})
    yield from documents_of(list_inputs(given, report=rep, follow_symlinks=follow_symlinks), text_field=text_field,
                            id_field=id_field, report=rep, limits=lim)


def documents_of(
    files: Iterable[InputFile],
    *,
    text_field: str = "text",
    id_field: str = "id",
    report: IngestReport,
    limits: IngestLimits | None = None,
) -> Iterator[Document]:
    """The documents of input files already listed (:func:`list_inputs`), counted in ``report``: what
    :func:`iter_documents` reads after listing its paths."""
    lim = limits or IngestLimits.from_env()
    for file in files:
        for doc in read_file(file, text_field=text_field, id_field=id_field, report=report, limits=lim):
            report.documents += 1
            yield doc


class _Raise:
    """A sink that raises the first problem (and ignores what is not a document)."""

    def add_problem(self, source: str, kind: str, reason: str) -> None:
        raise input_error(source, kind, reason)

    def add_ignored(self, kind: str, source: str | None = None) -> None:
        pass


def load_document(
    path: str | os.PathLike[str],
    *,
    text_field: str = "text",
    id_field: str = "id",
    max_doc_bytes: int | None = None,
    limits: IngestLimits | None = None,
) -> Document:
    """Read the one document in a file of any ingest format; raise :class:`InputError` on any problem.

    A JSONL or WARC file must hold exactly one document (records that are not
    documents, such as WARC requests, do not count).
    """
    name = os.fspath(path)
    lim = limits or IngestLimits.from_env()
    if max_doc_bytes is not None:
        lim = IngestLimits(**{**lim.__dict__, "doc_bytes": max_doc_bytes})
    if os.path.isdir(name):
        raise input_error(name, "not a file", "is a directory; give one file")
    sink = _Raise()
    docs = (doc for file in list_inputs([name], report=sink)
            for doc in read_file(file, text_field=text_field, id_field=id_field, report=sink, limits=lim))
    try:
        first = next(docs, None)
        if first is None:
            raise input_error(name, "no text", "holds no document")
        if next(docs, None) is not None:
            raise input_error(name, "many documents", "holds more than one document; give a file with exactly one")
    finally:
        docs.close()
    return first
