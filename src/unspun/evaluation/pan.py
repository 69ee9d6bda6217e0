"""PAN text-alignment corpora: reading pairs and truth, running the aligner, writing detection XML, scoring.

A corpus is laid out like ``shared/data/pan13-train``: ``src/``, ``susp/``, a
``pairs`` file, and one folder per category holding its own ``pairs`` file and
one truth XML per pair that contains reuse.  :mod:`unspun.evaluation.datasets`
finds the folder; ``tests/data/pan13`` is a partial copy (the full pair lists,
the texts of the CI samples only), so :func:`evaluate` first checks that every
pair it is given has its texts.
"""
from __future__ import annotations

import os
import random
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator
from xml.sax.saxutils import quoteattr

from ..errors import InputError
from .datasets import PAN13
from .plagdet import Feature, Scores, score


@dataclass(frozen=True)
class Pair:
    susp: str
    src: str
    category: str  # folder name, e.g. "03-random-obfuscation"

    @property
    def stem(self) -> str:
        return f"{Path(self.susp).stem}-{Path(self.src).stem}"


@dataclass
class Corpus:
    root: Path
    pairs: list[Pair]

    def truth(self, pair: Pair) -> list[Feature]:
        xml = self.root / pair.category / f"{pair.stem}.xml"
        return read_features(xml, pair, "plagiarism") if xml.exists() else []

    def texts(self, pair: Pair) -> tuple[str, str]:
        return _read(self.root / "susp" / pair.susp), _read(self.root / "src" / pair.src)


def _read(path: Path) -> str:
    # PAN offsets are characters of the file decoded as UTF-8; keep \r and BOM-less text as is.
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def read_features(xml_path: Path, pair: Pair, name: str) -> list[Feature]:
    try:
        root = ET.parse(xml_path).getroot()
    except ET.ParseError as err:
        raise InputError(f"{xml_path}: not valid XML ({err})") from None
    out = []
    for f in root.iter("feature"):
        if f.get("name") != name:
            continue
        to, tl = int(f.get("this_offset", 0)), int(f.get("this_length", 0))
        so, sl = int(f.get("source_offset", 0)), int(f.get("source_length", 0))
        out.append(Feature((pair.susp, pair.src), to, to + tl, so, so + sl))
    return out


def load_corpus(root: str | os.PathLike[str], pairs_file: str | os.PathLike[str] | None = None) -> Corpus:
    """Read the pair list and each pair's category from a PAN corpus folder."""
    root = Path(root)
    if not (root / "src").is_dir() or not (root / "susp").is_dir():
        raise InputError(f"{root}: not a PAN text-alignment corpus (no src/ and susp/ folders)")
    category: dict[tuple[str, str], str] = {}
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and (p / "pairs").is_file()):
        for line in (sub / "pairs").read_text(encoding="utf-8").split("\n"):
            parts = line.split()
            if len(parts) == 2:
                category[(parts[0], parts[1])] = sub.name
    listing = Path(pairs_file) if pairs_file else root / "pairs"
    if not listing.is_file():
        raise InputError(f"{listing}: pairs file not found")
    pairs = []
    for n, line in enumerate(listing.read_text(encoding="utf-8").split("\n"), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise InputError(f"{listing}:{n}: expected '<suspicious> <source>', got {line!r}")
        pairs.append(Pair(parts[0], parts[1], category.get((parts[0], parts[1]), "uncategorised")))
    return Corpus(root, pairs)


def require_texts(root: str | os.PathLike[str], documents: Iterable[str], what: str) -> None:
    """Raise :class:`InputError` unless every document (``src/NAME`` or ``susp/NAME``) is a file under
    ``root``: a partial copy of the corpus (such as ``tests/data/pan13``) holds only some pairs' texts."""
    root = Path(root)
    docs = sorted(set(documents))
    missing = [d for d in docs if not (root / d).is_file()]
    if missing:
        raise InputError(
            f"{root}: {len(missing)} of the {len(docs)} documents of {what} are missing (first {missing[0]}): "
            f"a partial copy of the corpus, such as the CI samples in tests/data/pan13 (their samples: "
            f"eval pan --sample 60 --seed 2026, eval pan-scan --sample 40 --seed 2026). For the rest, get {PAN13.where}"
        )


def sample_pairs(pairs: list[Pair], per_category: int, seed: int) -> list[Pair]:
    """A fixed random sample of ``per_category`` pairs from each category (sorted for determinism)."""
    rng = random.Random(seed)
    by_cat: dict[str, list[Pair]] = {}
    for p in sorted(pairs, key=lambda p: (p.category, p.susp, p.src)):
        by_cat.setdefault(p.category, []).append(p)
    out: list[Pair] = []
    for cat in sorted(by_cat):
        items = by_cat[cat]
        out.extend(rng.sample(items, min(per_category, len(items))))
    return out


def split_halves(pairs: list[Pair], seed: int = 0) -> tuple[list[Pair], list[Pair]]:
    """A fixed split of the pairs into a tuning half and a held-out half, stratified by category."""
    rng = random.Random(seed)
    tune: list[Pair] = []
    held: list[Pair] = []
    by_cat: dict[str, list[Pair]] = {}
    for p in sorted(pairs, key=lambda p: (p.category, p.susp, p.src)):
        by_cat.setdefault(p.category, []).append(p)
    for cat in sorted(by_cat):
        items = by_cat[cat][:]
        rng.shuffle(items)
        half = len(items) // 2
        tune.extend(items[:half])
        held.extend(items[half:])
    return tune, held


# --------------------------------------------------------------------------- running


def detect_pair(susp_text: str, src_text: str, **align_kwargs) -> list[tuple[int, int, int, int]]:
    """Run the aligner (source = a, suspicious = b) and return (this_start, this_end, src_start, src_end) tuples."""
    from ..align import align

    return [(p.b.start, p.b.end, p.a.start, p.a.end) for p in align(src_text, susp_text, **align_kwargs)]


def _work(args) -> tuple[Pair, list[tuple[int, int, int, int]]]:
    root, pair, params = args
    corpus = Corpus(Path(root), [])
    susp, src = corpus.texts(pair)
    return pair, detect_pair(susp, src, params=params)


def run_pairs(
    corpus: Corpus,
    pairs: list[Pair],
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
    params=None,
) -> Iterator[tuple[Pair, list[tuple[int, int, int, int]]]]:
    """Yield (pair, detections) for every pair, in parallel over ``workers`` processes (0 = all cores)."""
    workers = workers or os.cpu_count() or 1
    jobs = [(str(corpus.root), p, params) for p in pairs]
    if workers == 1:
        for j in jobs:
            out = _work(j)
            if progress:
                progress(1)
            yield out
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for out in pool.map(_work, jobs, chunksize=8):
            if progress:
                progress(1)
            yield out


def detection_xml(pair: Pair, detections: Iterable[tuple[int, int, int, int]]) -> str:
    lines = [f"<document reference={quoteattr(pair.susp)}>"]
    for ts, te, ss, se in detections:
        lines.append(
            f'<feature name="detected-plagiarism" this_offset="{ts}" this_length="{te - ts}" '
            f'source_reference={quoteattr(pair.src)} source_offset="{ss}" source_length="{se - ss}" />'
        )
    lines.append("</document>")
    return "\n".join(lines) + "\n"


@dataclass
class EvalResult:
    overall: Scores
    by_category: dict[str, Scores]
    pairs: int
    seconds: float
    no_plag_pairs: int = 0
    no_plag_clean: int = 0
    per_pair: dict[str, int] = field(default_factory=dict)

    @property
    def pairs_per_second(self) -> float:
        return self.pairs / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return {
            "pairs": self.pairs,
            "seconds": round(self.seconds, 2),
            "pairs_per_second": round(self.pairs_per_second, 2),
            "overall": self.overall.to_dict(),
            "by_category": {k: v.to_dict() for k, v in sorted(self.by_category.items())},
            "no_plagiarism_pairs": self.no_plag_pairs,
            "no_plagiarism_clean": self.no_plag_clean,
        }

    def table(self) -> str:
        rows = [("category", "plagdet", "precision", "recall", "granularity", "cases", "detections")]
        for cat, s in sorted(self.by_category.items()):
            rows.append((cat, *_fmt(s)))
        rows.append(("overall", *_fmt(self.overall)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if self.no_plag_pairs:
            share = self.no_plag_clean / self.no_plag_pairs
            lines.append(f"no-plagiarism pairs with zero detections: {self.no_plag_clean}/{self.no_plag_pairs} ({share:.1%})")
        lines.append(f"{self.pairs} pairs in {self.seconds:.1f} s ({self.pairs_per_second:.1f} pairs/s)")
        return "\n".join(lines)


def _fmt(s: Scores) -> tuple[str, ...]:
    return (f"{s.plagdet:.4f}", f"{s.precision:.4f}", f"{s.recall:.4f}", f"{s.granularity:.4f}", str(s.cases), str(s.detections))


def evaluate(
    corpus: Corpus,
    pairs: list[Pair],
    workers: int = 0,
    out_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[int], None] | None = None,
    params=None,
) -> EvalResult:
    if not pairs:
        raise InputError(f"{corpus.root}: no pairs to evaluate")
    require_texts(corpus.root, [f"susp/{p.susp}" for p in pairs] + [f"src/{p.src}" for p in pairs], f"the {len(pairs)} pairs")
    t0 = time.perf_counter()
    cases: dict[str, list[Feature]] = {}
    dets: dict[str, list[Feature]] = {}
    no_plag = clean = 0
    per_pair: dict[str, int] = {}
    out = Path(out_dir) if out_dir else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    for pair, found in run_pairs(corpus, pairs, workers, progress, params):
        cases.setdefault(pair.category, []).extend(corpus.truth(pair))
        feats = [Feature((pair.susp, pair.src), *d) for d in found]
        dets.setdefault(pair.category, []).extend(feats)
        per_pair[pair.stem] = len(found)
        if pair.category.startswith("01"):
            no_plag += 1
            clean += not found
        if out:
            (out / f"{pair.stem}.xml").write_text(detection_xml(pair, found), encoding="utf-8")
    seconds = time.perf_counter() - t0
    by_cat = {c: score(cases.get(c, []), dets.get(c, [])) for c in sorted(set(cases) | set(dets)) if cases.get(c)}
    overall = score([f for v in cases.values() for f in v], [f for v in dets.values() for f in v])
    return EvalResult(overall, by_cat, len(pairs), seconds, no_plag, clean, per_pair)
