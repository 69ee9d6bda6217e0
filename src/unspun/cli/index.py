"""``unspun index add|rm|stats``: build and maintain a corpus index."""
from __future__ import annotations

import argparse
import os
import sys
import time

from .output import write_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="add documents to a corpus index, remove them, show its statistics",
                       description="Maintain a corpus index (one SQLite file, created on first use).")
    isub = p.add_subparsers(dest="index_command", metavar="ACTION")
    add = isub.add_parser("add", help="add files and directory trees (txt, md, html, jsonl, warc)",
                          description="Ingest PATHs into the index: new ids are added, changed texts replace the old "
                          "entry, unchanged documents are left alone, unreadable inputs are skipped and listed.")
    add.add_argument("paths", metavar="PATH", nargs="+", help="file or directory")
    add.add_argument("--db", required=True, metavar="FILE", help="index file")
    add.add_argument("--text-field", default="text", metavar="F", help="JSONL field holding the text (default: text)")
    add.add_argument("--id-field", default="id", metavar="F", help="JSONL field holding the id (default: id)")
    add.add_argument("--batch-size", type=int, default=1000, metavar="N", help="documents per transaction (default: 1000)")
    add.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes that do the work (1: this process alone): here they fingerprint and embed ahead of "
             "the writer (default: UNSPUN_WORKERS, else every core)",
    )
    add.add_argument("--no-vectors", action="store_true", help="create the index without passage embeddings (faster; "
                     "paraphrases that share few words are then missed)")
    add.set_defaults(func=run_add)
    rm = isub.add_parser("rm", help="remove documents by id")
    rm.add_argument("ids", metavar="ID", nargs="+")
    rm.add_argument("--db", required=True, metavar="FILE")
    rm.set_defaults(func=run_rm)
    st = isub.add_parser("stats", help="document count, sizes and parameters")
    st.add_argument("--db", required=True, metavar="FILE")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=run_stats)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


class _Progress:
    """A tqdm bar with docs/s on a terminal, a plain line every few seconds otherwise."""

    def __init__(self, stream=None, every: float = 5.0):
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self.last = self.start
        self.every = every
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(unit=" docs", file=self.stream, dynamic_ncols=True)
        self.done = 0

    def __call__(self, p) -> None:
        n = p.done
        if self.bar is not None:
            self.bar.update(n - self.done)
        else:
            now = time.perf_counter()
            if now - self.last >= self.every:
                rate = n / max(now - self.start, 1e-9)
                print(f"{n} documents, {rate:.0f} docs/s", file=self.stream, flush=True)
                self.last = now
        self.done = n

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_add(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..index import Index
    from ..ingest import IngestReport, iter_documents

    report = IngestReport()
    docs = iter_documents(args.paths, text_field=args.text_field, id_field=args.id_field, report=report)
    embedder = None if args.no_vectors else "auto"
    progress = _Progress()
    t = time.perf_counter()
    try:
        with Index(args.db, embedder=embedder) as index:
            result = index.add(docs, batch_size=args.batch_size, progress=progress, workers=_workers(args.workers))
    finally:
        progress.close()
    dt = time.perf_counter() - t
    n = result.added + result.updated + result.unchanged
    print(f"{args.db}: added {result.added}, updated {result.updated}, unchanged {result.unchanged}"
          f" ({n / max(dt, 1e-9):.0f} docs/s)")
    print(report.summary())
    for line in result.replaced_lines():
        print(line)
    for doc_id, why in result.skipped[:20]:
        print(f"  {doc_id}: {why}")
    if report.documents == 0 and report.problems:
        # nothing could be read at all: an error (exit 2) naming the first input and its reason;
        # a run that ingested something exits 0 and lists what it skipped in the summary above
        src, why = report.problems[0]
        more = report.problem_count - 1
        raise InputError(f"{src}: {why}" + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""))
    return 0


def run_rm(args: argparse.Namespace) -> int:
    from ..index import Index

    missing = []
    with Index(args.db, readonly=False) as index:
        for i in args.ids:
            if not index.remove(i):
                missing.append(i)
    print(f"{args.db}: removed {len(args.ids) - len(missing)}")
    for i in missing:
        print(f"  not in the index: {i}", file=sys.stderr)
    return 1 if missing else 0


def run_stats(args: argparse.Namespace) -> int:
    from ..index import Index

    with Index(args.db, readonly=True) as index:
        s = index.stats()
    if args.json:
        write_json(s)
        return 0
    for k, v in s.items():
        print(f"{k:14} {v}")
    return 0


def _workers(n: int | None) -> int | None:
    """The CLI uses every core unless told otherwise (the library defaults to one process)."""
    if n is not None or os.environ.get("UNSPUN_WORKERS"):
        return n
    return os.cpu_count() or 1
