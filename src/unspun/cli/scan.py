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
                   help="--db: verify and align in N processes; dask: start a LocalCluster of N worker processes"
                        " for the run; local: N processes")
    p.add_argument("--out", metavar="DIR", help="output directory (or fsspec URL) for pairs/part-*.jsonl and clusters.jsonl")
    p.add_argument("--text-field", default="text", metavar="F", help="JSONL field holding the text (default: text)")
    p.add_argument("--id-field", default="id", metavar="F", help="JSONL field holding the id (default: id)")
    p.add_argument("--no-vectors", action="store_true", help="no passage embeddings (no ANN candidates for paraphrases)")
    p.add_argument("--batch-mb", type=float, default=32.0, metavar="MB", help="input megabytes per batch (default: 32)")
    p.add_argument("--min-coverage", type=float, default=0.0, metavar="X",
                   help="link two documents only when the reuse covers at least X (0-1) of one of them (default: 0)")
    p.add_argument("--json", action="store_true", help="one JSON object per cluster per line")
    p.add_argument("--no-judge", action="store_true", help="only align; skip provenance and distortions")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--html", metavar="DIR", help="write an HTML report into DIR: index.html (paginated), one page per pair, JSON twins")
    add_distortion_flag(p)
    p.set_defaults(func=run)


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
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {args.workers}")
    from ..index import Index

    progress = None if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    n = 0
    clusters = []
    with Index(args.db, readonly=True) as index:
        clusters_found = index.scan(args.min_coverage, judge=not args.no_judge, progress=progress, workers=args.workers or 1)
        for n, cluster in enumerate(clusters_found, 1):
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
    """Progress on the client: a tqdm bar per stage on a terminal, a line per stage otherwise."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.bar = None
        self.stage = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            if self.tty:
                from tqdm import tqdm

                unit = "pairs" if stage in ("align", "candidates") else "batches"
                self.bar = tqdm(total=total, desc=stage, unit=unit, file=sys.stderr, dynamic_ncols=True)
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
        elif done == total or done == 0:
            print(f"{stage}: {done}/{total}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run_distributed(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from ..executors import DaskExecutor, LocalExecutor, scan_paths

    if not args.paths:
        raise ConfigError("--executor: give the PATHs (files, directories, globs or URLs) to scan")
    if not args.out:
        raise ConfigError("--executor: give --out DIR for the pairs and clusters files")
    if not 0.0 <= args.min_coverage <= 1.0:
        raise ConfigError(f"--min-coverage must be between 0 and 1, not {args.min_coverage}")
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {args.workers}")
    if args.json:
        raise ConfigError("--json goes with --db; a scan of PATHs writes its JSONL files into --out DIR")
    if args.batch_mb <= 0:
        raise ConfigError(f"--batch-mb must be positive, not {args.batch_mb}")
    kind = args.executor or "local"
    if kind == "local":
        if args.scheduler:
            raise ConfigError("--scheduler needs --executor dask")
        executor = LocalExecutor(processes=args.workers or 0)
    else:
        executor = DaskExecutor(scheduler=args.scheduler, workers=args.workers)
        if not args.quiet:
            print(f"dask dashboard: {executor.dashboard_link}", file=sys.stderr, flush=True)
    bars = _Bars(args.quiet)
    try:
        with executor:
            result = scan_paths(
                args.paths,
                executor,
                batch_bytes=int(args.batch_mb * 1024 * 1024),
                embedder=None if args.no_vectors else "auto",
                judge=not args.no_judge,
                min_coverage=args.min_coverage,
                out=args.out,
                keep_matches=bool(args.html),
                text_field=args.text_field,
                id_field=args.id_field,
                progress=bars,
            )
    finally:
        bars.close()
    for source, _kind, reason in result.problems[:20]:
        print(f"  skipped {source}: {reason}", file=sys.stderr)
    if len(result.problems) > 20:
        print(f"  ... and {len(result.problems) - 20} more skipped", file=sys.stderr)
    out = args.out.rstrip("/")
    print(f"{result.summary()}")
    print(f"wrote {out}/clusters.jsonl and {len(result.parts)} part file(s) in {out}/pairs/")
    if args.html:
        from ..report import write_scan_report

        page = write_scan_report(result.clusters, args.html)
        print(f"wrote {page}: {len(result.clusters)} cluster(s), {result.linked_pairs} pair(s)")
    return 0
