"""Regenerate the PAN 2013 samples under ``tests/data/`` from the full corpus (see tests/data/README.md).

    .venv/bin/python scripts/vendor_test_data.py [PAN_DIR] [--check]

``PAN_DIR`` is found by :mod:`unspun.evaluation.datasets` (the argument, ``$UNSPUN_PAN13_DIR``, then
``../shared/data/pan13-train``).  Two folders are written:

``tests/data/pan13/``
    the PAN layout (``pairs``, ``0X-*/pairs``, ``0X-*/*.xml``, ``src/``, ``susp/``), every file a byte copy
    under its original name.  The pair lists are copied whole, so a sample drawn from them
    (``sample_pairs``, ``PairLists.sample``) is the one drawn from the full corpus; the texts are only
    those of the pairs the default test suite reads (:func:`selection`); the truth XMLs are those of the
    selected pairs and every XML with a plagiarism case in a selected suspicious document (so the case
    spans of those documents are complete).
``tests/data/pan13-pieces/``
    the article-sized pieces of PAN documents that were ``examples/corpus/pan-*`` until the example corpus
    became news (:func:`pieces`; tests written against that corpus read them here).

With ``--check`` nothing is written: the script says which selected files are missing from
``tests/data`` and which differ from the corpus, and exits 1 if any do.  Files in ``tests/data/pan13``
outside this selection (another test's sample) are left alone and counted.
"""
from __future__ import annotations

import random
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from unspun.errors import UnspunError
from unspun.evaluation.datasets import pan13_dir
from unspun.evaluation.pan import load_corpus, sample_pairs
from unspun.evaluation.pan_scan import read_pair_lists

REPO = Path(__file__).resolve().parents[1]

OUT = REPO / "tests" / "data" / "pan13"
PIECES_OUT = REPO / "tests" / "data" / "pan13-pieces"

# What the default test suite reads from PAN 2013; keep each line in step with the test it names.
EVAL_SAMPLE = (60, 2026)  # tests/test_pan_eval.py: sample_pairs(corpus.pairs, 60, 2026)
EVAL_FIRST_VERBATIM = 3  # tests/test_pan_eval.py: the first three 02 pairs of the pairs file
SCAN_SAMPLE = (40, 2026)  # tests/test_pan_scan.py: pan_scan(PAN, sample=40, seed=2026)
ALIGN_PAIRS = (  # tests/test_align.py: _pan_pair(stem)
    "suspicious-document00842-source-document02580",
    "suspicious-document00647-source-document00837",
    "suspicious-document00598-source-document02398",
)
ALIGN_POOLS = (  # tests/test_align.py: POOL_SOURCES
    "source-document01942.txt",
    "source-document00054.txt",
    "source-document00786.txt",
)
TEXTIO_SOURCES = ("source-document00027.txt", "source-document00575.txt", "source-document01077.txt")  # tests/test_textio.py


def selection(root: Path) -> tuple[set[tuple[str, str, str]], set[str]]:
    """(the selected pairs as (category, susp, src), every document they and the tests name as ``src/X``
    or ``susp/X``)."""
    corpus = load_corpus(root)
    pairs = {(p.category, p.susp, p.src) for p in sample_pairs(corpus.pairs, *EVAL_SAMPLE)}
    pairs |= {(p.category, p.susp, p.src) for p in [p for p in corpus.pairs if p.category.startswith("02")][:EVAL_FIRST_VERBATIM]}
    pairs |= {(p.category, p.susp, p.src) for p in corpus.pairs if p.stem in ALIGN_PAIRS}
    lists = read_pair_lists(root).sample(*SCAN_SAMPLE)
    for cat, listed in lists.listed.items():
        for a, b in listed:
            src, susp = (a, b) if a.startswith("src/") else (b, a)
            pairs.add((cat, susp.removeprefix("susp/"), src.removeprefix("src/")))
    docs = {f"susp/{s}" for _, s, _ in pairs} | {f"src/{r}" for _, _, r in pairs}
    docs |= {f"src/{n}" for n in ALIGN_POOLS + TEXTIO_SOURCES}
    return pairs, docs


def files_to_copy(root: Path) -> list[str]:
    """Every file of the sample, as a path relative to the corpus root, sorted."""
    pairs, docs = selection(root)
    out = {"pairs"} | {f"{d.name}/pairs" for d in root.iterdir() if d.is_dir() and (d / "pairs").is_file()}
    out |= docs
    out |= {f"{cat}/{Path(susp).stem}-{Path(src).stem}.xml" for cat, susp, src in pairs
            if (root / cat / f"{Path(susp).stem}-{Path(src).stem}.xml").is_file()}
    stems = {Path(d).stem for d in docs if d.startswith("susp/")}
    for xml in root.glob("0*/*.xml"):
        if xml.name.split("-source-")[0] in stems and 'name="plagiarism"' in xml.read_text(encoding="utf-8"):
            out.add(f"{xml.parent.name}/{xml.name}")
    return sorted(out)


# --------------------------------------------------------------------------- the old example corpus's pieces

PER_CATEGORY = {"02-no-obfuscation": 30, "03-random-obfuscation": 30, "04-translation-obfuscation": 30,
                "05-summary-obfuscation": 16}
UNRELATED = 20
CONTEXT = 1200  # characters kept on each side of the reused passage
MAX_PIECE = 6000


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to the nearest line breaks so pieces start and end cleanly."""
    s = text.rfind("\n", 0, start)
    s = 0 if s < 0 else s + 1
    e = text.find("\n", end)
    e = len(text) if e < 0 else e
    return s, e


def _piece(text: str, offset: int, length: int) -> str:
    lo = max(0, offset - CONTEXT)
    hi = min(len(text), offset + length + CONTEXT)
    if hi - lo > MAX_PIECE:  # long passages: keep the passage, trim the context
        lo, hi = max(0, offset - 200), min(len(text), max(offset + length + 200, lo + MAX_PIECE))
    s, e = _snap(text, lo, hi)
    return text[s:e].strip() + "\n"


def pieces(root: Path) -> dict[str, str]:
    """File name -> text of each piece: for a fixed sample of PAN pairs with reuse, the suspicious and the
    source document cut to about 1,200 characters on each side of the reused passage
    (``pan-NN-<susp stem>-copy.txt``, ``pan-NN-<src stem>-original.txt``, NN the category), and pieces of
    20 suspicious documents from pairs without reuse (``pan-01-<stem>-unrelated.txt``)."""
    rng = random.Random(2013)
    out: dict[str, str] = {}
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
            out[f"pan-{tag}-{Path(susp).stem}-copy.txt"] = _piece(st, int(f.get("this_offset")), int(f.get("this_length")))
            out[f"pan-{tag}-{Path(src).stem}-original.txt"] = _piece(rt, int(f.get("source_offset")), int(f.get("source_length")))
    pairs = [ln.split() for ln in (root / "01-no-plagiarism" / "pairs").read_text().splitlines() if ln.strip()]
    for susp, _src in sorted(rng.sample(pairs, UNRELATED)):
        t = (root / "susp" / susp).read_bytes().decode("utf-8")
        out[f"pan-01-{Path(susp).stem}-unrelated.txt"] = _piece(t, len(t) // 2, 0)
    return out


# --------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    try:
        root = pan13_dir(args[0] if args else None)
    except UnspunError as err:
        print(f"vendor_test_data: {err}", file=sys.stderr)
        return 2
    wanted = {rel: (root / rel).read_bytes() for rel in files_to_copy(root)}
    wanted_pieces = {name: text.encode("utf-8") for name, text in pieces(root).items()}
    bad = 0
    for folder, files in ((OUT, wanted), (PIECES_OUT, wanted_pieces)):
        missing = [r for r in files if not (folder / r).is_file()]
        differ = [r for r in files if (folder / r).is_file() and (folder / r).read_bytes() != files[r]]
        others = [p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() not in files] if folder.is_dir() else []
        size = sum(len(b) for b in files.values())
        rel = folder.relative_to(REPO)
        if check:
            bad += len(missing) + len(differ)
            print(f"{rel}: {len(files)} files ({size / 1e6:.2f} MB) selected, {len(missing)} missing, {len(differ)} differ"
                  f" from {root}; {len(others)} other files")
            for r in (missing + differ)[:20]:
                print(f"  {'missing' if r in missing else 'differs'}: {rel}/{r}")
            continue
        for r, data in files.items():
            (folder / r).parent.mkdir(parents=True, exist_ok=True)
            (folder / r).write_bytes(data)
        print(f"{rel}: wrote {len(files)} files ({size / 1e6:.2f} MB; {len(missing)} new, {len(differ)} changed)"
              f" from {root}; {len(others)} other files left alone")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
