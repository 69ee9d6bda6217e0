"""End to end in a real browser: ``unspun serve`` in a subprocess, Debian's headless Chromium through Playwright.

Chromium must be installed (``scripts/setup-system.sh`` does it): when it is
missing this test FAILS, it never skips.
"""
from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "corpus"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)> <svg onload=alert(2)></svg>"
FOX = "The quick brown fox jumps over the lazy dog near the river bank, said the ranger on Monday. "


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("serve") / "index.db"
    port = free_port()
    log = open(tmp_path_factory.mktemp("log") / "serve.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "unspun", "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--create"],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            log.seek(0)
            proc.kill()
            pytest.fail(f"unspun serve did not come up on {url}:\n{log.read()[-3000:]}")
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup-system.sh (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def compare_seed_pair(server: str, page) -> None:
    """Submit the seed pair (examples/corpus) on the web form and wait for the pair page."""
    original = (CORPUS / "seed-000_39c885e149670517.txt").read_text(encoding="utf-8")
    spun = (CORPUS / "seed-002_9a117862eab7609d.txt").read_text(encoding="utf-8")
    page.goto(server + "/")
    page.fill("#a", original)
    page.fill("#b", spun)
    with page.expect_navigation():
        page.click("#compare-submit")


def test_seed_pair_side_by_side(server, page):
    compare_seed_pair(server, page)
    assert page.url.endswith("/compare")

    # highlighted passages, the same number on both sides, and the distortion list
    n_a = page.locator('.doc[data-side="a"] [data-p][data-first]').count()
    n_b = page.locator('.doc[data-side="b"] [data-p][data-first]').count()
    assert n_a >= 1 and n_a == n_b
    items = page.locator("#distortions li")
    assert items.count() >= 1
    assert "added-claim" in page.inner_text("#distortions")
    assert page.locator('.doc [data-d][data-first]').count() >= 1

    # clicking a passage on one side emphasises its counterpart on the other and moves focus there
    last = n_a - 1
    page.click(f"#a-p{last}")
    page.wait_for_selector(f"#b-p{last}.emph")
    assert page.evaluate("document.activeElement.id") == f"b-p{last}"
    assert page.locator(f'.doc[data-side="b"] [data-p="{last}"].emph').count() >= 1

    # keyboard: Enter on a focused passage jumps back to the other side
    page.focus(f"#b-p0")
    page.keyboard.press("Enter")
    page.wait_for_selector("#a-p0.emph")
    assert page.evaluate("document.activeElement.id") == "a-p0"

    # a distortion explains itself on focus
    page.mouse.move(0, 0)
    first_d = page.locator('.doc [data-d][data-first]').first
    first_d.focus()
    tip = page.locator("#unspun-tip")
    tip.wait_for(state="visible")
    assert tip.inner_text().split(" (")[0] in page.inner_text("#distortions")

    page.focus(f"#b-p{last}")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#a-p{last}.emph")
    page.evaluate("document.getElementById('unspun-tip') && (document.getElementById('unspun-tip').style.display='none')")
    page.evaluate("window.scrollTo(0, 0)")
    shot = page.screenshot()
    # every run leaves the screenshot in artifacts/ (ignored by git); the README's copy is replaced only
    # when asked, so running the tests does not change tracked files
    targets = [ROOT / "artifacts" / "seed-pair.png"]
    if os.environ.get("UNSPUN_UPDATE_DOCS") == "1":
        targets.append(ROOT / "docs" / "img" / "seed-pair.png")
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(shot)


SCROLLERS = """() => Array.from(document.querySelectorAll('*')).filter(e => {
  const s = getComputedStyle(e);
  const y = ['auto', 'scroll'].includes(s.overflowY) && e.scrollHeight > e.clientHeight + 1;
  const x = ['auto', 'scroll'].includes(s.overflowX) && e.scrollWidth > e.clientWidth + 1;
  return (y || x) && e !== document.documentElement && e !== document.body;
}).map(e => e.tagName + '.' + e.className)"""


def test_seed_pair_page_reads_whole_at_1280(server, browser, tmp_path):
    """The pair page at 1280 px: every listed distortion is visible on a full-page screenshot (no card or
    pane scrolls inside itself), the texts line up sentence by sentence, and the legend explains the rows."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(60_000)
    compare_seed_pair(server, page)
    assert page.evaluate(SCROLLERS) == []
    items = page.locator("#distortions > li")
    n = items.count()
    assert 5 <= n <= 15
    height = page.evaluate("document.documentElement.scrollHeight")
    shot = page.screenshot(full_page=True)
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "seed-pair-full.png").write_bytes(shot)
    width, shot_height = struct.unpack(">II", shot[16:24])
    assert width == 1280 and shot_height >= height - 1
    for k in range(n):
        item = items.nth(k)
        box = item.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0 and box["y"] + box["height"] <= shot_height, k
        assert item.is_visible()
        # its marks in the texts are on the page too, not clipped by a scrolling box
        for link in item.locator("a[data-goto]").all():
            target = page.locator("#" + link.get_attribute("data-goto"))
            tb = target.bounding_box()
            assert tb and tb["height"] > 0 and 0 <= tb["y"] and tb["y"] + tb["height"] <= shot_height, link.get_attribute("data-goto")
    # rows from the sentence map: both columns have one cell per row, and every row kind is explained
    cells_a = page.locator('.cols > .doc[data-side="a"]').count()
    assert cells_a == page.locator('.cols > .doc[data-side="b"]').count() and cells_a >= 10
    legend = page.inner_text(".legend")
    for word in ("word for word", "reworded", "only in the copy", "only in the original"):
        assert word in legend
    assert page.locator(".doc.row-copy-only").count() >= 1 and page.locator(".doc.row-original-only").count() >= 1
    # the made-up lawsuit sits in a copy-only cell, the dropped update in an original-only one
    assert "lawsuit" in " ".join(page.locator('.doc.row-copy-only[data-side="b"]').all_inner_texts())
    assert "UPDATE: 11/28/22" in " ".join(page.locator('.doc.row-original-only[data-side="a"]').all_inner_texts())
    context.close()


def test_hostile_document_runs_no_script(server, page):
    dialogs: list[str] = []
    console: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.goto(server + "/")
    page.fill("#a", HOSTILE + "\n" + FOX * 3)
    page.fill("#b", FOX * 3 + "\n" + HOSTILE)
    with page.expect_navigation():
        page.click("#compare-submit")
    page.wait_for_timeout(500)  # give any injected handler time to fire
    assert dialogs == []
    assert console == []
    text_a = "".join(page.locator('.doc[data-side="a"] .text').all_inner_texts())
    text_b = "".join(page.locator('.doc[data-side="b"] .text').all_inner_texts())
    for s in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(2)></svg>"):
        assert s in text_a and s in text_b
    assert page.locator("main img, main svg, main script").count() == 0
    assert page.locator("script").count() == 1  # the page's own
    shot = page.screenshot()
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "hostile-pair.png").write_bytes(shot)
