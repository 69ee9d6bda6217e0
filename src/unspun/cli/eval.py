"""``unspun eval``: the evaluations behind every accuracy figure in the README."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ConfigError
from ..words import plural
from ..evaluation.datasets import PAN13, pan13_dir
from ..evaluation.judge_eval import SET_NAMES
from .bars import ProgressView
from .terminal import err, out, write_json

_PAN_DIR_HELP = (f"the PAN 2013 text-alignment corpus folder (default: ${PAN13.env}, else ../shared/data/{PAN13.name} "
                 "beside the checkout); tests/data/pan13 holds only the CI samples")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="run the evaluations (PAN text alignment, corpus scan, distortions)")
    ev = p.add_subparsers(dest="evaluation", metavar="EVALUATION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    pan = ev.add_parser(
        "pan",
        help="PAN text-alignment plagdet on a PAN corpus",
        description="Run the aligner on every pair of a PAN text-alignment corpus and print precision, recall, "
        "granularity and plagdet overall and per category.",
    )
    pan.add_argument("dir", metavar="DIR", nargs="?", default=None, help=_PAN_DIR_HELP)
    pan.add_argument("--pairs", metavar="FILE", help="pairs file to use instead of DIR/pairs")
    pan.add_argument("--sample", type=int, metavar="N", help="only N random pairs per category")
    pan.add_argument("--seed", type=int, default=0, help="seed of the random sample (default 0)")
    pan.add_argument(
        "--half",
        choices=["tune", "held-out", "both"],
        help="evaluate the tuning half, the held-out half, or both separately (a fixed stratified split)",
    )
    pan.add_argument("--out", metavar="DETECTIONS_DIR", help="write one PAN detection XML per pair here")
    pan.add_argument("--workers", type=int, default=0, help="processes (default: all cores)")
    pan.add_argument("--json", action="store_true", help="print the scores as JSON")
    pan.set_defaults(func=run_pan)

    scan = ev.add_parser(
        "pan-scan",
        help="index every PAN document, scan, and count the listed pairs that come out linked",
    )
    scan.add_argument("dir", metavar="DIR", nargs="?", default=None, help=_PAN_DIR_HELP)
    scan.add_argument("--db", metavar="FILE", help="keep the index in this file (default: a temporary file)")
    scan.add_argument("--candidates-only", action="store_true", help="stop after candidate generation (no alignment)")
    scan.add_argument("--sample", type=int, metavar="N", help="only the documents of N random listed pairs per category")
    scan.add_argument("--seed", type=int, default=0, help="seed of the random sample (default 0)")
    scan.add_argument("--workers", type=int, default=0, help="processes (default: all cores)")
    scan.add_argument("--links", metavar="FILE", help="also write every linked pair, with its class, as JSON lines")
    scan.set_defaults(func=run_pan_scan)

    dist = ev.add_parser(
        "distortions",
        help="the judge's evaluation sets: recall per kind, precision, false alarms per 1,000 reused words",
        description="Judge labelled pairs and print, per set, recall per kind, precision, false alarms per 1,000 "
        "reused words and per pair, and the share of high flags that are real. Sets: generator (made here, "
        "several edits per reworded article), vitaminc (real Wikipedia revisions), pan-verbatim, pan-translation, "
        "pan-summary, pan-random (PAN 2013 pairs whose meaning did not change). See docs/distortions.md.",
    )
    dist.add_argument("--set", dest="sets", action="append", metavar="NAME",
                      help="a set to run (repeat for several; default: all): " + ", ".join(SET_NAMES))
    dist.add_argument("--split", choices=["tune", "held-out", "all"], default="held-out",
                      help="VitaminC and PAN: the held-out half (default), the tuning half, or all")
    dist.add_argument("--fixed-sample", action="store_true",
                      help="use the samples vendored in tests/data (what CI pins) instead of the full corpora")
    dist.add_argument("--pan", metavar="DIR", help="PAN 2013 corpus folder (default $UNSPUN_PAN13_DIR, ../shared/data/pan13-train)")
    dist.add_argument("--vitaminc", metavar="DIR", help="VitaminC folder (default $UNSPUN_VITAMINC_DIR, ../shared/data/vitaminc)")
    dist.add_argument("--sample", type=int, metavar="N", help="only N PAN pairs per set / N VitaminC articles")
    dist.add_argument("--n", type=int, default=40, help="generator: articles with edits (default 40)")
    dist.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    dist.add_argument("--background", type=int, default=3, metavar="K",
                      help="generator: synonym swaps in every paragraph of the copy (default 3)")
    dist.add_argument("--show", action="store_true", help="also print missed edits and false alarms")
    dist.add_argument("--json", action="store_true", help="print the scores as JSON")
    dist.set_defaults(func=run_distortions)


def _progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="pair", disable=None, file=sys.stderr, mininterval=1.0)


def run_pan(args: argparse.Namespace) -> int:
    from ..evaluation.pan import evaluate, load_corpus, sample_pairs, split_halves

    if args.sample is not None and args.sample < 1:
        raise ConfigError(f"--sample must be at least 1, not {args.sample}")
    corpus = load_corpus(pan13_dir(args.dir), args.pairs)
    pairs = corpus.pairs
    runs: list[tuple[str, list]] = []
    if args.half:
        tune, held = split_halves(pairs, 0)
        if args.half in ("tune", "both"):
            runs.append(("tuning half", tune))
        if args.half in ("held-out", "both"):
            runs.append(("held-out half", held))
    else:
        runs.append(("all pairs", pairs))
    results = {}
    for name, subset in runs:
        if args.sample:
            subset = sample_pairs(subset, args.sample, args.seed)
        with _progress(len(subset), name) as bar:
            result = evaluate(corpus, subset, workers=args.workers, out_dir=args.out, progress=bar.update)
        results[name] = result
        if not args.json:
            out(f"== {name} ==")
            out(result.table())
            out()
    if args.json:
        write_json({k: v.to_dict() for k, v in results.items()})
    return 0


def run_pan_scan(args: argparse.Namespace) -> int:
    from ..evaluation.pan_scan import pan_candidates, pan_scan

    if args.sample is not None and args.sample < 1:
        raise ConfigError(f"--sample must be at least 1, not {args.sample}")
    root = pan13_dir(args.dir)
    if args.links:
        try:  # fail now, not after the scan, when the file cannot be written
            Path(args.links).open("a", encoding="utf-8").close()
        except OSError as e:
            raise ConfigError(f"cannot write --links file {args.links}: {e.strerror or e}") from None
    if args.candidates_only:
        result = pan_candidates(root, db=args.db)
        out("candidate pairs (before alignment):")
    else:
        with ProgressView("eval pan-scan") as view:
            result = pan_scan(root, db=args.db, progress=view, workers=args.workers or None, sample=args.sample,
                              seed=args.seed)
    out(result.report())
    if args.links:
        n = result.write_links(args.links)
        err(f"{plural(n, 'linked pair')} written to {args.links}")
    return 0


def run_distortions(args: argparse.Namespace) -> int:
    from ..evaluation.judge_eval import run_sets, table

    names = args.sets or list(SET_NAMES)
    bad = [x for x in names if x not in SET_NAMES]
    if bad:
        raise ConfigError(f"unknown set {bad[0]!r}: choose from {', '.join(SET_NAMES)}")
    if args.sample is not None and args.sample < 1:
        raise ConfigError(f"--sample must be at least 1, not {args.sample}")
    if args.background < 0:
        raise ConfigError(f"--background must be 0 or more, not {args.background}")
    if args.n < 1:
        raise ConfigError(f"--n must be at least 1, not {args.n}")
    results = run_sets(names, split=args.split, pan=args.pan, vitaminc=args.vitaminc, fixed_sample=args.fixed_sample,
                       sample=args.sample, n=args.n, seed=args.seed, background=args.background,
                       progress=lambda s: err(f"judging {s} ..."))
    if not any(r.cases for r in results):
        raise ConfigError("no pair was judged: the corpora given hold no usable pairs")
    if args.json:
        write_json([r.to_dict() for r in results])
    else:
        out(table(results))
    if args.show:
        for r in results:
            for x in r.examples:
                out(x)
    return 0
