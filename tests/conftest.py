from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
PAN = SHARED / "data" / "pan13-train"
SEED_ORIGINAL = SEEDS / "000_39c885e149670517.txt"
SEED_COPY = SEEDS / "002_9a117862eab7609d.txt"


@pytest.fixture(scope="session")
def seed_pair() -> tuple[str, str]:
    return SEED_ORIGINAL.read_text(encoding="utf-8"), SEED_COPY.read_text(encoding="utf-8")
