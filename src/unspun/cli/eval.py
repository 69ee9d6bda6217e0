"""``unspun eval``: the evaluations behind every accuracy figure in the README."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import ConfigError
from .output import write_json


def _default_pan() -> str:
    return str(Path.cwd().parent / "shared" / "data" / "pan13-train")


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
    pan.add_argument("dir", metavar="DIR", nargs="?", default=None, help="corpus folder (default ../shared/data/pan13-train)")
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
    scan.add_argument("dir", metavar="DIR", nargs="?", default=None, help="corpus folder (default ../shared/data/pan13-train)")
    scan.add_argument("--db", metavar="FILE", help="keep the index in this file (default: a temporary file)")
    scan.add_argument("--candidates-only", action="store_true", help="stop after candidate generation (no alignment)")
    scan.add_argument("--sample", type=int, metavar="N", help="only the documents of N random listed pairs per category")
    scan.add_argument("--seed", type=int, default=0, help="seed of the random sample (default 0)")
    scan.add_argument("--workers", type=int, default=0, help="processes (default: all cores)")
    scan.add_argument("--links", metavar="FILE", help="also write every linked pair, with its class, as JSON lines")
    scan.set_defaults(func=run_pan_scan)

    dist = ev.add_parser("distortions", help="the distortion benchmark: precision and recall per kind")
    dist.add_argument("--n", type=int, default=30, help="examples per kind (default 30)")
    dist.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    dist.add_argument("--background", type=int, default=0, metavar="K", help="also swap K words for synonyms elsewhere in each edited example")
    dist.add_argument("--json", action="store_true", help="print the scores as JSON")
    dist.set_defaults(func=run_distortions)


def _progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="pair", disable=None, file=sys.stderr, mininterval=1.0)


def run_pan(args: argparse.Namespace) -> int:
    from ..evaluation.pan import evaluate, load_corpus, sample_pairs, split_halves

    corpus = load_corpus(args.dir or _default_pan(), args.pairs)
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
            print(f"== {name} ==")
            print(result.table())
            print()
    if args.json:
        write_json({k: v.to_dict() for k, v in results.items()})
    return 0


def run_pan_scan(args: argparse.Namespace) -> int:
    from ..evaluation.pan_scan import pan_candidates, pan_scan
    from ..progress import throttled

    root = args.dir or _default_pan()
    if args.links:
        try:  # fail now, not after the scan, when the file cannot be written
            Path(args.links).open("a", encoding="utf-8").close()
        except OSError as err:
            raise ConfigError(f"cannot write --links file {args.links}: {err.strerror or err}") from None
    if args.candidates_only:
        result = pan_candidates(root, db=args.db)
        print("candidate pairs (before alignment):")
    else:
        if args.sample is not None and args.sample < 1:
            raise ConfigError(f"--sample must be at least 1, not {args.sample}")
        result = pan_scan(
            root, db=args.db, progress=throttled(lambda p: print(p, file=sys.stderr, flush=True)),
            workers=args.workers or None, sample=args.sample, seed=args.seed,
        )
    print(result.report())
    if args.links:
        n = result.write_links(args.links)
        print(f"{n} linked pairs written to {args.links}", file=sys.stderr)
    return 0


def run_distortions(args: argparse.Namespace) -> int:
    from ..evaluation.distortions import evaluate, generate, table

    rep = evaluate(generate(args.n, args.seed, background=args.background))
    if args.json:
        print(json.dumps(rep.to_dict(), indent=2, sort_keys=True))
    else:
        print(table(rep))
    return 0
