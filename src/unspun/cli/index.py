"""``unspun index add|rm|ls|stats``: build and maintain a corpus index."""
from __future__ import annotations

import argparse
import itertools
import os
import time
from collections import deque
from typing import Any, Iterable, Iterator

from ..words import plural
from .bars import ProgressView
from .terminal import clean, err, out, write_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("index", help="add documents to a corpus index, remove them, list them, show its statistics",
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
    add.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add.set_defaults(func=run_add)
    rm = isub.add_parser("rm", help="remove documents by id")
    rm.add_argument("ids", metavar="ID", nargs="+")
    rm.add_argument("--db", required=True, metavar="FILE")
    rm.set_defaults(func=run_rm)
    ls = isub.add_parser("ls", help="list the ids of the documents (sorted)",
                         description="Print the id of every document in the index, one a line, sorted.")
    ls.add_argument("patterns", metavar="PATTERN", nargs="*",
                    help="only ids that match one of these shell-style patterns (e.g. 'wikinews/*')")
    ls.add_argument("--db", required=True, metavar="FILE", help="index file")
    ls.add_argument("--json", action="store_true",
                    help="one JSON object a line per document: id, length and the title, url, published and byline it has")
    ls.set_defaults(func=run_ls)
    st = isub.add_parser("stats", help="documents, size on disk, vectors and parameters, in words",
                         description="What the index holds, in words; --json prints every internal count.")
    st.add_argument("--db", required=True, metavar="FILE", help="index file")
    st.add_argument("--json", action="store_true",
                    help="the internals as JSON (path, documents, characters, windows, band_rows, vectors, embedder, "
                         "generation, params, bytes_on_disk)")
    st.set_defaults(func=run_stats)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


class _Tracked:
    """The documents of the inputs, passed on to ``Index.add`` as they are read, and the progress of the
    add in bytes of input: when the index reports N documents written, the bar stands at the end of the
    last file all of whose documents are among those N (files are credited whole, in listing order)."""

    def __init__(self, docs: Iterable[Any], files: list[tuple[str, int]], view: ProgressView):
        self.docs, self.view = docs, view
        self.ends: dict[str, int] = {}  # path -> bytes of the files listed before it
        total = 0
        for path, size in files:
            self.ends.setdefault(path, total)
            total += size
        self.total = total
        self.read = 0
        self.marks: deque[tuple[int, int]] = deque()  # (documents read, bytes of the files finished by then)
        self.done = 0
        self.exhausted = False  # every input read: once all documents read are written, the add is done

    def __iter__(self) -> Iterator[Any]:
        for doc in self.docs:
            before = self.ends.get(str((doc.meta or {}).get("source", "")))
            if before is not None and (not self.marks or before > self.marks[-1][1]):
                self.marks.append((self.read, before))
            self.read += 1
            yield doc
        self.exhausted = True

    def written(self, p: Any) -> None:
        while self.marks and self.marks[0][0] <= p.done:
            self.done = self.marks.popleft()[1]
        if self.exhausted and p.done >= self.read:
            self.done = self.total
        self.view.update("add", self.done, self.total, "B", plural(p.done, "document"))

    def finish(self, documents: int) -> None:
        """The add returned (with nothing to write, no progress came): the bar at its end."""
        if self.done < self.total:
            self.done = self.total
            self.view.update("add", self.total, self.total, "B", plural(documents, "document"))


def _sizes(files: Iterable[Any]) -> list[tuple[str, int]]:
    """(path, size) of every input file listed, in the order ingest reads them."""
    out = []
    for f in files:
        try:
            out.append((f.path, os.stat(f.path).st_size))
        except OSError:
            continue
    return out


def run_add(args: argparse.Namespace) -> int:
    from ..index import Index
    from ..ingest import IngestReport, documents_of, list_inputs

    report = IngestReport()
    embedder = None if args.no_vectors else "auto"
    t = time.perf_counter()
    with ProgressView("index add", quiet=args.quiet) as view:
        view.start("listing the inputs")
        files = list(list_inputs(args.paths, report=report))  # listed once: for the total and for reading
        docs = _Tracked(documents_of(files, text_field=args.text_field, id_field=args.id_field, report=report),
                        _sizes(files), view)
        view.update("add", 0, docs.total, "B", "starting")
        stream = iter(docs)
        first = next(stream, None)
        if first is None and report.problems and not os.path.exists(args.db):
            # nothing could be read and there is no index yet: create none, only say why (below)
            _print_report(report)
            _raise_nothing_read(report)
        with Index(args.db, embedder=embedder) as index:
            todo = stream if first is None else itertools.chain([first], stream)
            result = index.add(todo, batch_size=args.batch_size, progress=docs.written, workers=_workers(args.workers))
        if report.documents:  # nothing read: the error below is all there is to say
            docs.finish(result.documents)
    dt = time.perf_counter() - t
    n = result.added + result.updated + result.unchanged
    out(f"{args.db}: added {result.added}, updated {result.updated}, unchanged {result.unchanged}"
        f" ({n / max(dt, 1e-9):.0f} docs/s)")
    _print_report(report)
    for line in result.replaced_lines():
        out(line, lines=False)
    for doc_id, why in result.skipped[:20]:
        out(f"  {clean(doc_id)}: {clean(why)}")
    if report.documents == 0 and report.problems:
        _raise_nothing_read(report)
    return 0


def _raise_nothing_read(report: Any) -> None:
    """Nothing could be read at all: an error (exit 2) naming the first input and its reason (a run that
    ingested something exits 0 and lists what it skipped in its summary)."""
    from ..errors import InputError

    src, why = report.problems[0]
    more = report.problem_count - 1
    raise InputError(f"{src}: {why}" + (f" (and {plural(more, 'more problem')})" if more else ""))


def _print_report(report: Any) -> None:
    out(report.summary(show=clean))


def run_rm(args: argparse.Namespace) -> int:
    from ..index import Index

    missing = []
    with Index(args.db, readonly=False) as index:
        for i in args.ids:
            if not index.remove(i):
                missing.append(i)
    out(f"{args.db}: removed {len(args.ids) - len(missing)}")
    for i in missing:
        err(f"  not in the index: {clean(i)}")
    return 1 if missing else 0


def run_ls(args: argparse.Namespace) -> int:
    from fnmatch import fnmatchcase

    from ..index import Index

    with Index(args.db, readonly=True) as index:
        for doc_id in index.ids():
            if args.patterns and not any(fnmatchcase(doc_id, p) for p in args.patterns):
                continue
            if args.json:
                doc = index.get(doc_id)
                if doc is not None:
                    write_json(doc.to_dict(with_text=False), lines=True)
            else:
                out(clean(doc_id))
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from ..index import Index

    with Index(args.db, readonly=True) as index:
        s = index.stats()
    if args.json:
        write_json(s)
        return 0
    out(stats_text(s))
    return 0


def stats_text(s: dict[str, Any]) -> str:
    """``Index.stats()`` in words: what it holds, its size on disk, its vectors and its parameters."""
    from ..progress import amount

    fp = s["params"]
    words = "content words (function words dropped)" if fp.get("content_words") else "words"
    shingle = "" if fp.get("shingle", 1) == 1 else f", in shingles of {fp['shingle']}"
    vectors = (f"yes: {plural(s['vectors'], 'passage vector')} ({s['embedder']} embedder), for reworded copies"
               if s["embedder"] != "none" else "no (made with --no-vectors: reworded copies that share few words are missed)")
    rows = [
        ("index", clean(s["path"])),
        ("documents", f"{s['documents']:,} ({s['characters']:,} characters)"),
        ("size on disk", amount(s["bytes_on_disk"], "B") + " (the index file and the files beside it)"),
        ("vectors", vectors),
        ("fingerprints", f"windows of {fp['window']} {words}{shingle}, one every {fp['step']}; "
                         f"{fp['num_perm']} MinHash values each, in {fp['bands']} bands (seed {fp['seed']})"),
    ]
    return "\n".join(f"{k + ':':14}{v}" for k, v in rows) + "\n(--json shows every internal count)"


def _workers(n: int | None) -> int | None:
    """The CLI uses every core unless told otherwise (the library defaults to one process)."""
    if n is not None or os.environ.get("UNSPUN_WORKERS"):
        return n
    return os.cpu_count() or 1
