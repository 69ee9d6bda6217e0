"""Build examples/corpus/ from the seed pair and pieces of the PAN 2013 training corpus.

For a fixed sample of PAN pairs with reuse (verbatim, random, translation and
summary obfuscation) the suspicious and the source document are each cut to an
article-sized piece around their reused passage, so every copy in the corpus has
its original next to it; a few pieces from pairs without reuse are added as
unrelated documents.  Deterministic: rerunning it writes the same files.

    .venv/bin/python scripts/make_example_corpus.py [PAN_ROOT] [OUT_DIR]
"""
from __future__ import annotations

import random
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PER_CATEGORY = {"02-no-obfuscation": 30, "03-random-obfuscation": 30, "04-translation-obfuscation": 30,
                "05-summary-obfuscation": 16}
UNRELATED = 20
CONTEXT = 1200  # characters kept on each side of the reused passage
MAX_PIECE = 6000


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to the nearest line breaks (or sentence ends) so pieces start and end cleanly."""
    s = text.rfind("\n", 0, start)
    s = 0 if s < 0 else s + 1
    e = text.find("\n", end)
    e = len(text) if e < 0 else e
    return s, e


def piece(text: str, offset: int, length: int) -> str:
    lo = max(0, offset - CONTEXT)
    hi = min(len(text), offset + length + CONTEXT)
    if hi - lo > MAX_PIECE:  # long passages: keep the passage, trim the context
        lo, hi = max(0, offset - 200), min(len(text), max(offset + length + 200, lo + MAX_PIECE))
    s, e = _snap(text, lo, hi)
    return text[s:e].strip() + "\n"


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data" / "pan13-train"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else REPO / "examples" / "corpus"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("pan-*.txt"):
        old.unlink()
    seeds = REPO.parent / "shared" / "seeds"
    for s in sorted(seeds.glob("*.txt")):
        shutil.copyfile(s, out / f"seed-{s.name}")
    rng = random.Random(2013)
    n_docs = 0
    for cat, n in PER_CATEGORY.items():
        xmls = sorted((root / cat).glob("*.xml"))
        rng.shuffle(xmls)
        taken = 0
        for x in xmls:
            if taken == n:
                break
            feats = [f for f in ET.parse(x).getroot() if f.get("name") == "plagiarism"]
            if not feats:
                continue
            taken += 1
            f = feats[0]
            susp = ET.parse(x).getroot().get("reference")
            src = f.get("source_reference")
            st = (root / "susp" / susp).read_bytes().decode("utf-8")
            rt = (root / "src" / src).read_bytes().decode("utf-8")
            tag = cat[:2]
            (out / f"pan-{tag}-{Path(susp).stem}-copy.txt").write_text(
                piece(st, int(f.get("this_offset")), int(f.get("this_length"))), encoding="utf-8")
            (out / f"pan-{tag}-{Path(src).stem}-original.txt").write_text(
                piece(rt, int(f.get("source_offset")), int(f.get("source_length"))), encoding="utf-8")
            n_docs += 2
    pairs = [ln.split() for ln in (root / "01-no-plagiarism" / "pairs").read_text().splitlines() if ln.strip()]
    for susp, _src in sorted(rng.sample(pairs, UNRELATED)):
        t = (root / "susp" / susp).read_bytes().decode("utf-8")
        mid = len(t) // 2
        (out / f"pan-01-{Path(susp).stem}-unrelated.txt").write_text(piece(t, mid, 0), encoding="utf-8")
        n_docs += 1
    n_docs = len(list(out.glob("pan-*.txt")))
    size = sum(p.stat().st_size for p in out.glob("*.txt"))
    print(f"{out}: {n_docs} PAN pieces + seed pair, {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
