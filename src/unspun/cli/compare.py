"""``unspun compare A B``: align two files and judge the copy."""
from __future__ import annotations

import argparse

from .output import add_distortion_flag, format_match
from .terminal import clean, out, write_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="align two documents and list the reused passages and distortions",
        description="Align two documents (txt, md, html, or a one-document file of another ingest format): "
        "print the reused passages side by side with character offsets, which text is the original, and the distortions.",
    )
    p.add_argument("a", metavar="A", help="first document")
    p.add_argument("b", metavar="B", help="second document")
    p.add_argument("--json", action="store_true", help="print Match.to_dict() as JSON (the MatchOut that POST /compare answers)")
    p.add_argument("--no-judge", action="store_true", help="only align; skip provenance and distortions")
    p.add_argument("--html", metavar="OUT.html", help="write the side-by-side HTML page (and its JSON twin beside it)")
    add_distortion_flag(p)
    p.set_defaults(func=run)


def load(path: str):
    """Read one document from a path, in any format ingest knows."""
    from ..ingest import load_document

    return load_document(path)


def run(args: argparse.Namespace) -> int:
    from ..api import compare

    if args.html:  # refused before the work, not after it
        from ..report import report_targets

        report_targets(args.html)
    a = load(args.a)
    b = load(args.b)
    match = compare(a, b, judge=not args.no_judge)
    if args.html:
        from ..report import write_pair_report

        page = write_pair_report(match, args.html)
        if not args.json:
            out(f"wrote {clean(page)} (JSON twin: {clean(page.with_suffix('.json'))})")
            return 0
    if args.json:
        write_json(match.to_dict())
    else:
        out(format_match(match, show_low=args.all_distortions))
    return 0
