"""The judge's output on a fixed set, as JSON: run it before and after a change to the judge and compare byte for byte.

    .venv/bin/python benchmarks/judge_golden.py OUT.json [--synth 400]
    PYTHONPATH=<a git archive of the base commit>/src .venv/bin/python benchmarks/judge_golden.py BASE.json
    cmp BASE.json OUT.json

What it judges (every match's ``to_dict()``, with its distortions, evidence and sentence map):

* the real seed pair (``examples/corpus/seed-*``), judged alone;
* the PAN pairs vendored in ``tests/data/pan13`` (source as ``a``, suspicious as ``b``), judged alone;
* 40 generator articles of ``unspun.evaluation.distortions`` (their ``cases``: dated documents, so the
  verdict is known) plus the reworded-only ones, judged alone;
* all of the above again in one ``judge_matches`` call (each document's side shared by every pair that has it);
* the example corpus scanned (``Index.scan``: sides shared across pairs, the cluster order);
* a synthetic corpus of ``--synth`` documents (benchmarks/synth.py) scanned, and ``Index.check`` of
  copies of 20 of its documents (``synth.copy_queries``: light and spun edits) with the judge.

Only the judge's input must stay the same for the comparison to be fair: the alignment is computed in the
same process, unjudged, then judged; nothing is timed.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def _pairs() -> list[tuple[str, object, object]]:
    from unspun.evaluation.distortions import cases, generate
    from unspun.evaluation.judge_pan import load
    from unspun.types import Document

    corpus = ROOT / "examples" / "corpus"
    seed_a = corpus / "seed-000_39c885e149670517.txt"
    seed_b = corpus / "seed-002_9a117862eab7609d.txt"
    out = [("seed", Document(seed_a.name, seed_a.read_text(encoding="utf-8")),
            Document(seed_b.name, seed_b.read_text(encoding="utf-8")))]
    pan, _ = load(ROOT / "tests" / "data" / "pan13")
    for k, p in enumerate(pan.pairs):
        susp, src = pan.texts(p)
        out.append((f"pan:{k}", Document(f"pan-src-{k}", src), Document(f"pan-susp-{k}", susp)))
    changed, kept = cases(generate(40, 0, ROOT), 0)
    for c in changed + kept:
        out.append((c.id, c.original, c.copy))
    return out


def _dump(m) -> dict:
    return m.to_dict()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--synth", type=int, default=400, help="documents of the synthetic corpus scanned (default 400)")
    args = ap.parse_args()

    from synth import copy_queries, make_corpus

    from unspun import compare
    from unspun.index import Index
    from unspun.ingest import iter_documents
    from unspun.judge import judge
    from unspun.pipeline.matches import judge_matches

    result: dict[str, object] = {}
    bare = [(name, compare(a, b, judge=False)) for name, a, b in _pairs()]
    result["alone"] = {name: _dump(judge(m)) for name, m in bare}
    together = judge_matches([m for _, m in bare])
    result["together"] = {name: _dump(m) for (name, _), m in zip(bare, together)}

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "examples.unspun"
        with Index(path) as ix:
            ix.add(list(iter_documents(ROOT / "examples" / "corpus")))
            result["examples-scan"] = [[_dump(m) for m in c.matches] for c in ix.scan()]
        docs, _ = make_corpus(args.synth)
        path = Path(tmp) / "synth.unspun"
        with Index(path, embedder=None) as ix:
            ix.add(docs)
            result["synth-scan"] = [[_dump(m) for m in c.matches] for c in ix.scan()]
            result["synth-check"] = [[_dump(m) for m in ix.check(text, k=10)] for _, text in copy_queries(docs, 20)]
    args.out.write_text(json.dumps(result, ensure_ascii=False, sort_keys=True, indent=1), encoding="utf-8")
    n = sum(len(v) for v in result.values())
    flags = sum(len(d["distortions"]) for v in (result["alone"],) for d in v.values())
    print(f"wrote {args.out}: {n} entries; {len(bare)} pairs judged alone with {flags} distortions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
