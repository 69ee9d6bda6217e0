"""The ``unspun`` command: a thin layer over the library.

Each sub-command lives in its own module with ``register(subparsers)`` that adds
its parser and sets ``func``; ``func(args)`` returns the exit code.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..errors import UnspunError

#: Sub-command modules, in the order ``unspun --help`` lists them.
COMMANDS = ["compare", "index", "check", "scan", "serve", "eval"]


class _Parser(argparse.ArgumentParser):
    """argparse with its messages (usage errors quote what was typed) cleaned like everything else."""

    def _print_message(self, message: str, file=None) -> None:  # type: ignore[override]
        if message:
            from .terminal import clean

            (file or sys.stderr).write(clean(message, lines=True))


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(
        prog="unspun",
        description="Find rewritten copies of articles, align the reused passages, and explain how the copy changed the story.",
    )
    parser.add_argument("--version", action="version", version=f"unspun {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f".{name}", __name__).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .terminal import clean, err

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UnspunError as e:
        err(f"unspun: error: {clean(e)}")
        return e.exit_code
    except KeyboardInterrupt:
        err("unspun: interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug, not bad input: say so in one line; UNSPUN_DEBUG=1 shows the traceback
        if os.environ.get("UNSPUN_DEBUG"):
            raise
        err(f"unspun: internal error: {type(e).__name__}: {clean(e)} "
            "(this is a bug; rerun with UNSPUN_DEBUG=1 for the traceback and report it)")
        return 1
