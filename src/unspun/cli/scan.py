"""``unspun scan --db INDEX``: every copy cluster in the corpus."""
from __future__ import annotations

import argparse
import sys

from .output import format_match, write_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scan", help="list every cluster of documents linked by reuse",
                       description="Scan the whole index: clusters of documents linked by reuse, largest first.")
    p.add_argument("--db", required=True, metavar="FILE", help="index file")
    p.add_argument("--min-coverage", type=float, default=0.0, metavar="X",
                   help="link two documents only when the reuse covers at least X (0-1) of one of them (default: 0)")
    p.add_argument("--json", action="store_true", help="one JSON object per cluster per line")
    p.add_argument("--no-judge", action="store_true", help="only align; skip provenance and distortions")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--html", metavar="DIR", help="write an HTML report into DIR: index.html (paginated), one page per pair, JSON twins")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..index import Index

    progress = None if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    n = 0
    clusters = []
    with Index(args.db, readonly=True) as index:
        for n, cluster in enumerate(index.scan(args.min_coverage, judge=not args.no_judge, progress=progress), 1):
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
                print(format_match(m))
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
