"""Copy the fixed samples the judge's CI floors use into tests/data/ (run once; the output is committed).

- tests/data/pan13/: PAN 2013 pairs that hold cases, from the held-out half (``split_halves`` seed 0),
  ``PER_CATEGORY`` per category (``sample_pairs`` seed 0), in the corpus layout: ``src/``, ``susp/`` and
  the truth XML of each sampled pair in its category folder, every file copied byte for byte; the list
  of sampled pairs is ``judge-sample.txt`` ("<susp> <src> <category>" per line).
- tests/data/vitaminc/: every line of ``VITAMINC_CASES`` meaning-changing cases of real-test.jsonl
  (cases drawn with random.Random(0) from those ``unspun.evaluation.vitaminc.read_revisions`` keeps),
  byte for byte, with the licence.

    python scripts/vendor_judge_samples.py [PAN13_DIR] [VITAMINC_DIR]
"""
from __future__ import annotations

import json
import random
import shutil
import sys
from pathlib import Path

from unspun.evaluation.datasets import pan13_dir, vitaminc_dir
from unspun.evaluation.pan import load_corpus, sample_pairs, split_halves
from unspun.evaluation.vitaminc import read_revisions

ROOT = Path(__file__).resolve().parents[1]
PER_CATEGORY = 12
CATEGORIES = ("02-no-obfuscation", "03-random-obfuscation", "04-translation-obfuscation", "05-summary-obfuscation")
VITAMINC_CASES = 400


def pan(src_root: Path) -> None:
    out = ROOT / "tests" / "data" / "pan13"
    corpus = load_corpus(src_root)
    _, held = split_halves(corpus.pairs, 0)
    chosen = []
    for cat in CATEGORIES:
        pairs = [p for p in held if p.category == cat and corpus.truth(p)]
        chosen += sample_pairs(pairs, PER_CATEGORY, 0)
    lines = []
    for p in chosen:
        for sub, name in (("src", p.src), ("susp", p.susp), (p.category, f"{p.stem}.xml")):
            (out / sub).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src_root / sub / name, out / sub / name)
        lines.append(f"{p.susp} {p.src} {p.category}")
    (out / "judge-sample.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(chosen)} PAN pairs -> {out}")


def vitaminc(src_root: Path) -> None:
    out = ROOT / "tests" / "data" / "vitaminc"
    out.mkdir(parents=True, exist_ok=True)
    revs = read_revisions(src_root / "real-test.jsonl")
    ids = sorted(r.case_id for r in revs)
    keep = set(random.Random(0).sample(ids, min(VITAMINC_CASES, len(ids))))
    with open(src_root / "real-test.jsonl", encoding="utf-8") as fh, \
            open(out / "real-test-sample.jsonl", "w", encoding="utf-8") as dst:
        n = 0
        for line in fh:
            if line.strip() and json.loads(line)["case_id"] in keep:
                dst.write(line)
                n += 1
    shutil.copyfile(src_root / "LICENSE", out / "LICENSE")
    print(f"{len(keep)} VitaminC cases, {n} lines -> {out}")


if __name__ == "__main__":
    pan(pan13_dir(sys.argv[1] if len(sys.argv) > 1 else None))
    vitaminc(vitaminc_dir(sys.argv[2] if len(sys.argv) > 2 else None))
