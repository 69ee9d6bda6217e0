"""The HTTP service: a thin FastAPI layer over :func:`unspun.compare`, :class:`unspun.index.Index` and the report.

``create_app(db_path)`` builds the app; ``unspun serve --db FILE`` runs it on
uvicorn (loopback by default). Every answer is JSON (or a report page when the
client asks for ``text/html``); errors are ``{"error": "<one line>"}`` with a
4xx/5xx status and never a traceback. Guards built in:

- request bodies over ``max_request_bytes`` → 413 (checked on the
  ``Content-Length`` header and again while the body streams in);
- more than ``max_in_flight`` requests at once → 503 with ``Retry-After``;
- with a ``token``, every write endpoint (``POST /documents``,
  ``DELETE /documents/{id}``, ``POST /scans``) needs ``Authorization: Bearer
  <token>`` (401 without it, 403 with a wrong one);
- no URL is ever fetched unless the app is built with ``allow_fetch=True``;
- uploaded files are written to a private temporary directory under generated
  names; the client's file name is only ever used as a document id.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import os
import re
import socket
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from .errors import InputError, UnspunError
from .limits import DEFAULT_MAX_BATCH, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_READERS, DEFAULT_MAX_REQUEST_BYTES
from .types import Cluster, Document, Match

#: Finished scan jobs kept in memory (the oldest finished ones are forgotten first).
MAX_JOBS = 16
_UPLOAD_EXT = re.compile(r"(\.warc\.gz|\.(txt|text|md|markdown|html|htm|xhtml|jsonl|ndjson|warc))$", re.I)


# --------------------------------------------------------------------------- request bodies


class DocIn(BaseModel):
    """One document. ``text`` is required unless the service was started with URL fetching allowed."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, max_length=1000, description="document id (generated from the text when absent)")
    text: str | None = Field(None, min_length=1, description="the document's clean text")
    title: str | None = Field(None, max_length=1000)
    url: str | None = Field(None, max_length=10000, description="metadata only; fetched only with --allow-fetch and no text")
    published: str | None = Field(None, max_length=100, description="ISO 8601 date")
    byline: str | None = Field(None, max_length=1000)
    meta: dict[str, Any] | None = None


class CompareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: str | DocIn = Field(description="the first text, or a document object")
    b: str | DocIn = Field(description="the second text, or a document object")
    judge: bool = Field(True, description="decide the original and list distortions")


class DocumentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[DocIn] = Field(min_length=1)


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, min_length=1)
    document: DocIn | None = None
    k: int = Field(10, ge=1, le=100, description="how many matches to return")


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_coverage: float = Field(0.0, ge=0.0, le=1.0)
    judge: bool = True


def _validate(model: Any, data: Any) -> Any:
    """Validate ``data`` against ``model``; a failure becomes a 422 naming the field."""
    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as err:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e.get("loc", ()))} for e in err.errors(include_url=False, include_context=False)]
        ) from None


# --------------------------------------------------------------------------- responses


_SURROGATE = re.compile("[\ud800-\udfff]")


class SafeJSONResponse(JSONResponse):
    """JSON that always encodes (a lone surrogate from a client's JSON goes back as its ``\\uXXXX`` escape)."""

    def render(self, content: Any) -> bytes:
        s = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return _SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), s).encode("utf-8")


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> SafeJSONResponse:
    return SafeJSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def _page(html: str, status: int = 200) -> HTMLResponse:
    from .report import content_security_policy

    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": content_security_policy()})


def wants_html(request: Request) -> bool:
    """True when the client prefers ``text/html`` to JSON (``?format=html|json`` decides outright)."""
    fmt = request.query_params.get("format")
    if fmt in ("html", "json"):
        return fmt == "html"
    html_q = json_q = 0.0
    for item in request.headers.get("accept", "").split(","):
        parts = [p.strip() for p in item.split(";")]
        media, q = parts[0].lower(), 1.0
        for p in parts[1:]:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if media in ("text/html", "application/xhtml+xml"):
            html_q = max(html_q, q)
        elif media == "application/json":
            json_q = max(json_q, q)
    return html_q > 0 and html_q > json_q


# --------------------------------------------------------------------------- guards (pure ASGI)


class _TooLarge(Exception):
    pass


class Guard:
    """Answer 413 for bodies over ``max_bytes`` and 503 past ``max_in_flight`` concurrent requests."""

    def __init__(self, app: Any, max_bytes: int, max_in_flight: int, retry_after: int = 1):
        self.app = app
        self.max_bytes = max_bytes
        self.max_in_flight = max_in_flight
        self.retry_after = retry_after
        self.in_flight = 0  # the event loop runs one coroutine at a time: no lock needed

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            await _send_json(
                send,
                503,
                {"error": f"the service is busy ({self.in_flight} requests in flight); retry after {self.retry_after} s"},
                [(b"retry-after", str(self.retry_after).encode())],
            )
            return
        self.in_flight += 1
        try:
            await self._limited(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _limited(self, scope: dict, receive: Callable, send: Callable) -> None:
        limit = self.max_bytes
        too_big = {"error": f"the request body is over the {limit:,}-byte limit (start the service with a larger --max-request-bytes)"}
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    await _send_json(send, 400, {"error": "the Content-Length header is not a number"})
                    return
                if declared > limit:
                    await _send_json(send, 413, too_big, [(b"connection", b"close")])
                    return
        seen = 0
        started = False

        async def counted_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge()
            return message

        async def tracked_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": list(message.get("headers", [])) + _SECURITY_HEADERS}
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, too_big, [(b"connection", b"close")])


_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


async def _send_json(send: Callable, status: int, body: dict, headers: list | None = None) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
            + _SECURITY_HEADERS
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": data})


# --------------------------------------------------------------------------- scan jobs


@dataclass
class ScanJob:
    id: str
    params: dict[str, Any]
    status: Literal["queued", "running", "done", "failed"] = "queued"
    done: int = 0
    total: int = 0
    unit: str = "pairs"
    message: str = ""
    created: float = field(default_factory=time.time)
    finished: float | None = None
    error: str | None = None
    clusters: list[Cluster] | None = None

    def to_dict(self, with_result: bool = True) -> dict[str, Any]:
        from .report import scan_json

        d: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "progress": {"done": self.done, "total": self.total, "unit": self.unit, "message": self.message},
            "params": self.params,
        }
        if self.error:
            d["error"] = self.error
        if with_result and self.status == "done" and self.clusters is not None:
            d["result"] = scan_json(self.clusters)
        return d


class Service:
    """Per-app state: the configuration, the lazily opened index and the scan jobs."""

    def __init__(self, db_path: str | os.PathLike[str], *, token: str | None, allow_fetch: bool, max_batch: int,
                 max_request_bytes: int):
        self.db_path = Path(db_path)
        self.token = token or None
        self.allow_fetch = allow_fetch
        self.max_batch = max_batch
        self.max_request_bytes = max_request_bytes
        self._index: Any = None
        self.index_lock = threading.RLock()  # the writer: one SQLite connection, used by one thread at a time
        self._readers: list[Any] = []  # idle read-only handles (one SQLite connection each)
        self._readers_all: list[Any] = []
        self._readers_lock = threading.Lock()
        # at most this many reads at once: each check is CPU-bound (align, judge) and holds a handle's memory,
        # so more at once on a few cores only slows every request down (and /compare with them)
        self._reader_slots = threading.BoundedSemaphore(DEFAULT_MAX_READERS)
        self.jobs: OrderedDict[str, ScanJob] = OrderedDict()
        self.jobs_lock = threading.Lock()
        self.scan_gate = threading.Semaphore(1)  # scans run one after another
        self.upload_dir = tempfile.TemporaryDirectory(prefix="unspun-uploads-")

    def index(self) -> Any:
        """The index, opened on first use (so ``/compare`` works even without one)."""
        with self.index_lock:
            if self._index is None:
                from .index import Index

                self._index = Index(self.db_path)
            return self._index

    @contextmanager
    def reader(self) -> Iterator[Any]:
        """A read-only handle on the index for the calling thread, from a pool: each has its own SQLite
        connection, so reads (``check``, ``get``) run at once, each in its own WAL snapshot, while writes go
        one at a time through :meth:`index`.  A handle is reused, never shared by two threads at once."""
        if not self.db_path.exists() or self.db_path.stat().st_size == 0:
            self.index()  # creates the index (the writer owns its schema)
        with self._reader_slots:
            with self._readers_lock:
                ix = self._readers.pop() if self._readers else None
            if ix is None:
                from .index import Index

                ix = Index(self.db_path, readonly=True)
                with self._readers_lock:
                    self._readers_all.append(ix)
            try:
                yield ix
            finally:
                with self._readers_lock:
                    if ix in self._readers_all:  # not closed meanwhile
                        self._readers.append(ix)

    def index_size(self) -> int | None:
        if self._index is None and not self.db_path.exists():
            return None
        with self.reader() as ix:
            return len(ix)

    def close(self) -> None:
        with self.index_lock:
            if self._index is not None:
                self._index.close()
                self._index = None
        with self._readers_lock:
            readers, self._readers, self._readers_all = self._readers_all, [], []
        for ix in readers:
            ix.close()
        self.upload_dir.cleanup()

    # ---------------------------------------------------------------- auth

    def require_token(self, request: Request) -> None:
        if not self.token:
            return
        auth = request.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise _HTTPError(401, "this endpoint needs a bearer token: send 'Authorization: Bearer <token>'",
                             {"WWW-Authenticate": 'Bearer realm="unspun"'})
        if not hmac.compare_digest(given.strip().encode(), self.token.encode()):
            raise _HTTPError(403, "the bearer token is wrong", {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    # ---------------------------------------------------------------- documents from requests

    def document(self, d: "str | DocIn", default_id: str, field_name: str) -> Document:
        from .api import text_id
        from .textio import check_text

        if isinstance(d, str):
            text = check_text(d, field_name)
            return Document(id=default_id if default_id else text_id(text), text=text, title=guess_title(text))
        text = d.text
        if text is None:
            if not d.url:
                raise InputError(f"{field_name}: give 'text' (or 'url' when the service fetches URLs)")
            text = self.fetch(d.url, field_name)
        text = check_text(text, field_name)
        return Document(
            id=d.id or default_id or text_id(text),
            text=text,
            title=d.title,
            url=d.url,
            published=d.published,
            byline=d.byline,
            meta=d.meta or {},
        )

    def fetch(self, url: str, field_name: str) -> str:
        if not self.allow_fetch:
            raise InputError(
                f"{field_name}: this service does not fetch URLs (start it with --allow-fetch); send the text instead"
            )
        return fetch_url(url, field_name, self.max_request_bytes)

    def save_upload(self, data: bytes, filename: str | None) -> Path:
        """Write an upload into the private directory under a generated name (the extension picks the format)."""
        m = _UPLOAD_EXT.search(filename or "")
        ext = m.group(1).lower() if m else ".txt"
        path = Path(self.upload_dir.name) / f"upload-{uuid.uuid4().hex}{ext}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return path


def guess_title(text: str) -> str | None:
    """The first line of a pasted text when it reads like a headline (short, no final full stop, more text below)."""
    head, _, rest = text.strip().partition("\n")
    head = head.strip().lstrip("#").strip()
    if 0 < len(head) <= 200 and not head.endswith((".", ":", ";", ",")) and rest.strip():
        return head
    return None


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def upload_label(filename: str | None, fallback: str) -> str:
    """The client's file name reduced to a safe id (never a path): base name only, no control characters."""
    from .ingest import sanitize_id

    base = re.split(r"[\\/]", filename or "")[-1]
    base = sanitize_id(base).lstrip(".")
    return base or fallback


def _relabel(s: str, path: Path, label: str) -> str:
    return s.replace(str(path), label)


def documents_from_upload(svc: Service, upload: UploadFile, data: bytes, fallback: str, *, one: bool,
                          problems: list[dict[str, str]] | None = None) -> list[Document]:
    """Read an uploaded file with ingest (any ingest format); ids and messages name the upload, not the temp file.

    With ``one=False`` the parts of the file that were skipped (a broken JSONL line, a damaged WARC
    record) are appended to ``problems`` as ``{"source": <upload name>, "reason": ...}``."""
    from dataclasses import replace

    from .ingest import IngestReport, iter_documents, load_document

    label = upload_label(upload.filename, fallback)
    if not data:
        raise InputError(f"{label}: the file is empty")
    path = svc.save_upload(data, upload.filename)
    try:
        if one:
            try:
                docs = [load_document(path)]
            except InputError as err:
                raise InputError(_relabel(str(err), path, label)) from None
        else:
            report = IngestReport()
            docs = list(iter_documents([path], report=report))
            if report.problems and not docs:
                src, why = report.problems[0]
                raise InputError(_relabel(f"{src}: {why}", path, label))
            if problems is not None:
                problems += [{"source": label, "reason": _relabel(why, path, label)} for _src, why in report.problems]
        out = []
        for d in docs:
            meta = {k: (_relabel(v, path, label) if isinstance(v, str) else v) for k, v in dict(d.meta).items()}
            out.append(replace(d, id=_relabel(d.id, path, label), meta=meta))
        return out
    finally:
        path.unlink(missing_ok=True)


def fetch_url(url: str, field_name: str, max_bytes: int) -> str:
    """Fetch one public http(s) page and extract its text (only with ``allow_fetch``); private addresses are refused."""
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{field_name}: only http(s) URLs can be fetched, not {url[:200]!r}")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as err:
        raise InputError(f"{field_name}: cannot resolve {parts.hostname!r} ({err})") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not ip.is_global:
            raise InputError(f"{field_name}: {parts.hostname!r} is a private or local address; not fetched")
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - scheme checked above
            data = resp.read(max_bytes + 1)
    except OSError as err:
        raise InputError(f"{field_name}: cannot fetch {url[:200]!r} ({err})") from None
    if len(data) > max_bytes:
        raise InputError(f"{field_name}: the page at {url[:200]!r} is over {max_bytes:,} bytes")
    import trafilatura

    text = trafilatura.extract(data) or ""
    if not text.strip():
        raise InputError(f"{field_name}: no article text found at {url[:200]!r}")
    return text


# --------------------------------------------------------------------------- the app


def create_app(
    db_path: str | os.PathLike[str],
    *,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    token: str | None = None,
    allow_fetch: bool = False,
    max_batch: int = DEFAULT_MAX_BATCH,
) -> FastAPI:
    """Build the service for the index at ``db_path`` (opened on first use, created when missing)."""
    from . import __version__
    from .errors import ConfigError

    if max_request_bytes < 1:
        raise ConfigError(f"max_request_bytes must be at least 1, not {max_request_bytes}")
    if max_in_flight < 1:
        raise ConfigError(f"max_in_flight must be at least 1, not {max_in_flight}")
    if max_batch < 1:
        raise ConfigError(f"max_batch must be at least 1, not {max_batch}")
    svc = Service(db_path, token=token, allow_fetch=allow_fetch, max_batch=max_batch,
                  max_request_bytes=max_request_bytes)

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        svc.close()

    app = _fastapi(
        title="unspun",
        version=__version__,
        description="Find rewritten copies of articles, align the reused passages and explain how the copy changed the story.",
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
    )
    app.state.service = svc
    app.add_middleware(Guard, max_bytes=max_request_bytes, max_in_flight=max_in_flight)
    _install_error_handlers(app)

    def auth(request: Request) -> None:
        svc.require_token(request)

    async def read_body(request: Request) -> tuple[dict[str, Any], dict[str, list[tuple[UploadFile, bytes]]]]:
        """(JSON object or form fields, uploaded files with their bytes)."""
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.form(max_files=svc.max_batch, max_fields=100, max_part_size=max_request_bytes)
            fields: dict[str, Any] = {}
            files: dict[str, list[tuple[UploadFile, bytes]]] = {}
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read()
                    if data or value.filename:  # an empty file input in a browser form means "no file"
                        files.setdefault(key, []).append((value, data))
                else:
                    fields.setdefault(key, value)
            return fields, files
        raw = await request.body()
        if not raw:
            raise _HTTPError(422, "body: the request has no body; send JSON or multipart/form-data")
        if ctype not in ("application/json", "") and not ctype.endswith("+json"):
            raise _HTTPError(415, f"body: unsupported content type {ctype!r}; send application/json or multipart/form-data")
        try:
            obj = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise _HTTPError(422, f"body: not valid JSON ({err})") from None
        if not isinstance(obj, dict):
            raise _HTTPError(422, "body: expected a JSON object")
        return _no_surrogates(obj), {}

    def body_doc(svc: Service, fields: dict, files: dict, names: tuple[str, ...], default_id: str) -> Document:
        for n in names:
            if n in files:
                upload, data = files[n][0]
                return documents_from_upload(svc, upload, data, default_id, one=True)[0]
        for n in names:
            v = fields.get(n)
            if isinstance(v, str) and v.strip():
                return svc.document(v, default_id, n)
        raise RequestValidationError([{"type": "missing", "loc": ("body", names[0]), "msg": "Field required (a text or a file)"}])

    def doc_body(model: type[BaseModel], form: dict[str, Any]) -> dict[str, Any]:
        return {
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}},
                    "multipart/form-data": {"schema": {"type": "object", "properties": form}},
                },
            }
        }

    file_or_text = {"type": "string", "format": "binary", "description": "a file (any ingest format) or a text field"}

    # ---------------------------------------------------------------- pages

    @app.get("/", response_class=HTMLResponse, summary="A page to compare two texts or check one against the index")
    def home() -> HTMLResponse:
        from .report import render_template

        try:
            size = svc.index_size()
        except UnspunError:
            size = None
        return _page(render_template("home.html", index_size=size))

    # ---------------------------------------------------------------- compare

    @app.post(
        "/compare",
        summary="Align two texts: the Match as JSON, or the side-by-side page for Accept: text/html",
        openapi_extra=doc_body(CompareIn, {"a": file_or_text, "b": file_or_text}),
        responses={200: {"content": {"text/html": {}}}},
    )
    async def compare_endpoint(request: Request) -> Response:
        from .api import compare

        fields, files = await read_body(request)
        if files or request.headers.get("content-type", "").startswith(("multipart/", "application/x-www")):
            a = body_doc(svc, fields, files, ("a", "a_file"), "a")
            b = body_doc(svc, fields, files, ("b", "b_file"), "b")
            judge = str(fields.get("judge", "true")).lower() not in ("0", "false", "no")
        else:
            body: CompareIn = _validate(CompareIn, fields)
            a = svc.document(body.a, "a", "a")
            b = svc.document(body.b, "b", "b")
            judge = body.judge
        match = await _in_thread(compare, a, b, judge=judge)
        if wants_html(request):
            from .report import render_pair

            return _page(render_pair(match, back_href="/", back_label="new comparison"))
        return SafeJSONResponse(match.to_dict())

    # ---------------------------------------------------------------- documents

    @app.post(
        "/documents",
        status_code=201,
        summary="Add one document or a batch (JSON, or uploaded files of the ingest formats)",
        dependencies=[Depends(auth)],
        openapi_extra=doc_body(DocumentsIn, {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}),
    )
    async def add_documents(request: Request) -> Response:
        fields, files = await read_body(request)
        docs: list[Document] = []
        problems: list[dict[str, str]] = []
        if files:
            uploads = [u for key in sorted(files) for u in files[key]]
            if len(uploads) > svc.max_batch:
                raise InputError(f"body: {len(uploads)} files is over the batch limit of {svc.max_batch}")
            for n, (upload, data) in enumerate(uploads, 1):
                docs += documents_from_upload(svc, upload, data, f"upload-{n}", one=False, problems=problems)
        elif "documents" in fields or not fields.get("text"):
            body: DocumentsIn = _validate(DocumentsIn, fields)
            docs = [svc.document(d, "", f"documents[{i}]") for i, d in enumerate(body.documents)]
        else:
            d: DocIn = _validate(DocIn, fields)
            docs = [svc.document(d, "", "document")]
        if not docs:
            raise InputError("body: no document to add")
        if len(docs) > svc.max_batch:
            raise InputError(f"body: {len(docs)} documents is over the batch limit of {svc.max_batch}; send smaller batches")
        for d in docs:
            if not d.id.strip():
                raise InputError("body: a document id is empty")

        def add() -> Any:
            with svc.index_lock:
                return svc.index().add(docs)

        result = await _in_thread(add)
        return SafeJSONResponse(
            {
                "added": result.added,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "skipped": [{"id": i, "reason": r} for i, r in result.skipped],
                "ids": [d.id for d in docs],
                "problems": problems,  # parts of uploaded files that were skipped, with the reason
            },
            status_code=201,
        )

    @app.get("/documents/{doc_id:path}", summary="One stored document, with its text")
    def get_document(doc_id: str) -> Response:
        with svc.reader() as ix:
            doc = ix.get(doc_id)
        if doc is None:
            raise _HTTPError(404, f"no document with id {doc_id[:200]!r} in the index")
        return SafeJSONResponse(doc.to_dict())

    @app.delete("/documents/{doc_id:path}", summary="Remove a document from the index", dependencies=[Depends(auth)])
    def delete_document(doc_id: str) -> Response:
        with svc.index_lock:
            removed = svc.index().remove(doc_id)
        if not removed:
            raise _HTTPError(404, f"no document with id {doc_id[:200]!r} in the index")
        return SafeJSONResponse({"deleted": doc_id})

    # ---------------------------------------------------------------- check

    @app.post(
        "/check",
        summary="Rank the stored documents that share passages with a text (JSON, or a page for Accept: text/html)",
        openapi_extra=doc_body(CheckIn, {"text": {"type": "string"}, "file": file_or_text, "k": {"type": "integer"}}),
        responses={200: {"content": {"text/html": {}}}},
    )
    async def check_endpoint(request: Request) -> Response:
        from .report import check_json, render_check

        fields, files = await read_body(request)
        if files or request.headers.get("content-type", "").startswith(("multipart/", "application/x-www")):
            query = body_doc(svc, fields, files, ("file", "text"), "query")
            k_raw = fields.get("k") or "10"
            body = _validate(CheckIn, {"k": k_raw})
            k = body.k
        else:
            body = _validate(CheckIn, fields)
            if body.document is not None:
                query = svc.document(body.document, "query", "document")
            elif body.text is not None:
                query = svc.document(body.text, "query", "text")
            else:
                raise RequestValidationError([{"type": "missing", "loc": ("body", "text"), "msg": "Field required (text or document)"}])
            k = body.k

        def check() -> list[Match]:
            with svc.reader() as ix:  # concurrent with other checks; a write meanwhile is not waited for
                return ix.check(query, k)

        matches = await _in_thread(check)
        if wants_html(request):
            return _page(render_check(query, matches, back_href="/", back_label="home"))
        return SafeJSONResponse(check_json(query, matches))

    # ---------------------------------------------------------------- scans

    @app.post("/scans", status_code=202, summary="Start a corpus scan in the background; returns its job id",
              dependencies=[Depends(auth)])
    async def start_scan(request: Request) -> Response:
        raw = await request.body()
        try:
            given = json.loads(raw) if raw.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise _HTTPError(422, f"body: not valid JSON ({err})") from None
        params: ScanIn = _validate(ScanIn, given)
        job = ScanJob(id=uuid.uuid4().hex[:16], params=params.model_dump())
        with svc.jobs_lock:
            finished = [j for j in svc.jobs.values() if j.status in ("done", "failed")]
            while len(svc.jobs) >= MAX_JOBS and finished:
                svc.jobs.pop(finished.pop(0).id, None)
            if len(svc.jobs) >= MAX_JOBS:
                raise _HTTPError(503, f"{MAX_JOBS} scans are already queued or running; retry later", {"Retry-After": "30"})
            svc.jobs[job.id] = job
        threading.Thread(target=_run_scan, args=(svc, job), name=f"unspun-scan-{job.id}", daemon=True).start()
        return SafeJSONResponse({"id": job.id, "status": job.status, "href": f"/scans/{job.id}"}, status_code=202,
                                headers={"Location": f"/scans/{job.id}"})

    def get_job(job_id: str) -> ScanJob:
        with svc.jobs_lock:
            job = svc.jobs.get(job_id)
        if job is None:
            raise _HTTPError(404, f"no scan job {job_id[:100]!r} (jobs are kept in memory until the service restarts)")
        return job

    @app.get("/scans/{job_id}", summary="A scan's status and progress; when done, its result (JSON, or the report page)")
    def scan_status(job_id: str, request: Request, page: int = 1) -> Response:
        from .report import render_scan_page, render_template
        from .report.render import DEFAULT_PAGE_SIZE, ScanLinks, page_count

        job = get_job(job_id)
        if not wants_html(request):
            return SafeJSONResponse(job.to_dict())
        json_href = f"/scans/{job.id}?format=json"
        if job.status != "done" or job.clusters is None:
            return _page(render_template("job.html", job=job.to_dict(with_result=False), json_href=json_href))
        npages = page_count(job.clusters, DEFAULT_PAGE_SIZE)
        if not 1 <= page <= npages:
            raise _HTTPError(404, f"page {page} does not exist: the report has {npages} page(s)")
        links = ScanLinks(
            page=lambda p: f"/scans/{job.id}?format=html&page={p}",
            pair=lambda n: f"/scans/{job.id}/pairs/{n}?format=html",
            pair_json=lambda n: f"/scans/{job.id}/pairs/{n}?format=json",
            json=json_href,
        )
        return _page(render_scan_page(job.clusters, page, links=links))

    @app.get("/scans/{job_id}/pairs/{n}", summary="Pair number n of a finished scan (JSON, or its side-by-side page)")
    def scan_pair(job_id: str, n: int, request: Request) -> Response:
        from .report import render_pair

        job = get_job(job_id)
        if job.status != "done" or job.clusters is None:
            raise _HTTPError(409, f"scan {job.id} is {job.status}; its pairs are ready when it is done")
        matches = [m for c in job.clusters for m in c.matches]
        if not 1 <= n <= len(matches):
            raise _HTTPError(404, f"scan {job.id} has {len(matches)} pairs; there is no pair {n}")
        m = matches[n - 1]
        if wants_html(request):
            return _page(render_pair(m, json_href=f"/scans/{job.id}/pairs/{n}?format=json",
                                     back_href=f"/scans/{job.id}?format=html", back_label="scan report"))
        return SafeJSONResponse(m.to_dict())

    _install_openapi(app, [CompareIn, DocumentsIn, DocIn, CheckIn, ScanIn])
    return app


def _fastapi(**kwargs: Any) -> FastAPI:
    """FastAPI whose /docs serves Swagger UI from installed files (offline), when fastapi-offline is installed."""
    try:
        from fastapi_offline import FastAPIOffline
    except ImportError:
        return FastAPI(**kwargs)
    return FastAPIOffline(**kwargs)


def _install_openapi(app: FastAPI, models: list[type[BaseModel]]) -> None:
    """Add the request models (read by hand to accept JSON or multipart) to the OpenAPI components."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = base()
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        for m in models:
            s = m.model_json_schema(ref_template="#/components/schemas/{model}")
            comps.update(s.pop("$defs", {}))
            comps[m.__name__] = s
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


async def _in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args, **kwargs)


def _run_scan(svc: Service, job: ScanJob) -> None:
    from .index import Index
    from .progress import Progress
    from .report import sort_clusters

    with svc.scan_gate:
        job.status = "running"
        try:
            def progress(p: Progress) -> None:  # the candidate pairs are counted first, then aligned
                job.message = str(p)
                job.done, job.total = (p.done if p.stage == "align" else 0), p.total or 0

            with Index(svc.db_path) as index:  # its own connection: requests go on meanwhile
                clusters = list(index.scan(job.params["min_coverage"], judge=job.params["judge"], progress=progress))
            job.clusters = sort_clusters(clusters)
            job.done = job.total
            job.status = "done"
        except UnspunError as err:
            job.error = str(err)
            job.status = "failed"
        except Exception as err:  # noqa: BLE001 - a job reports its failure instead of dying silently
            job.error = f"the scan failed: {type(err).__name__}: {str(err)[:300]}"
            job.status = "failed"
        finally:
            job.finished = time.time()


def _no_surrogates(obj: Any) -> Any:
    """JSON may carry lone surrogates (``"\\ud800"``), which no text stage can encode: each becomes U+FFFD."""
    if isinstance(obj, str):
        return _SURROGATE.sub("\ufffd", obj)
    if isinstance(obj, list):
        return [_no_surrogates(x) for x in obj]
    if isinstance(obj, dict):
        return {_no_surrogates(k): _no_surrogates(v) for k, v in obj.items()}
    return obj


def _field_name(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body",)] if loc else []
    return ".".join(parts) or "body"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        parts = [f"{_field_name(e.get('loc'))}: {e.get('msg', 'invalid')}" for e in errors[:5]]
        detail = [{"field": _field_name(e.get("loc")), "message": e.get("msg", "")} for e in errors[:50]]
        return _error(422, "; ".join(parts) or "invalid request", detail=detail)

    @app.exception_handler(_HTTPError)
    async def http_error(request: Request, exc: _HTTPError) -> Response:
        return _error(exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def starlette_http(request: Request, exc: StarletteHTTPException) -> Response:
        msg = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and msg == "Not Found":
            msg = f"no such endpoint: {request.method} {request.url.path[:200]}"
        elif exc.status_code == 405:
            msg = f"{request.method} is not allowed on {request.url.path[:200]}"
        return _error(exc.status_code, msg, getattr(exc, "headers", None))

    @app.exception_handler(UnspunError)
    async def unspun_error(request: Request, exc: UnspunError) -> Response:
        return _error(400, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        import logging

        logging.getLogger("unspun.service").exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(500, "internal error: the request could not be completed (the server log has the details)")
