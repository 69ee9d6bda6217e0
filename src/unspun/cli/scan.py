"""``unspun scan --db INDEX``: every copy cluster in the corpus.

``unspun scan --executor dask [--scheduler tcp://HOST:PORT | --workers N] --out DIR PATH...``
runs the same scan over files (paths, globs, fsspec URLs) on a Dask cluster (or
``--executor local``: this process, or ``--workers N`` processes) and writes
``DIR/pairs/part-*.jsonl`` (one ``Match`` per line) and ``DIR/clusters.jsonl``."""
from __future__ import annotations

import argparse
import sys

from .output import add_distortion_flag, format_match, write_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scan", help="list every cluster of documents linked by reuse",
                       description="Scan the whole index (--db), or files on an executor (PATHs --out DIR, "
                                   "--executor local|dask): clusters of documents linked by reuse, largest first.")
    p.add_argument("--db", metavar="FILE", help="index file (the embedded scan)")
    p.add_argument("paths", nargs="*", metavar="PATH_OR_GLOB",
                   help="scan these files instead of an index: files, directories, globs or fsspec URLs (needs --out)")
    p.add_argument("--executor", choices=("local", "dask"), help="where to run a scan of PATHs (default: local)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="address of a running Dask scheduler")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes that do the work (1: this process alone). --db and --executor local: "
                        "default 1; --executor dask: a LocalCluster of N processes started for the run (default: "
                        "every core)")
    p.add_argument("--out", metavar="DIR", help="output directory (or fsspec URL) for pairs/part-*.jsonl and clusters.jsonl")
    p.add_argument("--text-field", default="text", metavar="F", help="JSONL field holding the text (default: text)")
    p.add_argument("--id-field", default="id", metavar="F", help="JSONL field holding the id (default: id)")
    p.add_argument("--no-vectors", action="store_true", help="no passage embeddings (no ANN candidates for paraphrases)")
    p.add_argument("--batch-mb", type=float, default=32.0, metavar="MB", help="input megabytes per batch (default: 32)")
    p.add_argument("--min-coverage", type=float, default=None, metavar="X",
                   help="link two documents only when the reuse covers at least X (0-1) of one of them (default: 0)")
    p.add_argument("--params", metavar="FILE.json",
                   help="scan parameters as JSON, e.g. {\"candidates\": {\"min_hits\": 2}} (see unspun.params.ScanParams;"
                        " the fingerprint part must be the index's); written to DIR/params.json with --out")
    p.add_argument("--json", action="store_true", help="one JSON object per cluster per line")
    p.add_argument("--no-judge", action="store_true", help="only align; skip provenance and distortions")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--html", metavar="DIR", help="write an HTML report into DIR: index.html (paginated), one page per pair, JSON twins")
    add_distortion_flag(p)
    p.set_defaults(func=run)


def _params(args: argparse.Namespace, base=None):
    """The scan parameters of the command line: --params over ``base`` (default: the defaults), then
    --min-coverage; every value is checked once, by ScanParams."""
    from dataclasses import replace

    from ..params import DEFAULT_PARAMS, read_params

    params = read_params(args.params, base) if args.params else (base or DEFAULT_PARAMS)
    return replace(params, min_coverage=args.min_coverage) if args.min_coverage is not None else params


def _check_workers(workers: int | None) -> None:
    from ..errors import ConfigError

    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {workers}")


def run(args: argparse.Namespace) -> int:
    from ..errors import ConfigError

    if args.paths or args.executor or args.out:
        if args.db:
            raise ConfigError("give either --db INDEX or PATHs to scan with --executor, not both")
        return run_distributed(args)
    if args.scheduler:
        raise ConfigError("--scheduler goes with --executor dask and PATHs to scan")
    if not args.db:
        raise ConfigError("nothing to scan: give --db INDEX, or PATHs with --out DIR")
    _check_workers(args.workers)
    from ..index import Index

    bars = _Bars(args.quiet)
    n = 0
    clusters = []
    try:
        with Index(args.db, readonly=True) as index:
            found = index.scan(params=_params(args, index.params), judge=not args.no_judge, progress=bars,
                               workers=args.workers or 1)
            for n, cluster in enumerate(found, 1):
                if n == 1:
                    bars.close()
                if args.html:
                    clusters.append(cluster)
                    if not args.json:
                        continue
                if args.json:
                    write_json(cluster.to_dict(), lines=True)
                    continue
                print(f"=== cluster {n}: {len(cluster.documents)} documents, {len(cluster.matches)} linked pairs")
                for d in cluster.documents:
                    print(f"  {d}")
                for m in cluster.matches:
                    print()
                    print(format_match(m, show_low=args.all_distortions))
                print()
    finally:
        bars.close()
    if args.html:
        from ..report import write_scan_report

        out = write_scan_report(clusters, args.html)
        if not args.json:
            print(f"wrote {out}: {len(clusters)} cluster(s), {sum(len(c.matches) for c in clusters)} pair(s)")
        return 0
    if not args.json and n == 0:
        print(f"{args.db}: no reuse found")
    return 0


class _Bars:
    """Progress on stderr: a tqdm bar per stage on a terminal; otherwise a line per stage at its start, at
    every twentieth of it and at its end."""

    def __init__(self, quiet: bool):
        from ..progress import throttled

        self.quiet = quiet
        self.lines = None if sys.stderr.isatty() else throttled(lambda p: print(p, file=sys.stderr, flush=True))
        self.bar = None
        self.stage = None

    def __call__(self, p) -> None:
        if self.quiet:
            return
        if self.lines is not None:
            self.lines(p)
            return
        if p.stage != self.stage:
            self.close()
            self.stage = p.stage
            from tqdm import tqdm

            self.bar = tqdm(total=p.total, desc=p.stage, unit=p.unit.split()[-1], file=sys.stderr, dynamic_ncols=True)
        self.bar.update(p.done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.stage = None


def run_distributed(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from ..pipeline import scan
    from ..pipeline.executors import DaskExecutor, LocalExecutor
    from ..pipeline.sources import FileSource

    if not args.paths:
        raise ConfigError("--executor: give the PATHs (files, directories, globs or URLs) to scan")
    if not args.out:
        raise ConfigError("--executor: give --out DIR for the pairs and clusters files")
    params = _params(args)
    _check_workers(args.workers)
    if args.json:
        raise ConfigError("--json goes with --db; a scan of PATHs writes its JSONL files into --out DIR")
    if args.batch_mb <= 0:
        raise ConfigError(f"--batch-mb must be positive, not {args.batch_mb}")
    kind = args.executor or "local"
    if kind == "local" and args.scheduler:
        raise ConfigError("--scheduler needs --executor dask")
    source = FileSource.of_paths(args.paths, batch_bytes=int(args.batch_mb * 1024 * 1024),
                                 embedder=None if args.no_vectors else "auto", fields=(args.text_field, args.id_field))
    if kind == "local":
        executor = LocalExecutor(args.workers or 1)
    else:
        executor = DaskExecutor(scheduler=args.scheduler, workers=args.workers)
        if not args.quiet:
            print(f"dask dashboard: {executor.dashboard_link}", file=sys.stderr, flush=True)
    bars = _Bars(args.quiet)
    try:
        with executor:
            result = scan(source, executor, params, judge=not args.no_judge, out=args.out, keep_matches=bool(args.html),
                          progress=bars)
    finally:
        bars.close()
    for source, _kind, reason in result.problems[:20]:
        print(f"  skipped {source}: {reason}", file=sys.stderr)
    if len(result.problems) > 20:
        print(f"  ... and {len(result.problems) - 20} more skipped", file=sys.stderr)
    out = args.out.rstrip("/")
    print(f"{result.summary()}")
    print(f"wrote {out}/clusters.jsonl, {out}/params.json and {len(result.parts)} part file(s) in {out}/pairs/")
    if args.html:
        from ..report import write_scan_report

        page = write_scan_report(result.clusters, args.html)
        print(f"wrote {page}: {len(result.clusters)} cluster(s), {result.linked_pairs} pair(s)")
    return 0
