"""Every ``--json`` the CLI prints (``compare``, ``check``, ``scan``) validates against the service's response
models (``unspun.service.models``) and is what the service answers for the same request: the real CLI in a
subprocess on real files, the real app on the same index file."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from servers import local
from unspun.service import create_app
from unspun.service.models import CheckOut, ClusterOut, MatchOut

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "corpus"
FILES = ("seed-000_39c885e149670517.txt", "seed-002_9a117862eab7609d.txt", "forum/tony-mendez-obituary.txt",
         "wikinews")


def unspun(*args: str) -> str:
    r = subprocess.run([sys.executable, "-m", "unspun", *args], capture_output=True, text=True, timeout=600,
                       env={**os.environ, "COLUMNS": "120"})
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    return r.stdout


def undeclared(model: BaseModel, path: str = "$") -> set[str]:
    """The fields of a validated body that its model does not declare (the models allow extra fields, so a
    field the CLI adds would validate unseen): dotted paths, lists as ``[]``."""
    out = {f"{path}.{k}" for k in (model.model_extra or {})}
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                out |= undeclared(item, f"{path}.{name}" + ("[]" if isinstance(value, list) else ""))
    return out


def validate(model: type[BaseModel], body: Any) -> set[str]:
    return undeclared(model.model_validate(body))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, str]:
    """A folder with the seed pair, a news story and the Wikinews stories, and its index made by the CLI."""
    d = tmp_path_factory.mktemp("json")
    for name in FILES:
        src = CORPUS / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, d / Path(name).name)
    db = str(d / "x.unspun")
    unspun("index", "add", str(d), "--db", db, "--quiet")
    return d, db


@pytest.fixture(scope="module")
def service(corpus):
    with local(create_app(corpus[1])) as client:
        yield client


def doc_in(path: Path) -> dict[str, str]:
    return {"id": str(path), "text": path.read_text(encoding="utf-8")}


def test_compare_json_is_the_services_match(corpus, service):
    d, _ = corpus
    a, b = d / FILES[0], d / FILES[1]
    cli = json.loads(unspun("compare", str(a), str(b), "--json"))
    extra = validate(MatchOut, cli)
    r = service.post("/compare", json={"a": doc_in(a), "b": doc_in(b)})
    assert r.status_code == 200, r.text
    assert cli == r.json()
    assert extra == validate(MatchOut, r.json()) == set()  # the models declare every field
    assert cli["passages"] and cli["original"] == "a"


def test_check_json_is_the_services_check(corpus, service):
    d, db = corpus
    query = d.parent / "query-copy.txt"  # not in the index: the spun copy of the seed, under another name
    shutil.copy(d / FILES[1], query)
    cli = json.loads(unspun("check", str(query), "--db", db, "--json", "-k", "5"))
    extra = validate(CheckOut, cli)
    assert extra == set()
    r = service.post("/check", json={"document": doc_in(query), "k": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert extra == validate(CheckOut, body)
    assert cli["query"]["id"] == body["query"]["id"] == str(query)
    assert [(m["a"]["id"], m["b"]["id"]) for m in cli["matches"]] == [(m["a"]["id"], m["b"]["id"]) for m in body["matches"]]
    assert cli["matches"] == body["matches"]
    assert {FILES[0], FILES[1]} <= {m["a"]["id"] for m in cli["matches"]}  # the seed pair, stored under its file names


def test_scan_json_is_the_services_scan_result_in_the_same_order(corpus, service):
    _, db = corpus
    cli = [json.loads(line) for line in unspun("scan", "--db", db, "--json", "--quiet").splitlines()]
    assert len(cli) >= 2
    extras = set().union(*(validate(ClusterOut, c) for c in cli))
    job = service.post("/scans", json={}).json()["id"]
    deadline = time.time() + 300
    while (st := service.get(f"/scans/{job}").json())["status"] in ("queued", "running") and time.time() < deadline:
        time.sleep(0.3)
    assert st["status"] == "done", st
    clusters = st["result"]["clusters"]
    assert extras == set().union(*(validate(ClusterOut, c) for c in clusters)) == set()
    assert [c["documents"] for c in cli] == [c["documents"] for c in clusters]  # one cluster order
    assert cli == clusters
