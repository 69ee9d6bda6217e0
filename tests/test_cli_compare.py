"""``unspun compare`` on real files, including every way a file can be unusable."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import SEED_COPY, SEED_ORIGINAL
from unspun import Document, compare
from unspun.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspun", *args], capture_output=True, text=True, timeout=300)


def test_json_is_exactly_match_to_dict(capsys):
    assert main(["compare", str(SEED_ORIGINAL), str(SEED_COPY), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = compare(
        Document(str(SEED_ORIGINAL), SEED_ORIGINAL.read_text(encoding="utf-8")),
        Document(str(SEED_COPY), SEED_COPY.read_text(encoding="utf-8")),
    ).to_dict()
    assert out == json.loads(json.dumps(expected))
    assert set(out) == {"a", "b", "passages", "coverage_a", "coverage_b", "original", "evidence", "distortions", "sentence_map"}
    assert out["a"]["length"] == len(SEED_ORIGINAL.read_text(encoding="utf-8"))
    for p in out["passages"]:
        assert set(p) == {"a", "b", "score", "kind"}


def test_table_output(capsys):
    assert main(["compare", str(SEED_ORIGINAL), str(SEED_COPY), "--json"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert main(["compare", str(SEED_ORIGINAL), str(SEED_COPY)]) == 0
    out = capsys.readouterr().out
    assert "A[" in out and "B[" in out
    # the header's coverage is Match.coverage_a/_b, named as what it measures
    lines = out.splitlines()
    assert lines[0] == (f"A: {SEED_ORIGINAL}  ({m['a']['length']:,} characters; {m['coverage_a']:.0%} of A's text is in "
                        "passages aligned with B)")
    assert lines[1].startswith(f"B: {SEED_COPY}  (") and f"{m['coverage_b']:.0%} of B's text is in passages aligned with A" in lines[1]


BAD = {
    "missing": None,
    "empty": b"",
    "whitespace": b"  \n\t \n",
    "png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 200,
    "gzip": b"\x1f\x8b\x08\x00" + bytes(range(256)),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_unusable_file_one_line_error_exit_2(tmp_path, case):
    path = tmp_path / f"{case}.txt"
    if BAD[case] is not None:
        path.write_bytes(BAD[case])
    r = run_cli("compare", str(path), str(SEED_COPY))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("unspun: error:") and str(path) in lines[0]
    assert r.stdout == ""


def test_directory_is_not_a_document(tmp_path):
    r = run_cli("compare", str(tmp_path), str(SEED_COPY))
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_cp1252_file_is_decoded(tmp_path, capsys):
    text = SEED_ORIGINAL.read_text(encoding="utf-8").replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("–", "-").replace("—", "-")
    p = tmp_path / "orig-cp1252.txt"
    p.write_bytes(text.encode("cp1252"))
    assert main(["compare", str(p), str(SEED_COPY), "--json", "--no-judge"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["passages"]
