"""Everything the command line prints goes through here, with its control characters escaped.

Document text, titles, file names and ids come from strangers: printed raw, an ESC or OSC sequence in
them clears the screen, retitles the window, hides the lines after it or rewrites what the user sees.
:func:`clean` writes every control character (C0 but the line break where one is allowed, DEL, C1), the
line and paragraph separators and the bidirectional overrides and isolates as visible escapes
(``\\x1b``, ``\\u202e``); :func:`out` and :func:`err` print through it, and :func:`write_json` escapes the
same characters JSON itself leaves raw (the value a JSON reader gets is unchanged).
"""
from __future__ import annotations

import json
import re
import sys
from typing import Any, TextIO

#: Controls (C0, DEL, C1), line/paragraph separators, bidi embeddings, overrides and isolates.
_OTHERS = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE_ANY = re.compile(f"[\x00-\x1f{_OTHERS}]")
_UNSAFE_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f{_OTHERS}]")
#: What JSON leaves raw inside strings (it escapes U+0000-U+001F itself).
_JSON_RAW = re.compile(f"[{_OTHERS}]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def clean(text: Any, *, lines: bool = False) -> str:
    """``str(text)`` with every unsafe character written as an escape; ``lines``: keep line breaks."""
    return (_UNSAFE_BUT_NEWLINE if lines else _UNSAFE_ANY).sub(_escape, str(text))


def out(*parts: Any, sep: str = " ", file: TextIO | None = None, lines: bool = True) -> None:
    """``print`` for the command line: the parts joined and cleaned (line breaks kept unless ``lines``
    is false), then flushed."""
    print(clean(sep.join(str(p) for p in parts), lines=lines), file=file or sys.stdout, flush=True)


def err(*parts: Any, sep: str = " ") -> None:
    """:func:`out` on stderr."""
    out(*parts, sep=sep, file=sys.stderr)


def write_json(obj: Any, stream: TextIO | None = None, *, lines: bool = False) -> None:
    """``obj`` as JSON (one line with ``lines``, else indented) with no raw control character in it."""
    text = json.dumps(obj, ensure_ascii=False, indent=None if lines else 2)
    (stream or sys.stdout).write(_JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
