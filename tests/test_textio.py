"""unspun.textio: bytes -> text on awkward input (encodings, binary data, special files)."""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unspun.errors import InputError
from unspun.textio import binary_kind, check_text, decode_bytes, read_bytes, read_text

# Text that exercises Unicode: emoji with skin tone, Hebrew (RTL), a combining accent,
# a zero-width space, an RTL override, and CJK.
TRICKY = "Emoji 👍🏽 שלום עולם cafe\u0301 zero\u200bwidth \u202eRTL\u202c 日本語のテキスト."


def kind_of(data: bytes, name: str = "f.txt") -> tuple[str, str]:
    with pytest.raises(InputError) as info:
        decode_bytes(data, name)
    msg = str(info.value)
    assert msg.startswith(f"{name}: ") and "\n" not in msg
    return info.value.kind, msg


def test_utf8_and_bom():
    assert decode_bytes(TRICKY.encode("utf-8")) == TRICKY
    assert decode_bytes(b"\xef\xbb\xbf" + TRICKY.encode("utf-8")) == TRICKY


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(encoding):
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    assert decode_bytes(bom + TRICKY.encode(encoding)) == TRICKY


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text",
    ["Plain English text, mostly ASCII.\nSecond line.", "Привет мир, это текст на русском языке.\nЕщё строка."],
)
def test_utf16_without_bom(encoding, text):
    assert decode_bytes(text.encode(encoding)) == text


def test_cp1252():
    text = "The café served crème brûlée — “naïve” façade, 5 €."
    assert decode_bytes(text.encode("cp1252")) == text
    assert decode_bytes("caf\xe9".encode("cp1252")) == "café"


def test_cp1251_cyrillic_is_not_read_as_cp1252():
    text = "Привет мир, это текст на русском языке. Ещё немного текста для определения."
    assert decode_bytes(text.encode("cp1251")) == text


def test_utf8_with_one_damaged_byte_keeps_the_utf8():
    data = "Café crème, naïve façade. ".encode() * 3 + b"\xff tail"
    text = decode_bytes(data)
    assert text == "Café crème, naïve façade. " * 3 + "\ufffd tail"


@pytest.mark.parametrize(
    "data,what",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG"),
        (gzip.compress(b"hello world"), "gzip"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(64), "ELF"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"PK\x03\x04\x14\x00" + bytes(40), "ZIP"),
        (b"BZh91AY&SY" + bytes(20), "bzip2"),
        (bytes(range(256)) * 8, "control"),
    ],
)
def test_binary_is_rejected_with_its_name(data, what):
    kind, msg = kind_of(data)
    assert kind == "binary"
    assert what in msg


def test_text_that_merely_starts_like_a_magic_number_is_text():
    for text in ("GIF8 is not an image", "BZh is a word", "PK is a tag"):
        assert binary_kind(text.encode()) is None
        assert decode_bytes(text.encode()) == text


def test_nul_bytes():
    assert decode_bytes(b"stray\x00 NUL in a line of text") == "stray NUL in a line of text"
    kind, msg = kind_of(b"a\x00\x00\x00\x00b\x00\x00")
    assert kind == "binary" and "control" in msg


PAN_SRC = Path(__file__).resolve().parent / "data" / "pan13" / "src"


def test_pan_sources_with_legacy_control_characters_are_text():
    # Hindi in a legacy font encoding: valid UTF-8 (all ASCII), ~10-12 % control characters.
    for n in ("00027", "00575", "01077"):
        p = PAN_SRC / f"source-document{n}.txt"
        assert read_text(p).replace("\x00", "") == p.read_bytes().decode("utf-8").replace("\x00", "")


def test_valid_utf8_full_of_control_characters_is_binary():
    assert kind_of(b"\x01\x02\x03\x04\x05\x06abc\x07\x08" * 20)[0] == "binary"


def test_empty_and_whitespace():
    assert kind_of(b"")[0] == "empty"
    assert kind_of(b" \n\t \r\n")[0] == "empty"
    with pytest.raises(InputError):
        check_text("   ", "x")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=200))
def test_unicode_round_trips_through_utf8_and_utf16(text):
    """Naive reference: decoding what Python encoded gives the text back unchanged."""
    if not text.strip() or text.startswith("\ufeff"):
        return
    data = text.encode("utf-8")
    if binary_kind(data) is None:
        assert decode_bytes(data) == text
    assert decode_bytes(b"\xff\xfe" + text.encode("utf-16-le")) == text
    assert decode_bytes(b"\xfe\xff" + text.encode("utf-16-be")) == text


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_decode_bytes_returns_text_or_one_line_error(data):
    try:
        text = decode_bytes(data, "blob")
    except InputError as err:
        assert str(err).startswith("blob: ") and "\n" not in str(err)
        assert err.kind in {"empty", "binary", "undecodable"}
    else:
        assert text.strip() and "\x00" not in text


# ----------------------------------------------------------------------------- files


def read_error(path, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        read_text(path, **kw)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)
    return info.value


def test_read_text_file(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(TRICKY.encode("utf-16"))
    assert read_text(p) == TRICKY


def test_missing_directory_and_broken_link(tmp_path):
    assert read_error(tmp_path / "nope.txt").kind == "not found"
    assert read_error(tmp_path).kind == "not a file"
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    err = read_error(tmp_path / "dangling.txt")
    assert err.kind == "not found" and "broken symbolic link" in str(err)


def test_symlink_loop(tmp_path):
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    assert read_error(tmp_path / "a.txt").kind == "symlink loop"


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert read_error(fifo).kind == "not a file"


def test_too_big(tmp_path, monkeypatch):
    p = tmp_path / "big.txt"
    p.write_text("x" * 1000)
    err = read_error(p, max_bytes=100)
    assert err.kind == "too big" and "UNSPUN_MAX_DOC_BYTES" in str(err)
    monkeypatch.setenv("UNSPUN_MAX_DOC_BYTES", "10")
    assert read_error(p).kind == "too big"
    assert len(read_bytes(p, 1000)) == 1000


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("secret")
    p.chmod(0)
    try:
        assert read_error(p).kind == "permission denied"
    finally:
        p.chmod(0o600)

