"""The example corpus (examples/corpus): its script rebuilds it byte for byte, every file names its origin and
licence, the README's first command runs on it with the judge on, and the scan finds what was planted
(examples/MANIFEST.json)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import SEEDS
from unspun.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPT = ROOT / "scripts" / "make_example_corpus.py"
sys.path.insert(0, str(SCRIPT.parent))
import make_example_corpus as corpus_script  # noqa: E402


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_script_rebuilds_the_committed_corpus(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert _tree(tmp_path / "corpus") == _tree(EXAMPLES / "corpus")
    for name in ("MANIFEST.json", "SOURCES.md"):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), name


def test_every_file_has_its_origin_and_licence():
    manifest = json.loads((EXAMPLES / "MANIFEST.json").read_text(encoding="utf-8"))
    sources = (EXAMPLES / "SOURCES.md").read_text(encoding="utf-8")
    files = sorted(_tree(EXAMPLES / "corpus"))
    assert sorted(manifest) == files and 30 <= len(files) <= 60
    kinds = [m["kind"] for m in manifest.values()]
    assert kinds.count("original") >= 15 and kinds.count("copy") >= 15 and kinds.count("seed") == 2
    for path, m in manifest.items():
        assert f"| `{path}` |" in sources
        text = (EXAMPLES / "corpus" / path).read_text(encoding="utf-8")
        if m["kind"] == "original":  # the Wikinews page, credited in the file itself
            assert m["url"].startswith("https://en.wikinews.org/wiki/") and m["url"] in text and "CC BY 2.5" in text
        elif m["kind"] == "copy" and path.endswith(".html"):
            assert "Derived from" in text and "CC BY 2.5" in text and ".example/" in m["url"]
    for seed in SEEDS.glob("*.txt"):  # the real seed pair, byte for byte
        assert (EXAMPLES / "corpus" / f"seed-{seed.name}").read_bytes() == seed.read_bytes()


def test_index_and_scan_example_corpus(tmp_path, capsys):
    db = str(tmp_path / "example.unspun")
    assert main(["index", "add", str(EXAMPLES / "corpus"), "--db", db]) == 0
    capsys.readouterr()
    assert main(["scan", "--db", db, "--quiet"]) == 0
    out = capsys.readouterr().out
    seed = out[out.index("seed-000_39c885e149670517.txt") :]
    assert "seed-002_9a117862eab7609d.txt" in seed
    assert "Original: A (seed-000_39c885e149670517.txt)" in seed
    assert "quote-altered" in seed and "added-claim" in seed


# Floors: what `python scripts/make_example_corpus.py --check` printed when they were set (21 of 26 planted
# changes reported at their place; the original named for 20 of 22 copies, the 2 others being plain-text
# copies with no date or credit; no high-severity flag on the 7 faithful copies).  Raise them as the judge
# improves; never lower them quietly.
PLANTED_FLOOR = 20
NAMED_FLOOR = 20


def test_scan_finds_what_was_planted():
    result = corpus_script.check()
    print(result.table())
    assert result.clusters == result.expected  # each copy with its original, nothing else; lone originals unlinked
    assert all(p["linked"] for p in result.pairs.values())
    originals = [p["original"] for p in result.pairs.values()]
    assert "wrong" not in originals and originals.count("right") >= NAMED_FLOOR
    hit, n = result.planted()
    assert n >= 20 and hit >= PLANTED_FLOOR, result.table()
    assert result.false_alarms() == []
