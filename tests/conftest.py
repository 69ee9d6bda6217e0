from __future__ import annotations

import struct
import zlib
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


def gzip_zeros(prefix: bytes, zeros: int, suffix: bytes = b"") -> bytes:
    """One gzip member holding prefix + ``zeros`` zero bytes + suffix, made fast: after a full flush the
    deflate output of each further MiB of zeros is the same block, so it is repeated, not recomputed
    (``zeros`` must be a whole number of MiB)."""
    mib = bytes(1 << 20)
    assert zeros % len(mib) == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [c.compress(prefix), c.flush(zlib.Z_FULL_FLUSH)]
    n = zeros // len(mib)
    blocks = [c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH) for _ in range(min(n, 3))]
    assert n < 3 or blocks[1] == blocks[2]
    out += blocks[:2] + [blocks[-1]] * max(0, n - 2)
    out.append(c.compress(suffix) + c.flush())
    crc = zlib.crc32(prefix)
    for _ in range(n):
        crc = zlib.crc32(mib, crc)
    crc = zlib.crc32(suffix, crc)
    size = (len(prefix) + zeros + len(suffix)) & 0xFFFFFFFF
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + b"".join(out) + struct.pack("<II", crc, size)
