"""The guard that keeps the default test suite self-contained (see tests/conftest.py).

A test that opens or lists a file under a forbidden folder (the ``../shared`` beside the checkout, the
folders named by ``UNSPUN_PAN13_DIR`` / ``UNSPUN_VITAMINC_DIR``) would pass here and fail on a clean clone.
:func:`install` adds an audit hook (``open``, ``os.listdir``, ``os.scandir``) that refuses such a path
while :data:`FORBID` names folders, and appends the path to ``$UNSPUN_TEST_GUARD_LOG`` so the test that
did it fails loudly even when the code under test swallows the error.  ``sitecustomize.py`` next to this
file installs the same hook in every Python process the tests start (``PYTHONPATH`` points here), reading
the folders from ``$UNSPUN_TEST_FORBID``.  ``os.stat`` raises no audit event, so a bare ``exists()`` check
is not caught; the read that follows it is.
"""
from __future__ import annotations

import os
import sys

FORBID_ENV = "UNSPUN_TEST_FORBID"
LOG_ENV = "UNSPUN_TEST_GUARD_LOG"
EVENTS = frozenset({"open", "os.listdir", "os.scandir"})

#: absolute folder paths (each ending in os.sep) that no default-suite test may read; empty = guard off
FORBID: list[str] = []


class OutsideDataError(RuntimeError):
    pass


def set_forbidden(folders) -> None:
    FORBID[:] = sorted({os.path.join(os.path.abspath(f), "") for f in folders if f})


def _hook(event: str, args: tuple) -> None:
    if event not in EVENTS or not FORBID or not args:
        return
    path = args[0]
    if isinstance(path, int) or path is None:
        return
    try:
        path = os.fsdecode(os.fspath(path))
    except TypeError:
        return
    full = os.path.join(os.path.abspath(path), "")
    for folder in FORBID:
        if full.startswith(folder):
            log = os.environ.get(LOG_ENV)
            if log:
                with open(log, "a", encoding="utf-8") as fh:  # not forbidden: the log lives in a temp folder
                    fh.write(f"{os.getpid()} {event} {path}\n")
            raise OutsideDataError(
                f"a default-suite test read {path}, outside the repository ({folder.rstrip(os.sep)}): "
                "vendor a sample into tests/data/ (see tests/data/README.md) or mark the test slow"
            )


def install() -> None:
    if not getattr(sys, "_unspun_outside_data_guard", False):
        sys._unspun_outside_data_guard = True  # type: ignore[attr-defined]
        sys.addaudithook(_hook)
