"""Damaged cache files (a fixed sample of ``benchmarks/damage.py``'s seeded trials, through the real CLI).

Each trial damages one sidecar of an index (bucket segment or vector cache: bits flipped, truncated,
zeroed, swapped with another index's file) and runs ``check`` and ``scan`` in new processes: every
one must exit 0 and answer byte for byte as on the undamaged index.  The 40-trial run is
``.venv/bin/python benchmarks/damage.py`` (its figure is in docs/guarantees.md).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import damage  # noqa: E402

# find_spec, not importorskip: importing usearch into the test process before onnxruntime (tests/test_embed.py)
# crashes that import (SIGSEGV; `python -c "import usearch; import onnxruntime"` does it too); the trials run the CLI
if importlib.util.find_spec("usearch") is None:
    pytest.skip("usearch is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    return damage.build(tmp_path_factory.mktemp("damage"))


# seeds 0-3: one trial of each kind (usearch flipped; segment truncated, zeroed, swapped); 5, 7: the vector cache truncated, swapped
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 5, 7])
def test_damaged_sidecar_answers_as_sound_index(fixture, seed):
    ok, desc = damage.trial(fixture, seed)
    assert ok, desc


def test_damage_is_real(fixture, tmp_path):
    """The trials would see a wrong answer: an index missing the original answers differently."""
    db = damage.copy_index(fixture.db, tmp_path)
    assert damage.cli("index", "rm", "original.txt", "--db", db).returncode == 0
    p = damage.cli(*fixture.commands(db)[0])
    assert p.returncode == 0 and p.stdout != fixture.answers[0]
    assert len({damage.kind_of(f) for f in damage.sidecars(fixture.db)}) == 2  # both kinds of cache file exist
