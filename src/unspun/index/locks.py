"""The lock that serialises the writing of an index's cache files (``<db>.lock``, ``flock``).

Whoever writes a cache file (a writer folding new band keys into a segment, saving the vector
cache, or a reader rebuilding a missing or damaged one) holds it, and only then takes SQLite's write
lock to record the file: always in that order, so two processes never wait on each other.  A reader
that cannot make the lock file (read-only media) rebuilds in memory only.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def cache_lock(db: Path) -> Iterator[bool]:
    """Hold ``<db>.lock`` (waiting for another holder); yields False when the lock file cannot be made."""
    try:
        fd = os.open(f"{db}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield False
        return
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        except (ImportError, OSError):  # no flock (Windows): SQLite's write lock still serialises the records
            pass
        yield True
    finally:
        os.close(fd)  # closing the last descriptor releases the flock
