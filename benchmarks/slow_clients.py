"""Slow clients against the real service: does a normal /check still get through?

Starts ``unspun serve`` on loopback (a free port, the service's default limits:
32 requests in flight per worker, a 10 s body timeout), adds the seed pair's
original, and measures ``POST /check`` of the spun copy every ``--every``
seconds, first with nobody else connected (the peer, in the same run), then
while ``--connections`` attackers each send headers with ``Content-Length:
100`` and a few bytes of body, then nothing, for ``--hold`` seconds.  An
attacker whose connection the server drops reconnects at once, as a real one
would, so the attack never lets up.  (Before the guard, 32 such connections
held every slot: every other request got 503 for as long as they stayed.)

Prints, for each phase, the /check answers by status and their latency
(p50, max), and how often the attackers were dropped; the target is every
/check answered (200) within 2 s while 40 connections are held for 30 s.

    .venv/bin/python benchmarks/slow_clients.py                 # 40 connections, 30 s
    .venv/bin/python benchmarks/slow_clients.py --workers 1 --hold 60
    PYTHONPATH=/path/to/an/older/checkout/src .venv/bin/python benchmarks/slow_clients.py   # that version's server
"""
from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import HOST, free_port, start_server, wait_ready  # noqa: E402

SEEDS = ROOT / "examples" / "corpus"
ORIGINAL = (SEEDS / "seed-000_39c885e149670517.txt").read_text(encoding="utf-8")
SPUN = (SEEDS / "seed-002_9a117862eab7609d.txt").read_text(encoding="utf-8")
HEAD = (f"POST /check HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n").encode() + b'{"te'


class Attackers:
    """``n`` connections that send a request's headers and then hold their body back, reconnecting when dropped."""

    def __init__(self, port: int, n: int):
        self.port, self.n = port, n
        self.stop = threading.Event()
        self.dropped = 0
        self.answers: dict[str, int] = {}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._hold, daemon=True) for _ in range(n)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def _hold(self) -> None:
        while not self.stop.is_set():
            try:
                with socket.create_connection((HOST, self.port), timeout=60) as s:
                    s.sendall(HEAD)
                    s.settimeout(0.5)
                    data = b""
                    while not self.stop.is_set():
                        try:
                            chunk = s.recv(4096)
                        except socket.timeout:
                            continue
                        if not chunk:
                            break
                        data += chunk
                status = data[9:12].decode("ascii", "replace") if data.startswith(b"HTTP/") else "closed"
                if not self.stop.is_set():
                    with self.lock:
                        self.dropped += 1
                        self.answers[status] = self.answers.get(status, 0) + 1
            except OSError:
                time.sleep(0.1)

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=5)


def measure(url: str, seconds: float, every: float) -> list[tuple[float, int | str]]:
    out = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter()
        try:
            with httpx.Client(base_url=url, timeout=60) as c:  # a fresh connection each time, as a new visitor's
                status: int | str = c.post("/check", json={"text": SPUN, "k": 3}).status_code
        except httpx.HTTPError as err:
            status = type(err).__name__
        out.append((time.perf_counter() - t, status))
        time.sleep(max(0.0, every - (time.perf_counter() - t)))
    return out


def summary(name: str, rows: list[tuple[float, int | str]]) -> str:
    lat = np.array([r[0] for r in rows]) * 1000
    statuses: dict[str, int] = {}
    for _, s in rows:
        statuses[str(s)] = statuses.get(str(s), 0) + 1
    return (f"  {name:34} {len(rows):4d} /check  answers {statuses}  p50 {np.percentile(lat, 50):7.1f} ms  "
            f"max {lat.max():7.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--connections", type=int, default=40, help="slow connections held (default 40)")
    ap.add_argument("--hold", type=float, default=30.0, help="seconds they are held (default 30)")
    ap.add_argument("--peer", type=float, default=10.0, help="seconds measured without them first (default 10)")
    ap.add_argument("--every", type=float, default=0.5, help="seconds between two /check requests (default 0.5)")
    ap.add_argument("--workers", type=int, default=None, help="the server's worker processes (default: the service's)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="unspun-slow-") as tmp:
        port = free_port()
        url = f"http://{HOST}:{port}"
        log = Path(tmp) / "server.log"
        from unspun.index import Index
        from unspun.types import Document

        with Index(Path(tmp) / "i.db") as ix:  # made here, so an older 'unspun serve' (PYTHONPATH) runs on it too
            ix.add([Document("original", ORIGINAL)])
        server = start_server(Path(tmp) / "i.db", port, log, *([f"--workers={args.workers}"] if args.workers else []))
        try:
            wait_ready(url, server, log)
            with httpx.Client(base_url=url, timeout=60) as c:
                assert c.post("/check", json={"text": SPUN}).status_code == 200  # loads what the first check needs
            peer = measure(url, args.peer, args.every)
            attack = Attackers(port, args.connections)
            attack.start()
            time.sleep(1.0)  # every attacker connected
            held = measure(url, args.hold, args.every)
            attack.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    ok = all(s == 200 for _, s in held) and max(r[0] for r in held) < 2.0
    print(f"unspun slow clients: {args.connections} connections sending headers and no body, held {args.hold:g} s "
          f"(reconnecting when dropped); /check every {args.every:g} s")
    print(f"  command: .venv/bin/python benchmarks/slow_clients.py --connections {args.connections} --hold {args.hold:g}"
          + (f" --workers {args.workers}" if args.workers else ""))
    print(summary("nobody else connected (peer):", peer))
    print(summary(f"{args.connections} slow connections held:", held))
    print(f"  attackers dropped by the server: {attack.dropped} times, answered {attack.answers}")
    print(f"  target (every /check answered 200 within 2 s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
