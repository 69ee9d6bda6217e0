"""Damaged cache files: every sidecar of an index damaged in seeded ways, answers compared with a sound index.

Builds index A (tests/data: the seed original and PAN 2013 pieces, with passage vectors, added in two
runs) and index B (other PAN pieces), then runs TRIALS
seeded trials.  Trial ``t`` copies A, picks one of its cache files (``<db>.bands.*.seg``,
``<db>.vectors.*.usearch``) and damages it one of four ways: bytes flipped, truncated, a range
zeroed, or swapped with B's file of the same kind (a valid file of another index, under A's name).
Then, each in a new process of the real CLI: ``unspun check`` (two queries, ``--json --no-judge``),
``unspun scan --json --no-judge``, and ``check`` again (after the repair the first reader saved).  A
trial passes when every command exits 0 (a crash or a signal such as SIGSEGV is counted as a crash)
and its output is byte-identical to the same command on the undamaged index.

    .venv/bin/python benchmarks/damage.py [TRIALS] [FIRST_SEED]     (default 40 0)

``tests/test_damage.py`` runs a fixed sample of these trials in the default suite.
"""
from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SEEDS = sorted((DATA / "seeds").glob("*.txt"))
PIECES = sorted((DATA / "pan13-pieces").glob("*.txt"))
KINDS = ("flip", "truncate", "zero", "swap")


def cli(*argv: object, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspun", *map(str, argv)], capture_output=True, text=True,
                          timeout=timeout)


def sidecars(db: Path) -> list[Path]:
    """The cache files beside index ``db`` (bucket segments, vector cache), sorted."""
    return sorted(p for p in db.parent.iterdir() if p.name.startswith(db.name + ".")
                  and (p.name.endswith(".seg") or p.name.endswith(".usearch")))


def kind_of(p: Path) -> str:
    return p.suffix


@dataclass
class Fixture:
    """Index A (the one damaged), index B (the donor of swapped files), the queries and A's sound answers."""

    root: Path
    db: Path
    other: Path
    queries: list[Path]
    answers: list[str]

    def commands(self, db: Path) -> list[list[object]]:
        return ([["check", q, "--db", db, "--json", "--no-judge", "-k", "5"] for q in self.queries]
                + [["scan", "--db", db, "--json", "--no-judge", "--quiet"]]
                + [["check", self.queries[0], "--db", db, "--json", "--no-judge", "-k", "5"]])


def _add(paths: list[Path], db: Path) -> None:
    p = cli("index", "add", *paths, "--db", db, "--batch-size", "20")
    if p.returncode != 0:
        raise SystemExit(f"building {db} failed: {p.stderr.strip()}")


def build(root: Path) -> Fixture:
    docs_a1, docs_a2, docs_b = root / "a1", root / "a2", root / "b"
    for d in (docs_a1, docs_a2, docs_b):
        d.mkdir()
    shutil.copyfile(SEEDS[0], docs_a1 / "original.txt")
    for i, p in enumerate(PIECES[:60]):
        shutil.copyfile(p, (docs_a1 if i < 40 else docs_a2) / p.name)
    shutil.copyfile(SEEDS[1], docs_a2 / "spun.txt")
    for p in PIECES[60:90]:
        shutil.copyfile(p, docs_b / p.name)
    db, other = root / "ia" / "a.unspun", root / "ib" / "b.unspun"
    db.parent.mkdir()
    other.parent.mkdir()
    _add([docs_a1], db)
    _add([docs_a2], db)
    _add([docs_b], other)
    fx = Fixture(root, db, other, [SEEDS[1], PIECES[45]], [])
    for argv in fx.commands(db):
        p = cli(*argv)
        if p.returncode != 0:
            raise SystemExit(f"the sound index fails: {' '.join(map(str, argv))}: {p.stderr.strip()}")
        fx.answers.append(p.stdout)
    if '"original.txt"' not in fx.answers[0]:
        raise SystemExit("the sound index does not find the seed's original: nothing to compare")
    if not any(kind_of(p) == ".usearch" for p in sidecars(db)):
        raise SystemExit("index A has no vector cache (no embedder installed?)")
    return fx


def copy_index(db: Path, where: Path) -> Path:
    """Copy index ``db`` and every file beside it that belongs to it into ``where``; returns the copy."""
    for p in db.parent.iterdir():
        if p.name.startswith(db.name):
            shutil.copyfile(p, where / p.name)
    return where / db.name


def damage(path: Path, kind: str, rng: random.Random, donor: Path | None) -> str:
    """Damage ``path`` in place; returns a description."""
    data = bytearray(path.read_bytes())
    n = len(data)
    if kind == "flip":
        k = rng.randint(1, 8)
        for _ in range(k):
            i = rng.randrange(n)
            data[i] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(data))
        return f"{k} bits flipped"
    if kind == "truncate":
        cut = rng.randrange(n)
        path.write_bytes(bytes(data[:cut]))
        return f"truncated to {cut} of {n} bytes"
    if kind == "zero":
        start = rng.randrange(n)
        length = rng.randint(1, max(1, n - start))
        data[start : start + length] = bytes(length)
        path.write_bytes(bytes(data))
        return f"{length} bytes zeroed at {start}"
    assert donor is not None
    shutil.copyfile(donor, path)
    return f"swapped with {donor.name}"


def trial(fx: Fixture, seed: int) -> tuple[bool, str]:
    """One seeded trial on a fresh copy of A; (passed, description)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(dir=fx.root) as tmp:
        db = copy_index(fx.db, Path(tmp))
        files = sidecars(db)
        target = files[rng.randrange(len(files))]
        kind = KINDS[seed % len(KINDS)]
        donors = [p for p in sidecars(fx.other) if kind_of(p) == kind_of(target)]
        if kind == "swap" and not donors:
            kind = "flip"
        what = damage(target, kind, rng, donors[0] if donors else None)
        desc = f"trial {seed}: {target.name.split('.', 2)[-1]} {what}"
        for argv, want in zip(fx.commands(db), fx.answers):
            try:
                p = cli(*argv, timeout=300)
            except subprocess.TimeoutExpired:
                return False, f"{desc}: {argv[0]} timed out"
            if p.returncode != 0:
                sig = f" (signal {-p.returncode})" if p.returncode < 0 else ""
                return False, f"{desc}: {argv[0]} exited {p.returncode}{sig}: {p.stderr.strip()[-300:]}"
            if p.stdout != want:
                return False, f"{desc}: {argv[0]} answered differently from the sound index"
        return True, desc


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    with tempfile.TemporaryDirectory() as tmp:
        fx = build(Path(tmp))
        names = ", ".join(p.name.split(".", 2)[-1] for p in sidecars(fx.db))
        print(f"index A: {len(sidecars(fx.db))} cache files ({names}); {len(fx.commands(fx.db))} commands per trial")
        failed = 0
        for seed in range(first, first + trials):
            ok, desc = trial(fx, seed)
            failed += not ok
            print(("ok    " if ok else "FAIL  ") + desc, flush=True)
    print(f"{trials} trials: {trials - failed} answered exactly as the sound index, {failed} crashed or differed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
