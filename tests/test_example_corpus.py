"""The README's first command: index the bundled example corpus and scan it, with the judge on."""
from __future__ import annotations

from pathlib import Path

from unspun.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "corpus"


def test_index_and_scan_example_corpus(tmp_path, capsys):
    db = str(tmp_path / "example.unspun")
    assert main(["index", "add", str(EXAMPLES), "--db", db]) == 0
    capsys.readouterr()
    assert main(["scan", "--db", db, "--quiet"]) == 0
    out = capsys.readouterr().out
    seed = out[out.index("seed-000_39c885e149670517.txt") :]
    assert "seed-002_9a117862eab7609d.txt" in seed
    assert "Original: A (seed-000_39c885e149670517.txt)" in seed
    assert "quote-altered" in seed and "added-claim" in seed
