"""Shared fixtures, the locations of the vendored test data, and the guard that keeps the default suite
self-contained.

Everything the default suite (``pytest -m "not slow"``) reads lives in the repository: ``tests/data/``
(see its README for the origin and terms of each sample) and ``examples/``.  The guard
(``tests/_guard/outside_data.py``) makes a default-suite test fail when it, or a Python process it starts,
opens or lists a file under ``../shared`` beside the checkout or under ``$UNSPUN_PAN13_DIR`` /
``$UNSPUN_VITAMINC_DIR``: such a test passes here and fails on a clean clone.  Tests marked ``slow`` may
read the full corpora (through :mod:`unspun.evaluation.datasets`).
"""
from __future__ import annotations

import os
import struct
import tempfile
import zlib
from pathlib import Path

import pytest

from _guard import outside_data

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SEEDS = DATA / "seeds"  # byte copies of the project's seed pair (also examples/corpus/seed-*)
PAN = DATA / "pan13"  # the PAN 2013 samples the CI gates use, in the PAN layout
PAN_PIECES = DATA / "pan13-pieces"  # article-sized PAN pieces (the example corpus before it became news)
SEED_ORIGINAL = SEEDS / "000_39c885e149670517.txt"
SEED_COPY = SEEDS / "002_9a117862eab7609d.txt"

#: folders the default suite must not read: the development layout and the corpora's environment variables
OUTSIDE_DATA = [str(ROOT.parent / "shared"), os.environ.get("UNSPUN_PAN13_DIR"), os.environ.get("UNSPUN_VITAMINC_DIR")]


def _arm(on: bool) -> None:
    outside_data.set_forbidden(OUTSIDE_DATA if on else [])
    os.environ[outside_data.FORBID_ENV] = os.pathsep.join(outside_data.FORBID)


def pytest_configure(config: pytest.Config) -> None:
    fd, log = tempfile.mkstemp(prefix="unspun-outside-data-", suffix=".log")
    os.close(fd)
    os.environ[outside_data.LOG_ENV] = log
    guard_dir = str(Path(outside_data.__file__).parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (guard_dir, os.environ.get("PYTHONPATH")) if p)
    outside_data.install()
    _arm(True)  # collection too: a module that reads outside data at import fails to collect


def pytest_unconfigure(config: pytest.Config) -> None:
    log = os.environ.pop(outside_data.LOG_ENV, None)
    if log:
        Path(log).unlink(missing_ok=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    _arm(item.get_closest_marker("slow") is None)
    yield
    _arm(True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = (yield).get_result()
    log = Path(os.environ[outside_data.LOG_ENV])
    reads = log.read_text(encoding="utf-8").splitlines() if log.stat().st_size else []
    if reads:
        log.write_text("", encoding="utf-8")
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} read data outside the repository ({len(reads)} times; pid, event, path):\n  "
            + "\n  ".join(reads[:10])
            + "\nA default-suite test must read only tests/data/ and examples/: vendor a sample into tests/data/"
            " (tests/data/README.md) or mark the test slow."
        )


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
