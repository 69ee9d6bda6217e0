"""The README is executable: its two start commands are what CI and a newcomer run, every `unspun` command line
it shows parses, its library example runs, its JSON sample is the real output's shape, and its links resolve."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import unspun
from unspun.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
UNSPUN = Path(sys.executable).with_name("unspun")
SEED_A = "seed-000_39c885e149670517.txt"
SEED_B = "seed-002_9a117862eab7609d.txt"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def _start_command(n: int) -> str:
    """The command under the README's comment ``# n. ...`` in "Start here"."""
    for block in _blocks("sh"):
        lines = block.strip().splitlines()
        if lines and lines[0].startswith(f"# {n}."):
            return lines[1].strip()
    raise AssertionError(f"README has no start command {n}")


def _unspun_lines() -> list[list[str]]:
    out = []
    for block in _blocks("sh"):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].split(" > ", 1)[0].strip()
            if line.startswith("#"):
                continue
            for part in line.split("&&"):
                words = shlex.split(part.strip())
                if words and words[0] == ".venv/bin/unspun":
                    out.append(words[1:])
    return out


def _in_tmp_with_examples(tmp_path: Path) -> Path:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    return tmp_path


def test_ci_runs_exactly_readme_command_2():
    ci = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln.strip() and not ln.startswith(("#", "set ", "cd "))]
    assert ci == [_start_command(2)]


def test_every_unspun_command_line_in_the_readme_parses():
    lines = _unspun_lines()
    assert len(lines) >= 12
    parser = build_parser()
    for words in lines:
        try:
            parser.parse_args(words)
        except SystemExit as exc:  # argparse refuses: the README shows a command that does not exist
            raise AssertionError(f"README command does not parse: unspun {shlex.join(words)}") from exc


def test_readme_command_1_from_a_cold_cli_shows_the_seed_pair_on_the_first_screen(tmp_path):
    cwd = _in_tmp_with_examples(tmp_path)
    steps = [p.strip() for p in _start_command(1).split("&&") if p.strip().startswith(".venv/bin/unspun")]
    assert len(steps) == 2
    out = ""
    for step in steps:  # each a new process, as the newcomer runs them
        res = subprocess.run([str(UNSPUN), *shlex.split(step)[1:]], cwd=cwd, capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stderr[-2000:]
        out = res.stdout
    first_screen = "\n".join(out.splitlines()[:80])
    assert SEED_A in first_screen and SEED_B in first_screen, out[:4000]


def test_the_library_example_runs(tmp_path, capsys, monkeypatch):
    python = [b for b in _blocks("python") if "unspun.compare" in b]
    assert len(python) == 1
    monkeypatch.chdir(_in_tmp_with_examples(tmp_path))
    exec(compile(python[0], "README.md", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert "quote-altered" in out and SEED_A in out
    assert (tmp_path / "news.unspun").exists()


def test_the_json_sample_has_the_real_shape():
    sample = next(b for b in _blocks("json") if '"passages"' in b)
    shown = json.loads(sample)
    corpus = ROOT / "examples" / "corpus"
    real = unspun.compare(unspun.Document.from_path(corpus / SEED_A), unspun.Document.from_path(corpus / SEED_B)).to_dict()
    assert list(shown) == list(real)
    for side in ("a", "b"):  # from_path ids are the paths given; the sample shows the index's ids (file names)
        assert shown[side] == {**real[side], "id": Path(real[side]["id"]).name}
    assert shown["original"] == real["original"]
    assert shown["passages"][0] == real["passages"][0]
    for key in ("evidence", "distortions"):
        assert set(shown[key][0]) == set(real[key][0])
    assert shown["distortions"][0]["kind"] in {d["kind"] for d in real["distortions"]}
    assert set(shown["sentence_map"]) == set(real["sentence_map"])
    assert shown["sentence_map"]["links"][0] in real["sentence_map"]["links"]


def test_every_link_in_the_readme_resolves():
    targets = re.findall(r"\]\(([^)#]+)\)", README) + re.findall(r"`((?:docs|examples|tests|scripts|benchmarks)/[^`*\s]+)`", README)
    local = [t for t in targets if not t.startswith("http")]
    assert len(local) >= 8
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, missing


@pytest.mark.parametrize("name", ["README.md"])
def test_the_readme_is_a_guide_not_a_notebook(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    assert len(text.encode()) <= 12 * 1024
    assert not re.search(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b", re.sub(r"seed-\d+_[0-9a-f]+", "", text)), "commit hashes belong in docs/"
    assert "previous round" not in text.lower()
