"""CI floors of the judge on the fixed samples vendored in tests/data (no outside data needed).

What the samples measure (``unspun eval distortions --fixed-sample``): VitaminC typed-edit recall 0.947 at
precision 1.000; PAN no-obfuscation 0 shown flags; PAN summary 0.08 shown flags per pair; PAN
translation 2.0 shown flags per 1,000 reused words (2 flags on 997 words). The floors leave room for
one or two flips, not for a regression.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from unspun.evaluation.judge_eval import run_sets


@pytest.fixture(scope="module")
def results():
    rs = run_sets(["vitaminc", "pan-verbatim", "pan-translation", "pan-summary"], fixed_sample=True)
    return {r.name.split(" (")[0]: r for r in rs}


def test_vitaminc_real_revisions_flagged_on_the_changed_words(results):
    r = results["vitaminc"]
    assert r.cases >= 40
    assert r.recall() >= 0.90, r.examples
    assert r.precision() >= 0.95, r.examples
    assert r.real_share("high") >= 0.95


def test_pan_verbatim_copies_carry_no_shown_flag(results):
    r = results["pan-verbatim"]
    assert r.cases == 12 and r.reused_words > 500
    assert r.false_alarms == 0, r.examples


def test_pan_summaries_at_most_one_shown_flag_per_pair(results):
    r = results["pan-summary"]
    assert r.cases == 12
    assert r.per_case() <= 0.34, r.examples


def test_pan_translation_chain_false_alarm_rate(results):
    r = results["pan-translation"]
    assert r.cases == 12
    assert r.per_1000() <= 4.0, r.examples


def test_missing_corpus_is_an_error_not_a_table_of_zeros(tmp_path):
    env = {"UNSPUN_VITAMINC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    p = subprocess.run([sys.executable, "-m", "unspun", "eval", "distortions", "--set", "vitaminc"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 2
    assert p.stdout == ""
    assert "vitaminc" in p.stderr and "real-test.jsonl" in p.stderr and "Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-m", "unspun", "eval", "distortions", "--set", "nonsense"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "unknown set" in p.stderr
