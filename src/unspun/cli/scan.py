"""``unspun scan --db INDEX``: every copy cluster in the corpus.

``unspun scan --executor dask [--scheduler tcp://HOST:PORT | --workers N] --out DIR PATH...``
runs the same scan over files (paths, globs, fsspec URLs) on a Dask cluster (or
``--executor local``: this process, or ``--workers N`` processes) and writes
``DIR/pairs/part-*.jsonl`` (one ``Match`` per line) and ``DIR/clusters.jsonl``."""
from __future__ import annotations

import argparse

from ..words import plural
from .bars import ProgressView
from .output import SUMMARY_LINES, add_distortion_flag, format_cluster, format_summary
from .terminal import clean, err, out, write_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scan", help="list every cluster of documents linked by reuse",
                       description="Scan the whole index (--db), or files on an executor (PATHs --out DIR, "
                                   "--executor local|dask): clusters of documents linked by reuse: a summary line per cluster (those with a named original and distortions first), then the pairs of the top clusters.")
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
    p.add_argument("--json", action="store_true",
                   help="one JSON object per cluster a line, in the summary's order: {\"documents\": [ids], \"pairs\": "
                        "[Match.to_dict() ...]} (the ClusterOut of the service's scan jobs)")
    p.add_argument("--top", type=int, default=3, metavar="N",
                   help="after the summary, the pairs of the first N clusters in full (default: 3; 0: the summary only)")
    p.add_argument("--details", action="store_true", help="every cluster in the summary, and the pairs of every cluster")
    p.add_argument("--no-judge", action="store_true", help="only align; skip provenance and distortions")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
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
    if args.top < 0:
        raise ConfigError(f"--top must be 0 or more, not {args.top}")
    from ..index import Index

    if args.html:  # refused before the work, not after it
        from ..report import scan_report_dir

        scan_report_dir(args.html)
    with Index(args.db, readonly=True) as index, ProgressView("scan", quiet=args.quiet) as view:
        view.start()
        total_docs = len(index)
        clusters = list(index.scan(params=_params(args, index.params), judge=not args.no_judge, progress=view,
                                   workers=args.workers or 1))
    if args.json:
        for cluster in clusters:
            write_json(cluster.to_dict(), lines=True)
    if args.html:
        from ..report import write_scan_report

        page = write_scan_report(clusters, args.html)
        if not args.json:
            out(f"wrote {page}: {plural(len(clusters), 'cluster')}, {plural(sum(len(c.matches) for c in clusters), 'pair')}")
    elif not args.json:
        print_scan(args.db, total_docs, clusters, top=None if args.details else args.top,
                   show_low=args.all_distortions)
    return 0


def print_scan(source: str, total_docs: int, clusters: list, *, top: int | None, show_low: bool) -> None:
    """The text of a scan: a headline, one summary line per cluster, then the pairs of the first ``top``
    clusters (None: all) in full."""
    from ..pipeline.clusters import summarize

    if not clusters:
        out(f"{clean(source)}: no reuse found among {plural(total_docs, 'document')}")
        return
    summaries = [summarize(c) for c in clusters]
    linked = len({d for c in clusters for d in c.documents})
    out(f"{clean(source)}: {plural(len(clusters), 'cluster')} of reused text, {linked} of "
        f"{plural(total_docs, 'document')} in them, {plural(sum(s.pairs for s in summaries), 'linked pair')}")
    out("Clusters with a named original and distortions come first; best: the highest coverage of a pair; "
        "high, medium: the distortions of all its pairs.")
    out()
    out("\n".join(format_summary(clusters, summaries, limit=None if top is None else SUMMARY_LINES)))
    out()
    shown = len(clusters) if top is None else min(top, len(clusters))
    if shown == 0:
        out("--top N shows the pairs of the first N clusters, --details those of every cluster.")
        return
    if shown == len(clusters):
        out("The pairs of every cluster follow.")
    else:
        first = "cluster 1" if shown == 1 else f"clusters 1-{shown}"
        out(f"The pairs of {first} follow (--details: every cluster; --html DIR: a report of every pair).")
    out()
    pair_no = 1
    for n, (c, s) in enumerate(zip(clusters[:shown], summaries), 1):
        out("\n".join(format_cluster(n, len(clusters), c, s, pair_no, show_low=show_low)))
        pair_no += s.pairs
    if shown < len(clusters):
        out(f"{plural(len(clusters) - shown, 'more cluster')} in the summary above: --details lists their pairs, "
            "--html DIR writes a report of every pair.")


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
    if args.html:
        from ..report import scan_report_dir

        scan_report_dir(args.html)
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
            err(f"dask dashboard: {clean(executor.dashboard_link)}")
    with ProgressView("scan", quiet=args.quiet) as view, executor:
        view.start()
        result = scan(source, executor, params, judge=not args.no_judge, out=args.out, keep_matches=bool(args.html),
                      progress=view)
    for where, _kind, reason in result.problems[:20]:
        err(f"  skipped {clean(where)}: {clean(reason)}")
    if len(result.problems) > 20:
        err(f"  ... and {len(result.problems) - 20} more skipped")
    folder = clean(args.out.rstrip("/"))
    out(result.summary())
    out(f"wrote {folder}/clusters.jsonl, {folder}/params.json and {plural(len(result.parts), 'part file')} in {folder}/pairs/")
    if args.html:
        from ..report import write_scan_report

        page = write_scan_report(result.clusters, args.html)
        out(f"wrote {page}: {plural(len(result.clusters), 'cluster')}, {plural(result.linked_pairs, 'pair')}")
    return 0
