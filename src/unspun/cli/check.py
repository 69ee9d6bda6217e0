"""``unspun check FILE --db INDEX``: is this document a copy of anything in the index?"""
from __future__ import annotations

import argparse

from ..words import plural
from .output import add_distortion_flag, format_match
from .terminal import clean, out, write_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="find the indexed documents a document reuses (or that reuse it)",
                       description="Check FILE against an index: ranked matches with their coverage and aligned passages.")
    p.add_argument("file", metavar="FILE", help="document to check")
    p.add_argument("--db", required=True, metavar="FILE", help="index file")
    p.add_argument("-k", type=int, default=10, metavar="N", help="at most N matches (default: 10)")
    p.add_argument("--json", action="store_true",
                   help="print {\"query\": the document checked, \"matches\": [Match.to_dict() ...]} (the JSON of POST /check)")
    p.add_argument("--no-judge", action="store_true", help="only align; skip provenance and distortions")
    p.add_argument("--params", metavar="FILE.json",
                   help="check parameters as JSON, e.g. {\"candidates\": {\"min_hits\": 2}} (see unspun.params.ScanParams)")
    p.add_argument("--html", metavar="OUT.html", help="write the ranked matches as an HTML page (and its JSON twin)")
    add_distortion_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from ..index import Index
    from .compare import load

    if args.k < 1:
        raise ConfigError(f"-k must be at least 1, not {args.k}")
    if args.html:  # refused before the work, not after it
        from ..report import report_targets

        report_targets(args.html)
    doc = load(args.file)
    with Index(args.db, readonly=True) as index:
        params = index.params
        if args.params:
            from ..params import read_params

            params = read_params(args.params, index.params)
        matches = index.check(doc, k=args.k, judge=not args.no_judge, params=params)
    if args.html:
        from ..report import write_check_report

        page = write_check_report(doc, matches, args.html)
        if not args.json:
            out(f"wrote {clean(page)}: {plural(len(matches), 'match', 'matches')} (JSON twin: {clean(page.with_suffix('.json'))})")
            return 0
    if args.json:
        from ..report import check_json

        write_json(check_json(doc, matches))
        return 0
    if not matches:
        out(f"{clean(args.file)}: no reuse found in {clean(args.db)}")
        return 0
    for n, m in enumerate(matches, 1):
        out(f"=== match {n} of {len(matches)}: {clean(m.a.id)} (A, in the index) and {clean(args.file)} (B)")
        out(format_match(m, show_low=args.all_distortions))
        out()
    return 0
