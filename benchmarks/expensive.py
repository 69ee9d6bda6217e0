"""Expensive texts through the real service: answered, or refused with a clear message, in bounded time?

Starts ``unspun serve`` on loopback with the service's default limits and sends,
one at a time, ``POST /compare`` (judge on) of:

* the seed pair (the peer: an ordinary request, measured in the same run);
* two 60 KB texts of one repeated sentence (issue 19: 7 s through /compare before the bounds, ~n³);
* 1 MB + 1 MB of natural text (PAN 2013 source documents, offset by a third so they share
  two thirds; issue 19: 7.8 s and 813 MB without the judge, over 400 s with it);
* 2 MB + 2 MB of the same (past the default --max-text-chars: refused at once).

Prints each request's status, wall time, the answer's size (passages, distortions)
or its error, and the server's RSS after it; targets: the repeated texts within 5 s,
1 MB + 1 MB within 10 s with the judge or refused past a documented limit.

    .venv/bin/python benchmarks/expensive.py                 # the PAN corpus from ../shared (or UNSPUN_PAN13_DIR)
    .venv/bin/python benchmarks/expensive.py --time-budget 60
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import HOST, free_port, rss_mb, start_server, wait_ready  # noqa: E402
from slow_clients import ORIGINAL, SPUN  # noqa: E402

from unspun.evaluation.datasets import pan13_dir  # noqa: E402


def natural(size: int) -> tuple[str, str]:
    text, parts = 0, []
    for f in sorted((pan13_dir() / "src").glob("*.txt")):
        parts.append(f.read_text(encoding="utf-8", errors="replace"))
        text += len(parts[-1])
        if text > 2 * size:
            break
    whole = "\n\n".join(parts)
    return whole[:size], whole[size // 3 : size // 3 + size]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-budget", type=float, default=None, help="the server's --time-budget (default: the service's)")
    ap.add_argument("--workers", type=int, default=1, help="the server's worker processes (default 1)")
    args = ap.parse_args()
    sentence = "The minister said the new budget would cut taxes for working families next year. "
    repeated = (sentence * (60_000 // len(sentence) + 1))[:60_000]
    one_a, one_b = natural(1_000_000)
    two_a, two_b = natural(2_000_000)
    cases = [
        ("seed pair (peer)", {"a": ORIGINAL, "b": SPUN}),
        ("60 KB + 60 KB, one repeated sentence", {"a": repeated, "b": repeated}),
        ("1 MB + 1 MB natural text", {"a": one_a, "b": one_b}),
        ("2 MB + 2 MB natural text", {"a": two_a, "b": two_b}),
    ]
    with tempfile.TemporaryDirectory(prefix="unspun-expensive-") as tmp:
        port = free_port()
        url = f"http://{HOST}:{port}"
        log = Path(tmp) / "server.log"
        server = start_server(Path(tmp) / "i.db", port, log, "--create", f"--workers={args.workers}",
                              *([f"--time-budget={args.time_budget}"] if args.time_budget else []))
        rows = []
        try:
            wait_ready(url, server, log)
            with httpx.Client(base_url=url, timeout=900) as c:
                c.post("/compare", json={"a": ORIGINAL, "b": SPUN})  # loads the models once, outside the figures
                for name, body in cases:
                    t = time.perf_counter()
                    r = c.post("/compare", json=body)
                    wall = time.perf_counter() - t
                    got = r.json()
                    what = (f"{len(got['passages'])} passages, {len(got['distortions'])} distortions" if r.status_code == 200
                            else got.get("error", "")[:150])
                    rows.append((name, r.status_code, wall, what, rss_mb(server.pid)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print("unspun expensive texts through POST /compare (judge on), one at a time, default limits"
          + (f", --time-budget {args.time_budget:g}" if args.time_budget else ""))
    print("  command: .venv/bin/python benchmarks/expensive.py" + (f" --time-budget {args.time_budget:g}" if args.time_budget else ""))
    for name, status, wall, what, rss in rows:
        print(f"  {name:38} {status}  {wall:7.2f} s  server RSS after {rss:6.0f} MB  {what}")


if __name__ == "__main__":
    main()
