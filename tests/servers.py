"""Helpers for the service's tests: the seed texts, an in-process client, and a real ``unspun serve`` process."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "corpus"
ORIGINAL = (CORPUS / "seed-000_39c885e149670517.txt").read_text(encoding="utf-8")
SPUN = (CORPUS / "seed-002_9a117862eab7609d.txt").read_text(encoding="utf-8")
FOX = "The quick brown fox jumps over the lazy dog near the river bank. " * 3
OTHER = "Completely different words about tax policy, budgets and the harvest season in autumn. " * 3


def natural_prose() -> str:
    """About 600 KB of natural English: the PAN 2013 fragments of tests/data/pan13-pieces, then the seed pair."""
    data = ROOT / "tests" / "data"
    files = sorted((data / "pan13-pieces").glob("*.txt")) + sorted((data / "seeds").glob("*.txt"))
    return "\n\n".join(p.read_text(encoding="utf-8") for p in files)


def prose(size: int, offset: int = 0) -> str:
    """``size`` characters of natural English (:func:`natural_prose`)."""
    return natural_prose()[offset : offset + size]


def local(app) -> TestClient:
    """An in-process client that talks to the app as a browser on this machine would (Host: localhost)."""
    return TestClient(app, base_url="http://localhost")


def is_error(r: httpx.Response, status: int, *words: str) -> dict:
    """``r`` is a one-line JSON error with this status, naming each of ``words``."""
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
    body = r.json()
    assert isinstance(body["error"], str) and "\n" not in body["error"] and "Traceback" not in r.text
    for w in words:
        assert w in body["error"], body["error"]
    return body


class Server:
    """A running ``unspun serve`` process: its URL, and everything it wrote to stderr so far."""

    def __init__(self, proc: subprocess.Popen, url: str, lines: list[str]):
        self.proc, self.url, self.lines = proc, url, lines

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def client(self, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kw.pop("timeout", 60), **kw)

    def worker_pids(self) -> set[int]:
        import psutil

        def is_worker(child: "psutil.Process") -> bool:  # not multiprocessing's trackers
            try:
                return "spawn_main" in " ".join(child.cmdline())
            except (psutil.ZombieProcess, psutil.NoSuchProcess):  # a child that exited meanwhile
                return False

        workers = {c.pid for c in psutil.Process(self.proc.pid).children() if is_worker(c)}
        return workers or {self.proc.pid}  # one worker: the process itself


@contextmanager
def serve(db: Path, *args: str, env: dict[str, str] | None = None, create: bool = True,
          timeout: float = 120) -> Iterator[Server]:
    """Start ``unspun serve --db db --port 0 ...`` on loopback and stop it (SIGTERM) afterwards."""
    cmd = [sys.executable, "-m", "unspun", "serve", "--db", str(db), "--port", "0", "--log-level", "info", *args]
    if create:
        cmd.append("--create")
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env={**os.environ, **(env or {})}, cwd=ROOT)
    lines: list[str] = []
    found: list[str] = []
    started = []
    ready = threading.Event()

    def pump() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.append(line)
            m = re.search(r"running on (http://[\d.]+:\d+)", line, re.I)
            if m and not found:
                found.append(m.group(1))
            if re.search(r"application startup complete", line, re.I):
                started.append(line)
            if found and started:  # one worker logs its startup first, several log it after the address
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        ready.wait(timeout)
        assert found, "the server did not start: " + "".join(lines)[-3000:]
        server = Server(proc, found[0], lines)
        _wait_answering(server, timeout)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_answering(server: Server, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if httpx.get(server.url + "/openapi.json", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if server.proc.poll() is not None:
            raise AssertionError("the server exited: " + server.log[-3000:])
        time.sleep(0.1)
    raise AssertionError("the server does not answer")
