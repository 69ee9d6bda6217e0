"""Turning bytes from files into text, with errors a person can act on.

UTF-8 is the norm (a BOM is accepted); UTF-16 with or without BOM and legacy
single-byte encodings such as cp1252 are detected; binary data is rejected.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError

#: Default cap on one document, in bytes (configurable per call and by UNSPUN_MAX_DOC_BYTES).
DEFAULT_MAX_DOC_BYTES = 50 * 1024 * 1024

_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "gzip-compressed data",
    b"PK\x03\x04": "a ZIP archive",
    b"\x7fELF": "an ELF executable",
    b"BZh": "bzip2-compressed data",
    b"\xfd7zXZ": "xz-compressed data",
    b"(\xb5/\xfd": "zstd-compressed data",
    b"SQLite format 3": "an SQLite database",
}


def max_doc_bytes(override: int | None = None) -> int:
    if override is not None:
        return override
    env = os.environ.get("UNSPUN_MAX_DOC_BYTES")
    if env:
        try:
            return int(env)
        except ValueError:
            raise InputError(f"UNSPUN_MAX_DOC_BYTES must be a whole number of bytes, not {env!r}") from None
    return DEFAULT_MAX_DOC_BYTES


def _looks_utf16(data: bytes) -> str | None:
    """Guess BOM-less UTF-16 from the pattern of zero bytes in ASCII-heavy text."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2]
    odd = sample[1::2]
    z_even = even.count(0) / max(1, len(even))
    z_odd = odd.count(0) / max(1, len(odd))
    if z_odd > 0.3 and z_even < 0.05:
        return "utf-16-le"
    if z_even > 0.3 and z_odd < 0.05:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, name: str = "input") -> str:
    """Decode a document's bytes to ``str`` or raise :class:`InputError` naming ``name`` and the reason."""
    if not data:
        raise InputError(f"{name}: the file is empty")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"{name}: this is {what}, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        text = _strict(data[3:], "utf-8", name)
    elif data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        text = _strict(data, "utf-16", name)
    elif (enc16 := _looks_utf16(data)) is not None:
        text = _strict(data, enc16, name)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            text = _detect(data, name, err)
    return check_text(text, name)


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise InputError(f"{name}: looks like {encoding} but byte {err.start} cannot be decoded") from None


def _detect(data: bytes, name: str, err: UnicodeDecodeError) -> str:
    control = sum(1 for b in data[:65536] if b < 9 or 13 < b < 32)
    if control > 0.01 * min(len(data), 65536):
        raise InputError(f"{name}: binary data (control bytes), not text")
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a core dependency
        best = None
    else:
        best = from_bytes(data[: 1 << 20]).best()
    if best is not None and best.encoding and best.encoding.replace("_", "-") not in ("utf-8", "ascii"):
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    raise InputError(
        f"{name}: not valid UTF-8 (byte {err.start}) and no other text encoding fits; "
        "convert it to UTF-8, e.g. with iconv"
    )


def check_text(text: str, name: str = "input") -> str:
    """Reject text that is empty, whitespace only, or binary in disguise. NUL bytes are removed."""
    if "\x00" in text:
        nul = text.count("\x00")
        if nul > 0.01 * len(text):
            raise InputError(f"{name}: binary data ({nul} NUL characters), not text")
        text = text.replace("\x00", "")
    if not text.strip():
        raise InputError(f"{name}: the file has no text (empty or whitespace only)")
    return text


def read_text(path: str | os.PathLike[str], max_bytes: int | None = None) -> str:
    """Read a text file as ``str``; every failure is an :class:`InputError` naming the file."""
    p = Path(path)
    name = str(path)
    limit = max_doc_bytes(max_bytes)
    try:
        if p.is_dir():
            raise InputError(f"{name}: is a directory, not a file")
        size = p.stat().st_size
        if size > limit:
            raise InputError(
                f"{name}: {size:,} bytes is over the {limit:,}-byte limit for one document "
                "(raise it with UNSPUN_MAX_DOC_BYTES)"
            )
        with p.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a file") from None
    except OSError as err:
        raise InputError(f"{name}: cannot be read ({err.strerror or err})") from None
    if len(data) > limit:
        raise InputError(f"{name}: over the {limit:,}-byte limit for one document")
    return decode_bytes(data, name)
