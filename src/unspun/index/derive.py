"""What ``Index.add`` derives from each text (window signatures, band keys, passage vectors), in this
process or ahead of the writer in a pool of worker processes.

They are pure functions of the text, so the index is the same whatever the number of workers.
"""
from __future__ import annotations

import os
from typing import Any, Callable

from ..errors import ConfigError
from ..fingerprint import DocRecord, fingerprint_batch
from ..params import ScanParams
from ..pipeline.ann import Embedded, embed_batch
from ..types import Document

#: a batch with fewer documents to derive than this is derived in-process (a pool costs a start-up)
MIN_PARALLEL = 200

Derived = dict[str, tuple[DocRecord, "Embedded | None"]]  # id -> (signatures and keys, passage vectors)


def worker_count(workers: int | None) -> int:
    """``workers`` processes, else ``UNSPUN_WORKERS``, else 1 (checked: at least 1)."""
    if workers is None:
        env = os.environ.get("UNSPUN_WORKERS")
        if env:
            try:
                workers = int(env)
            except ValueError:
                raise ConfigError(f"UNSPUN_WORKERS must be a whole number, not {env!r}") from None
        else:
            workers = 1
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, not {workers}")
    return workers


def derive(docs: list[Document], params: ScanParams, embedder: Any) -> Derived:
    """Signatures, band keys and passage vectors of documents."""
    records = fingerprint_batch(docs, params.fingerprint)
    vectors = {v[0]: v for v in embed_batch(docs, embedder, params.candidates.passage_chars)} if embedder is not None else {}
    return {r.id: (r, vectors.get(r.id)) for r in records}


def _derive_named(docs: list[Document], params: ScanParams, embedder_name: str) -> Derived:
    """:func:`derive` in a worker process, with the embedder loaded there by name."""
    from ..embed import get_embedder

    return derive(docs, params, None if embedder_name == "none" else get_embedder(embedder_name))


def die_with_parent(parent: int) -> None:
    """Worker set-up: exit when the writer process dies (even by SIGKILL), never linger as an orphan."""
    import signal
    import threading
    import time

    try:  # Linux: the kernel delivers SIGKILL to this worker when its parent dies
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:  # elsewhere (and as a fallback): poll for re-parenting
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="unspun-parent-watch").start()


def _is_registered(name: str) -> bool:
    from ..embed import EMBEDDERS

    return name in EMBEDDERS


class Deriver:
    """Derives batches ahead of the writer in a process pool, or in-process when that is not worth it."""

    def __init__(self, workers: int, params: ScanParams, embedder_name: str, embedder_object: Any) -> None:
        self.workers = workers
        self.params = params
        self.embedder_name = embedder_name
        self.pool: Any = None
        self.named = embedder_object is None or _is_registered(embedder_name)

    def submit(self, batch: list[Document], todo: Callable[[list[Document]], list[Document]]) -> Any:
        """A future of :data:`Derived` for ``todo(batch)`` (the documents of the batch that need deriving),
        or None: derive them at write time, in this process (also when there are too few to be worth a pool)."""
        if not self._worth(len(batch)):
            return None
        docs = todo(batch)
        if not self._worth(len(docs)):
            return None
        if self.pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: forking a process that runs thread pools (tokenizers, BLAS) can deadlock.
            # Like any spawning library, this needs the caller's script guarded by `if __name__ == "__main__":`.
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=mp.get_context("spawn"), initializer=die_with_parent, initargs=(os.getpid(),)
            )
        size = -(-len(docs) // self.workers)
        futures = [self.pool.submit(_derive_named, docs[i : i + size], self.params, self.embedder_name)
                   for i in range(0, len(docs), size)]
        return _Merged(futures)

    def _worth(self, n: int) -> bool:
        return self.workers >= 2 and n >= MIN_PARALLEL and self.named

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


class _Merged:
    def __init__(self, futures: list[Any]) -> None:
        self.futures = futures

    def result(self) -> Derived:
        out: Derived = {}
        for f in self.futures:
            out.update(f.result())
        return out
