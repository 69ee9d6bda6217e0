"""Turning bytes from files into text, with errors a person can act on.

Decoding rules, in order:

1. Known binary formats (PNG, JPEG, GIF, PDF, gzip, ZIP, ELF, bzip2, xz, zstd,
   SQLite, WebAssembly) are rejected by their magic bytes.
2. A byte-order mark decides: UTF-8, UTF-32 (LE/BE), UTF-16 (LE/BE).
3. BOM-less UTF-16 is recognised from its zero bytes (ASCII-heavy text) or, for
   other scripts, from a strict decode that yields printable text with spaces.
4. Valid UTF-8 is taken as is.  Text that is UTF-8 with a few damaged bytes
   (more valid multi-byte characters than bad bytes) is decoded with U+FFFD
   in place of each bad byte.
5. Otherwise a legacy encoding: cp1252 when it decodes the bytes into
   plausible Western text, else the best guess of ``charset_normalizer``
   (cp1251, Shift-JIS, GB18030 ...); if nothing fits, an error.

Finally :func:`check_text` rejects empty or whitespace-only text and binary data
in disguise (more than 25 % control characters) and removes stray NUL characters.

Every failure is an :class:`~unspun.errors.InputError` whose message starts with
the file name.  The error also carries two attributes for callers that sort
failures (``unspun.ingest`` does): ``kind`` — one of ``"not found"``,
``"permission denied"``, ``"not a file"``, ``"symlink loop"``, ``"too big"``,
``"empty"``, ``"binary"``, ``"undecodable"``, ``"unreadable"`` — and ``detail``,
the message without the name.
"""
from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata

from .errors import InputError

#: Default cap on one document, in bytes (configurable per call and by UNSPUN_MAX_DOC_BYTES).
DEFAULT_MAX_DOC_BYTES = 50 * 1024 * 1024

#: Share of control characters above which decoded "text" is treated as binary data.  Generous on
#: purpose: a few PAN 2013 sources (Hindi in a legacy font encoding) are ~12 % control characters.
MAX_CONTROL_SHARE = 0.25

_BINARY_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"(\xb5/\xfd", "zstd-compressed data"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x00asm", "a WebAssembly module"),
)
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")

_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# C0 controls other than tab, line feed, vertical tab, form feed, carriage return and escape.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def input_error(name: str, kind: str, detail: str) -> InputError:
    """An :class:`InputError` reading ``"<name>: <detail>"`` with ``kind`` and ``detail`` attached."""
    err = InputError(f"{name}: {detail}")
    err.kind = kind  # type: ignore[attr-defined]
    err.detail = detail  # type: ignore[attr-defined]
    return err


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


def binary_kind(data: bytes) -> str | None:
    """Name the binary format ``data`` starts with (``"a PNG image"``), or None."""
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            return what
    if _BZIP2.match(data):
        return "bzip2-compressed data"
    return None


def _printable_share(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for c in text if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") and c not in "\t\n\r\f\v")
    return 1.0 - bad / len(text)


def _looks_utf16(data: bytes) -> str | None:
    """Guess BOM-less UTF-16: from the zero bytes of ASCII-heavy text, else from a clean decode."""
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
    if len(data) % 2 or sample.count(0) < 0.01 * len(sample):
        return None
    # Non-Latin scripts: few zero bytes, but spaces and newlines are 0x20 0x00 (LE) or 0x00 0x20 (BE).
    best, best_spaces = None, 0
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        spaces = text.count(" ") + text.count("\n")
        if spaces > best_spaces and _printable_share(text[:4096]) > 0.98:
            best, best_spaces = enc, spaces
    return best


def decode_bytes(data: bytes, name: str = "input") -> str:
    """Decode a document's bytes to ``str`` or raise :class:`InputError` naming ``name`` and the reason."""
    if not data:
        raise input_error(name, "empty", "the file is empty")
    what = binary_kind(data)
    if what is not None:
        raise input_error(name, "binary", f"this is {what}, not text")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom):], encoding, name)
            break
    else:
        enc16 = _looks_utf16(data)
        if enc16 is not None:
            text = _strict(data, enc16, name)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                text = _legacy(data, name, err)
    return check_text(text, name)


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise input_error(name, "undecodable", f"looks like {encoding} but byte {err.start} cannot be decoded") from None


def _plausible_western(text: str) -> bool:
    """cp1252 decodes nearly anything; accept it only where accented letters are the exception."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    non_ascii = sum(1 for c in letters if ord(c) > 127)
    return non_ascii <= 0.3 * len(letters)


def _legacy(data: bytes, name: str, err: UnicodeDecodeError) -> str:
    sample = data[:65536]
    if len(_CONTROL_BYTES.findall(sample)) > 0.01 * len(sample):
        raise input_error(name, "binary", "binary data (control bytes), not text")
    # UTF-8 with a few damaged bytes: keep the UTF-8, mark each bad byte with U+FFFD.
    replaced = data.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    if len(_UTF8_MULTIBYTE.findall(data)) >= max(1, bad):
        return replaced
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausible_western(text):
        return text
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
    if text is not None:
        return text
    raise input_error(
        name, "undecodable",
        f"not valid UTF-8 (byte {err.start}) and no other text encoding fits; convert it to UTF-8, e.g. with iconv",
    )


def check_text(text: str, name: str = "input") -> str:
    """Reject text that is empty, whitespace only, or binary in disguise. Stray NUL characters are removed."""
    controls = len(_CONTROL.findall(text))
    if controls and controls > MAX_CONTROL_SHARE * len(text):
        raise input_error(name, "binary", f"binary data ({controls} control characters), not text")
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.strip():
        raise input_error(name, "empty", "the file has no text (empty or whitespace only)")
    return text


def os_error(name: str, err: OSError) -> InputError:
    """The :class:`InputError` for an ``OSError`` met while opening or reading ``name``."""
    if isinstance(err, FileNotFoundError):
        if os.path.islink(name):
            return input_error(name, "not found", "is a broken symbolic link")
        return input_error(name, "not found", "no such file")
    if isinstance(err, PermissionError):
        return input_error(name, "permission denied", "permission denied")
    if isinstance(err, IsADirectoryError):
        return input_error(name, "not a file", "is a directory, not a file")
    if err.errno == errno.ELOOP:
        return input_error(name, "symlink loop", "symbolic link loop")
    return input_error(name, "unreadable", f"cannot be read ({err.strerror or err})")


def read_bytes(path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
    """Read a regular file's bytes, at most ``max_bytes`` (default :func:`max_doc_bytes`).

    Never blocks on a FIFO or device and never reads more than the limit plus one byte.
    """
    name = os.fspath(path)
    limit = max_doc_bytes(max_bytes)
    try:
        st = os.stat(name)
        if stat.S_ISDIR(st.st_mode):
            raise input_error(name, "not a file", "is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise input_error(name, "not a file", "is not a regular file (a device, pipe or socket)")
        if st.st_size > limit:
            raise input_error(
                name, "too big",
                f"{st.st_size:,} bytes is over the {limit:,}-byte limit for one document "
                "(raise it with UNSPUN_MAX_DOC_BYTES)",
            )
        with open(name, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as err:
        raise os_error(name, err) from None
    if len(data) > limit:
        raise input_error(name, "too big", f"over the {limit:,}-byte limit for one document (raise it with UNSPUN_MAX_DOC_BYTES)")
    return data


def read_text(path: str | os.PathLike[str], max_bytes: int | None = None) -> str:
    """Read a text file as ``str``; every failure is an :class:`InputError` naming the file."""
    return decode_bytes(read_bytes(path, max_bytes), os.fspath(path))
