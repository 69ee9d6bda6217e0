"""One worker's state: its configuration, its index handles, the writer's lock, the shared job store.

Reads (``check``, ``get``) go through a small pool of read-only handles, each
with its own SQLite connection (its own WAL snapshot), so they run at once.
Writes (``add``, ``remove``) go through this worker's one writable handle, under
a lock that every worker of the service shares (:class:`~.locks.FileLock`):
one write at a time across the whole service, whichever worker takes it.
"""
from __future__ import annotations

import hmac
import os
import re
import tempfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from fastapi import Request

from ..errors import InputError
from ..limits import DEFAULT_MAX_READERS
from ..types import Document
from .config import ServiceConfig
from .inputs import HTTPError, fetch_url, guess_title
from .jobs import JobStore
from .locks import FileLock

if TYPE_CHECKING:
    from .models import DocIn

_UPLOAD_EXT = re.compile(r"(\.warc\.gz|\.(txt|text|md|markdown|html|htm|xhtml|jsonl|ndjson|warc))$", re.I)


class Service:
    """Per-app state: the configuration, the lazily opened index handles and the scan jobs."""

    def __init__(self, cfg: ServiceConfig):
        self.cfg = cfg
        self.db_path = Path(cfg.db_path)
        self.token = cfg.token or None
        self.allow_fetch = cfg.allow_fetch
        self.max_batch = cfg.max_batch
        self.max_request_bytes = cfg.max_request_bytes
        self._own_runtime = None
        if not cfg.runtime_dir:  # an app built in process (tests, embedding): a private runtime folder of its own
            self._own_runtime = tempfile.TemporaryDirectory(prefix="unspun-serve-")
            runtime = self._own_runtime.name
        else:
            runtime = cfg.runtime_dir
        self.runtime = Path(runtime)
        self._index: Any = None
        self.index_lock = FileLock(self.runtime / "write.lock")  # the writer, one at a time across workers
        self._readers: list[Any] = []  # idle read-only handles (one SQLite connection each)
        self._readers_all: list[Any] = []
        self._readers_lock = threading.Lock()
        # at most this many reads at once: each check is CPU-bound (align, judge) and holds a handle's memory,
        # so more at once on a few cores only slows every request down (and /compare with them)
        self._reader_slots = threading.BoundedSemaphore(DEFAULT_MAX_READERS)
        self._compute: Any = None
        self._closed = False
        self.jobs = JobStore(self.runtime)
        self.upload_dir = tempfile.TemporaryDirectory(prefix="unspun-uploads-")  # this worker's, private (0700)
        self._paths = sorted({str(self.db_path), str(self.db_path.resolve()), str(self.db_path.absolute())},
                             key=len, reverse=True)

    def compute_slots(self) -> Any:
        """The worker's compute threads, as a semaphore of the running event loop (made on first use)."""
        import asyncio

        loop = asyncio.get_running_loop()
        if self._compute is None or self._compute[0] is not loop:
            self._compute = (loop, asyncio.Semaphore(self.cfg.compute_threads))
        return self._compute[1]

    # ---------------------------------------------------------------- index handles

    def index(self) -> Any:
        """The writable index, opened on first use (created when missing). Use it under ``index_lock``."""
        with self.index_lock:
            if self._index is None:
                from ..index import Index

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
                from ..index import Index

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
        if self._closed:
            return
        self._closed = True
        with self.index_lock:
            if self._index is not None:
                self._index.close()
                self._index = None
        with self._readers_lock:
            readers, self._readers, self._readers_all = self._readers_all, [], []
        for ix in readers:
            ix.close()
        self.index_lock.close()
        self.jobs.scan_lock.close()
        self.upload_dir.cleanup()
        if self._own_runtime is not None:
            self._own_runtime.cleanup()

    def redact(self, message: str) -> str:
        """A message fit for a client: the index's file path (where the server keeps its data) becomes 'the index'."""
        for p in self._paths:
            message = message.replace(p, "the index")
        return message

    # ---------------------------------------------------------------- auth

    def require_token(self, request: Request) -> None:
        if not self.token:
            return
        auth = request.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise HTTPError(401, "this endpoint needs a bearer token: send 'Authorization: Bearer <token>'",
                            {"WWW-Authenticate": 'Bearer realm="unspun"'})
        if not hmac.compare_digest(given.strip().encode(), self.token.encode()):
            raise HTTPError(403, "the bearer token is wrong", {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    # ---------------------------------------------------------------- documents from requests

    def within_limit(self, doc: Document, field_name: str) -> Document:
        """``doc``, unless its text is longer than the service aligns (413)."""
        limit = self.cfg.max_text_chars
        if len(doc.text) > limit:
            raise HTTPError(413, f"{field_name}: {len(doc.text):,} characters is over the {limit:,}-character limit "
                                 "for a text to align (the service's --max-text-chars)")
        return doc

    def document(self, d: "str | DocIn", default_id: str, field_name: str) -> Document:
        from ..api import text_id
        from ..textio import check_text

        if isinstance(d, str):
            text = check_text(d, field_name)
            doc = Document(id=default_id if default_id else text_id(text), text=text, title=guess_title(text))
            return self.within_limit(doc, field_name)
        text = d.text
        if text is None:
            if not d.url:
                raise InputError(f"{field_name}: give 'text' (or 'url' when the service fetches URLs)")
            text = self.fetch(d.url, field_name)
        text = check_text(text, field_name)
        doc = Document(
            id=d.id or default_id or text_id(text),
            text=text,
            title=d.title,
            url=d.url,
            published=d.published,
            byline=d.byline,
            meta=d.meta or {},
        )
        return self.within_limit(doc, field_name)

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
