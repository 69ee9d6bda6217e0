"""The HTML report: escaping of untrusted text, overlapping highlights, anchors, scan pagination."""
from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspun import Cluster, Distortion, Document, Evidence, Match, Passage, Span
from unspun.api import build_match
from unspun.report import render_check, render_pair, render_scan, render_scan_page, sort_clusters, write_pair_report, write_scan_report
from unspun.report.markup import Mark, mark_up

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"'><svg onload=alert(1)>",
    "</textarea></title><script>alert(2)</script>",
    "{{ 7*7 }} {% raw %}",
    "&lt;b&gt; already escaped &amp;",
]


class Tree(HTMLParser):
    """Collects every start tag with its attributes, and checks that tags nest properly."""

    VOID = {"meta", "br", "input", "img", "link", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] }")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            self.script_text.append(data)


def parse(page: str) -> Tree:
    t = Tree()
    t.feed(page)
    t.close()
    assert not t.errors, t.errors[:3]
    assert not t.stack, t.stack
    return t


def assert_inert(page: str) -> Tree:
    """No injected element or attribute: one script (ours), no img/svg/iframe, no on* handler, no javascript: link."""
    t = parse(page)
    names = [tag for tag, _ in t.tags]
    assert names.count("script") == 1
    assert not {"img", "svg", "iframe", "object", "embed", "textarea"} & set(names)
    for tag, attrs in t.tags:
        for k, v in attrs.items():
            assert not k.startswith("on"), (tag, k)
            if k in ("href", "src", "action"):
                assert not (v or "").strip().lower().startswith("javascript:"), (tag, k, v)
    return t


def sp(text: str, s: str) -> Span:
    i = text.index(s)
    return Span(i, i + len(s))


def hostile_match() -> Match:
    body_a = "Intro. " + " ".join(HOSTILE) + " The minister said the plan would not raise taxes. End."
    body_b = "Lead. " + " ".join(reversed(HOSTILE)) + " The minister said the plan would raise taxes. Extra claim here."
    a = Document(
        id="<script>alert('id')</script>",
        text=body_a,
        title="<img src=x onerror=alert('title')>",
        url="javascript:alert('url')",
        byline="<b onmouseover=alert('byline')>Eve</b>",
        published="<i>2024</i>",
    )
    b = Document(id="b\"><script>x()</script>", text=body_b, title="Copy & <Paste>", url="https://example.org/?a=1&b=<2>")
    passages = [
        Passage(sp(body_a, HOSTILE[0]), sp(body_b, HOSTILE[0]), 1.0, "verbatim"),
        Passage(sp(body_a, HOSTILE[1]), sp(body_b, HOSTILE[1]), 0.9, "verbatim"),
        Passage(sp(body_a, "The minister said the plan"), sp(body_b, "The minister said the plan"), 0.8, "near-verbatim"),
    ]
    m = build_match(a, b, passages)
    return Match(
        m.a,
        m.b,
        m.passages,
        m.coverage_a,
        m.coverage_b,
        "a",
        (Evidence("dates", "<script>alert('evidence')</script>", 0.7),),
        (
            Distortion("negation-flip", sp(body_a, "would not raise"), sp(body_b, "would raise"), "<img src=y onerror=alert('detail')>", "high"),
            Distortion("added-claim", None, sp(body_b, "Extra claim here."), "claim <not> in A", "medium"),
        ),
    )


def test_hostile_strings_render_as_text_everywhere():
    m = hostile_match()
    page = render_pair(m)
    assert_inert(page)
    visible = html.unescape(re.sub(r"<[^>]+>", "", page))
    for s in HOSTILE + ["<script>alert('id')</script>", "<img src=x onerror=alert('title')>", "<b onmouseover=alert('byline')>Eve</b>"]:
        if re.search(r"[<>&]", s):
            assert s not in page  # never raw …
        assert s in visible  # … always shown as text (and never evaluated as a template)
    assert "<img src=y onerror=alert('detail')>" in visible
    assert 'href="javascript:' not in page and "javascript:alert(&#39;url&#39;)" in page
    assert 'href="https://example.org/?a=1&amp;b=&lt;2&gt;"' in page


def test_page_is_self_contained_and_locked_down():
    page = render_pair(hostile_match())
    t = parse(page)
    assert not [a for tag, a in t.tags if a.get("src")]  # nothing loaded from anywhere
    assert not re.search(r"https?://[^\"'<> ]*\.(js|css)", page)
    csp = next(a["content"] for tag, a in t.tags if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    import base64, hashlib

    digest = base64.b64encode(hashlib.sha256("".join(t.script_text).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp  # the page's own script is the only one allowed


def test_every_passage_and_distortion_has_its_anchor_and_link():
    m = hostile_match()
    page = render_pair(m)
    t = parse(page)
    ids = {a["id"]: (tag, a) for tag, a in t.tags if a.get("id")}
    hrefs = {a["href"] for tag, a in t.tags if tag == "a" and a.get("href")}
    for i in range(len(m.passages)):
        for side in "ab":
            tag, attrs = ids[f"{side}-p{i}"]
            assert attrs["tabindex"] == "0" and attrs["data-p"] == str(i)
            assert f"#{side}-p{i}" in hrefs
    for j, d in enumerate(m.distortions):
        assert f"dexp-{j}" in ids
        for side in "ab":
            span = getattr(d, side)
            if span is None:
                assert f"{side}-d{j}" not in ids
                continue
            tag, attrs = ids[f"{side}-d{j}"]
            assert attrs["aria-describedby"] == f"dexp-{j}" and attrs["tabindex"] == "0"
            assert d.kind in html.unescape(attrs["title"])
            assert f"#{side}-d{j}" in hrefs
    # the header counts by kind and severity
    assert "negation-flip" in page and "added-claim" in page and "Distortions (2)" in page


def test_json_twin_is_one_link_away(tmp_path):
    m = hostile_match()
    t = parse(render_pair(m))
    data = [a["href"] for tag, a in t.tags if tag == "a" and (a.get("href") or "").startswith("data:application/json")]
    from urllib.parse import unquote

    assert json.loads(unquote(data[0].split(",", 1)[1])) == m.to_dict()
    out = write_pair_report(m, tmp_path / "pair.html")
    assert json.loads((tmp_path / "pair.json").read_text()) == m.to_dict()
    assert 'href="pair.json"' in out.read_text()


# ------------------------------------------------------------------ overlapping spans


class Coverage(HTMLParser):
    """Replays marked-up text: for every character, which passages and distortions enclose it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict] = []
        self.chars: list[tuple[str, frozenset, frozenset]] = []
        self.firsts: list[tuple[str, int, int]] = []  # (kind, index, position)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        assert tag == "span"
        self.stack.append(a)
        for k in ("p", "d"):
            if f"data-{k}" in a and "data-first" in a:
                self.firsts.append((k, int(a[f"data-{k}"]), len(self.chars)))

    def handle_endtag(self, tag):
        self.stack.pop()

    def handle_data(self, data):
        ps = frozenset(int(a["data-p"]) for a in self.stack if "data-p" in a)
        ds = frozenset(int(a["data-d"]) for a in self.stack if "data-d" in a)
        self.chars.extend((c, ps, ds) for c in data)


spans = st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda t: Span(min(t), max(t)))


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab <>&\"'\n\r\t\u00e9\U0001F600\ud800")), max_size=50),
    ps=st.lists(spans, max_size=6),
    ds=st.lists(spans, max_size=4),
)
def test_markup_matches_naive_reference(text, ps, ds):
    marks = [Mark("p", i, s) for i, s in enumerate(ps)] + [Mark("d", j, s, title="x<y") for j, s in enumerate(ds)]
    out = str(mark_up(text, marks, side="a"))
    assert "<" not in re.sub(r"</?span[^>]*>", "", out)  # only our spans are markup
    cov = Coverage()
    cov.feed(out)
    cov.close()
    assert not cov.stack
    assert "".join(c for c, _, _ in cov.chars) == text.replace("\ud800", "\ufffd")  # every character, once, in order
    for pos, (c, p_in, d_in) in enumerate(cov.chars):
        assert p_in == {i for i, s in enumerate(ps) if s.start <= pos < s.end}
        assert d_in == {j for j, s in enumerate(ds) if s.start <= pos < s.end}
    # exactly one anchor (id + keyboard stop) per mark, where the mark starts (clipped to the text)
    firsts = sorted((k, i) for k, i, _ in cov.firsts)
    assert firsts == sorted([("p", i) for i in range(len(ps))] + [("d", j) for j in range(len(ds))])
    for kind, idx, pos in cov.firsts:
        span = (ps if kind == "p" else ds)[idx]
        assert pos == min(span.start, len(text))


def test_overlapping_passages_and_distortions_in_a_real_page():
    text = "alpha beta gamma delta epsilon zeta eta theta"
    a = Document("a", text)
    b = Document("b", text)
    passages = [Passage(Span(0, 22), Span(0, 22), 1.0), Passage(Span(11, 35), Span(11, 35), 0.9), Passage(Span(6, 10), Span(6, 10), 0.5)]
    m = build_match(a, b, passages)
    m = Match(m.a, m.b, m.passages, m.coverage_a, m.coverage_b, "unknown", (), (Distortion("number-changed", Span(8, 30), Span(8, 30), "x", "low"),))
    page = render_pair(m)
    parse(page)
    for side in "ab":
        for i in range(3):
            assert f'id="{side}-p{i}"' in page
        assert f'id="{side}-d0"' in page


def test_lone_surrogates_do_not_break_encoding():
    m = build_match(Document("s\ud800", "x\udc00y"), Document("t", "xy"), [Passage(Span(0, 3), Span(0, 2), 1.0)])
    page = render_pair(m)
    page.encode("utf-8")
    assert "x\ufffdy" in page


# ------------------------------------------------------------------ check and scan pages


def small_match(i: int, j: int, n_dist: int = 0) -> Match:
    ta = f"Story {i}: the council approved {i} new parks on Monday."
    tb = f"Story {i}: the council approved {i + 1} new parks on Monday, reports say."
    m = build_match(
        Document(f"doc-{i}", ta, title=f"Title {i}"),
        Document(f"doc-{j}", tb, title=f"<b>Copy</b> {j}"),
        [Passage(Span(0, len(ta) - 1), Span(0, len(ta) - 1), 0.9, "near-verbatim")],
    )
    d = tuple(Distortion("number-changed", Span(0, 5), Span(0, 5), "n", "high") for _ in range(n_dist))
    return Match(m.a, m.b, m.passages, m.coverage_a, m.coverage_b, "a", (), d)


def many_clusters(n_pairs: int) -> list[Cluster]:
    """Clusters of growing size: cluster k is a star of k pairs, shuffled so sorting matters."""
    clusters, made, k, doc = [], 0, 1, 0
    while made < n_pairs:
        size = min(k, n_pairs - made)
        hub = doc
        ms = tuple(small_match(hub, hub + s + 1, s % 3) for s in range(size))
        clusters.append(Cluster(tuple(f"doc-{hub + s}" for s in range(size + 1)), ms))
        doc += size + 1
        made += size
        k = k % 97 + 1
    return clusters[::-1][::2] + clusters[::-1][1::2]


def test_scan_index_pages_paginate_5000_pairs():
    clusters = sort_clusters(many_clusters(5000))
    assert [len(c.documents) for c in clusters] == sorted((len(c.documents) for c in clusters), reverse=True)
    total_rows = 0
    seen: set[str] = set()
    page = 1
    while True:
        try:
            html_page = render_scan_page(clusters, page, page_size=250)
        except Exception as err:
            assert "does not exist" in str(err)
            break
        assert len(html_page) < 600_000  # one page stays light
        t = assert_inert(html_page)
        links = [a["href"] for tag, a in t.tags if tag == "a" and a.get("href", "").startswith("pairs/") and a["href"].endswith(".html")]
        assert 0 < len(links) <= 250
        seen.update(links)
        total_rows += len(links)
        page += 1
    assert page - 1 == 20
    assert total_rows == len(seen) == 5000


def test_render_scan_writes_every_page_and_twin(tmp_path):
    clusters = many_clusters(130)
    files = render_scan(clusters, page_size=40)
    pages = sorted(k for k in files if not k.startswith("pairs/") and k.endswith(".html"))
    assert pages == ["index.html", "page-2.html", "page-3.html", "page-4.html"]
    pair_pages = [k for k in files if k.startswith("pairs/") and k.endswith(".html")]
    assert len(pair_pages) == 130
    for name in pages:
        t = parse(files[name])
        for tag, a in t.tags:
            if tag == "a" and a.get("href") and not a["href"].startswith("#"):
                assert a["href"] in files  # every link lands on a written file
    first_cluster = re.search(r'<section class="card cluster" id="cluster-1">.*?</section>', files["index.html"], re.S).group(0)
    assert f"{max(len(c.documents) for c in clusters)} documents" in first_cluster
    twin = json.loads(files["scan.json"])
    assert twin["stats"]["pairs"] == 130 and len(twin["clusters"]) == len(clusters)
    # pair pages link back to the index page that lists them, and to their JSON twin
    p = files["pairs/00001.html"]
    assert 'href="../index.html"' in p and 'href="00001.json"' in p
    assert json.loads(files["pairs/00001.json"])["a"]["id"].startswith("doc-")
    out = write_scan_report(clusters, tmp_path / "rep", page_size=40)
    assert out.read_text() == files["index.html"]
    assert (tmp_path / "rep" / "pairs" / "00130.html").exists()


def test_empty_scan_and_check_pages():
    files = render_scan([])
    assert "No reuse found" in files["index.html"] and json.loads(files["scan.json"])["clusters"] == []
    q = Document("query<script>", "some text")
    page = render_check(q, [])
    assert_inert(page)
    assert "0 matches" in page


def test_check_page_keeps_ids_unique_across_pairs():
    ms = [small_match(1, 2, 1), small_match(1, 3, 2)]
    page = render_check(ms[0].a, ms)
    t = assert_inert(page)
    ids = [a["id"] for tag, a in t.tags if a.get("id")]
    assert len(ids) == len(set(ids))
    assert "m1-a-p0" in ids and "m2-b-d1" in ids


# ------------------------------------------------------------------ the --html options of the CLI

SEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "seeds"


def test_cli_compare_check_scan_write_html(tmp_path, capsys):
    from unspun.cli import main

    a, b = SEEDS / "000_39c885e149670517.txt", SEEDS / "002_9a117862eab7609d.txt"
    assert main(["compare", str(a), str(b), "--html", str(tmp_path / "pair.html"), "--no-judge"]) == 0
    page = (tmp_path / "pair.html").read_text()
    twin = json.loads((tmp_path / "pair.json").read_text())
    assert twin["passages"] and 'id="a-p0"' in page and 'href="pair.json"' in page

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in (a, b):
        (corpus / p.name).write_bytes(p.read_bytes())
    (corpus / "other.txt").write_text("Parliament debated the fisheries budget late into the night. " * 5)
    db = str(tmp_path / "i.db")
    assert main(["index", "add", str(corpus), "--db", db]) == 0
    assert main(["check", str(b), "--db", db, "--html", str(tmp_path / "check.html"), "--no-judge"]) == 0
    check = json.loads((tmp_path / "check.json").read_text())
    assert any(m["a"]["id"] == a.name for m in check["matches"])
    assert 'id="m1-a-p0"' in (tmp_path / "check.html").read_text()
    assert main(["scan", "--db", db, "--html", str(tmp_path / "scan"), "--no-judge", "--quiet"]) == 0
    scan = json.loads((tmp_path / "scan" / "scan.json").read_text())
    assert sorted(scan["clusters"][0]["documents"]) == sorted([a.name, b.name])
    assert (tmp_path / "scan" / "pairs" / "00001.html").exists()
    assert "pairs/00001.html" in (tmp_path / "scan" / "index.html").read_text()
    capsys.readouterr()
    assert main(["compare", str(a), str(tmp_path / "missing.txt"), "--html", str(tmp_path / "x.html")]) == 2
    assert "missing.txt" in capsys.readouterr().err


# ---------------------------------------------------------------- rows from the sentence map


def _cells(page: str, side: str) -> list[str]:
    cells = re.findall(rf'<div class="doc cell ([^"]*)" data-side="{side}" data-row="[^"]*" role="cell"><div class="text">(.*?)</div></div>', page, re.S)
    return [(cls, html.unescape(re.sub(r"<[^>]+>", "", body))) for cls, body in cells]


def test_pair_page_rows_follow_the_sentence_map_and_cover_each_text_once():
    import unspun

    root = Path(__file__).resolve().parents[1] / "examples" / "corpus"
    a = (root / "seed-000_39c885e149670517.txt").read_text(encoding="utf-8")
    b = (root / "seed-002_9a117862eab7609d.txt").read_text(encoding="utf-8")
    m = unspun.compare(Document("000", a), Document("002", b))
    page = render_pair(m)
    parse(page)
    ca, cb = _cells(page, "a"), _cells(page, "b")
    assert len(ca) == len(cb) >= 10  # one row, two cells
    assert "".join(t for _, t in ca) == a and "".join(t for _, t in cb) == b  # every character once, in order
    kinds = {c.split()[0] for c, _ in ca + cb}
    assert {"row-same", "row-reworded", "row-copy-only", "row-original-only"} <= kinds
    # matched rows hold the sentences the map links, side by side
    for link in m.sentence_map.matched():
        if link.moved:
            continue
        ta = a[link.a[0].start : link.a[-1].end]
        tb = b[link.b[0].start : link.b[-1].end]
        assert any(x.strip() == ta and y.strip() == tb for (_, x), (_, y) in zip(ca, cb))
    # the legend explains every row kind; low flags sit behind a count, high and medium are listed
    for label in ("reused word for word", "reused, reworded", "only in the copy", "only in the original"):
        assert label in page
    low = [d for d in m.distortions if d.severity == "low"]
    assert low and f"{len(low)} low-severity" in page
    listed = re.search(r'<ul class="plain dlist small" id="distortions">(.*?)</ul>', page, re.S).group(1)
    assert listed.count("<li>") == len(m.distortions) - len(low)
    assert "max-height" not in page and "overflow-y:auto" not in page  # nothing scrolls inside itself
    assert "@media print" in page
