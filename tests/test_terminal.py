"""Control characters in document text, file names and ids never reach the terminal raw (issue 15 item 7).

Real files whose names and texts carry ESC/OSC/CSI sequences, C1 controls and bidi overrides, driven through
the real CLI (``python -m unspun`` in a subprocess): every byte it writes is checked, and the escapes it
prints instead are looked for, so a test passes only where the hostile characters were in the output."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unspun.cli.terminal import clean

ROOT = Path(__file__).resolve().parents[1]
STORY = (ROOT / "examples" / "corpus" / "forum" / "tony-mendez-obituary.txt").read_text(encoding="utf-8")

#: What a terminal must never get raw: C0 but the line break, DEL, C1, line/paragraph separators, bidi controls.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
HOSTILE = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil\u2066 "
SHOWN = "\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202eevil\\u2066 "
BIDI = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}


def unspun(*args: str) -> tuple[int, str, str]:
    """Run the CLI; its stdout and stderr as written (bytes decoded, no newline translation)."""
    r = subprocess.run([sys.executable, "-m", "unspun", *args], capture_output=True, timeout=300,
                       env={**os.environ, "COLUMNS": "200"})
    out, err = r.stdout.decode("utf-8"), r.stderr.decode("utf-8")
    assert not RAW.search(out), f"raw control character on stdout: {RAW.search(out).group()!r}"
    assert not RAW.search(err), f"raw control character on stderr: {RAW.search(err).group()!r}"
    assert "Traceback" not in err
    return r.returncode, out, err


@pytest.fixture()
def hostile(tmp_path) -> Path:
    """A story and a copy of it, both starting with the hostile sequence, under hostile file names; a file
    that cannot be read and one that is passed over, both with hostile names."""
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "story\x1b]0;pwned\x07.txt").write_text(HOSTILE + STORY, encoding="utf-8")
    (d / "copy\x1b[2J\u202e.txt").write_text(HOSTILE + STORY.replace("Mendez", "Mendes"), encoding="utf-8")
    (d / "empty\x1b[31m.txt").write_bytes(b"")
    (d / "notes\x1b[5m.pdf").write_bytes(b"%PDF-1.4")
    return d


def test_compare_escapes_the_text_it_quotes(hostile):
    a, b = sorted(str(p) for p in hostile.glob("[cs]*.txt"))[::-1]
    code, out, _ = unspun("compare", a, b)
    assert code == 0 and SHOWN.strip() in out  # the passage's excerpt, escaped
    code, out, _ = unspun("compare", a, b, "--json")
    assert code == 0 and json.loads(out)["passages"]
    code, _, err = unspun("compare", str(hostile / "gone\x1b]0;x\x07.txt"), b)
    assert code == 2 and err == f"unspun: error: {hostile}/gone\\x1b]0;x\\x07.txt: no such file\n"


def test_index_add_ls_scan_check_rm_escape_names_ids_and_text(hostile, tmp_path):
    db = str(tmp_path / "x.unspun")
    code, out, _ = unspun("index", "add", str(hostile), "--db", db, "--no-vectors")
    assert code == 0 and "added 2" in out
    assert f"  {hostile}/empty\\x1b[31m.txt: the file is empty" in out
    assert f"  {hostile}/notes\\x1b[5m.pdf: ignored (unsupported file type)" in out
    # ids keep no control character (the file names' are dropped); a bidi override (a format character, which
    # ingest keeps) is printed escaped
    code, out, _ = unspun("index", "ls", "--db", db)
    assert code == 0 and out.splitlines() == ["copy[2J\\u202e.txt", "story]0;pwned.txt"]
    code, out, _ = unspun("index", "ls", "--db", db, "--json")
    assert '"copy[2J\\u202e.txt"' in out
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["copy[2J\u202e.txt", "story]0;pwned.txt"]

    code, out, _ = unspun("scan", "--db", db, "--top", "1")
    assert code == 0 and "=== cluster 1 of 1: 2 documents, 1 linked pair;" in out and SHOWN.strip() in out
    code, out, _ = unspun("scan", "--db", db, "--json")
    assert code == 0 and json.loads(out)["documents"] == ["copy[2J\u202e.txt", "story]0;pwned.txt"]

    query = tmp_path / "query\x1b]2;t\x07.txt"
    query.write_text(HOSTILE + STORY, encoding="utf-8")
    code, out, _ = unspun("check", str(query), "--db", db, "-k", "1")
    assert code == 0 and f"and {tmp_path}/query\\x1b]2;t\\x07.txt (B)" in out and SHOWN.strip() in out
    code, out, _ = unspun("check", str(query), "--db", db, "--json")
    assert code == 0 and json.loads(out)["query"]["id"] == f"{tmp_path}/query]2;t.txt"

    code, out, err = unspun("index", "rm", "\x1b[2Jnope", "--db", db)
    assert code == 1 and err == "  not in the index: \\x1b[2Jnope\n"
    code, _, err = unspun("index", "stats", "--db", str(tmp_path / "none\x1b[2J.unspun"))
    assert code == 2 and "none\\x1b[2J.unspun" in err and err.count("\n") == 1


def test_usage_errors_escape_what_was_typed():
    code, _, err = unspun("\x1b]0;owned\x07")
    assert code == 2 and "\\x1b]0;owned\\x07" in err


def test_json_output_escapes_what_json_leaves_raw(tmp_path):
    """JSON escapes U+0000-U+001F itself; C1, DEL, separators and bidi controls are escaped by the CLI, and a
    JSON reader gets the same strings back."""
    lines = [{"id": "a\x9bb\u202e", "text": HOSTILE + STORY, "title": "t"}, {"id": "copy", "text": HOSTILE + STORY}]
    src = tmp_path / "docs.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    db = str(tmp_path / "j.unspun")
    assert unspun("index", "add", str(src), "--db", db, "--no-vectors")[0] == 0
    code, out, _ = unspun("scan", "--db", db, "--json")
    assert code == 0
    assert "a\\u009bb" not in out and "\\u202e" in out  # C1 dropped from the id by ingest; the bidi override kept, escaped
    cluster = json.loads(out)
    assert cluster["documents"] == ["ab\u202e", "copy"]  # ids lose control characters (ingest), keep format ones
    details = [d["detail"] for p in cluster["pairs"] for d in p["distortions"]]
    assert all(isinstance(x, str) for x in details)


def test_ids_keep_no_control_character_or_line_break(tmp_path):
    """Ids made from file names and given in JSONL lose every control character and line break (ingest), so
    one id is one line of ``index ls`` and one key everywhere."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "two\nlines\r\x85.txt").write_text(STORY, encoding="utf-8")
    rows = [{"id": "x\r\ny\x00z\u2028w", "text": STORY.replace("Mendez", "Mendes")},
            {"id": "\n\x1b\t", "text": "Nothing but a control-character id, and a text of its own about tides."}]
    (d / "docs.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    db = str(tmp_path / "ids.unspun")
    assert unspun("index", "add", str(d), "--db", db, "--no-vectors")[0] == 0
    code, out, _ = unspun("index", "ls", "--db", db, "--json")
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    assert code == 0 and len(ids) == 3
    assert "twolines.txt" in ids and "xyzw" in ids, ids  # the third: an id of nothing but controls gets a made-up one
    assert all(not RAW.search(i) and "\n" not in i and i.strip() == i and i for i in ids), ids
    assert unspun("index", "ls", "--db", db)[1].splitlines() == sorted(ids)


# ------------------------------------------------------------------ clean() against a naive reference


def reference_clean(text: str, lines: bool) -> str:
    out = []
    for c in text:
        n = ord(c)
        unsafe = (unicodedata.category(c) == "Cc" or n in (0x2028, 0x2029) or n in BIDI) and not (lines and c == "\n")
        out.append((f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}") if unsafe else c)
    return "".join(out)


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list(HOSTILE + "\n\t\r\u2028\u2029\u2067"))),
       st.booleans())
def test_clean_matches_the_naive_reference(text, lines):
    got = clean(text, lines=lines)
    assert got == reference_clean(text, lines)
    assert not RAW.search(got.replace("\n", "") if lines else got)
