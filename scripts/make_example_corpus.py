"""Build examples/corpus/: real Wikinews articles, copies of them made in several ways, and the seed pair.

    .venv/bin/python scripts/make_example_corpus.py                    # rebuild examples/corpus/
    .venv/bin/python scripts/make_example_corpus.py --import CSV...    # first refresh examples/sources/

The originals are English Wikinews articles of 2019 (CC BY 2.5), taken from the
``data/wikinews_2019.csv`` file of https://github.com/vanatteveldt/wikinews (a scrape of
en.wikinews.org, CC BY 2.5).  ``--import`` copies the rows named in :data:`ARTICLES` from that CSV into
``examples/sources/wikinews-2019.jsonl`` (field values unchanged), so a rebuild needs nothing outside the
repository.

Every original becomes an HTML page as Wikinews published it (title, date, canonical URL).  Each copy is
made from an original's paragraphs by the operations listed in :data:`COPIES`: verbatim syndication,
partial reuse, rewording with a synonym table (outside quotations, meaning kept), a content-farm spin
(inside quotations too), and hand-written changes of fact (a number, a name, a date, a negation, a
quotation, an added claim, a dropped paragraph) and of attribution (a credit line, a fake byline).  Copies
are pages of invented sites under the reserved ``.example`` domain, dated a day or more after the original,
or plain text files (pasted text, no metadata).  One copy is made from another copy.  The seed pair
(``seed-*.txt``) is copied from tests/data/seeds.

Outputs, all deterministic (rerunning writes the same bytes):

``examples/corpus/``       the documents (``unspun index add examples/corpus``)
``examples/MANIFEST.json`` for each document: its kind, source, publisher, date and every planted change
``examples/SOURCES.md``    origin, licence and changes of every file (the attribution CC BY 2.5 asks for)

``--out DIR`` writes the three under DIR instead (tests/test_example_corpus.py rebuilds the corpus there and
compares it byte for byte).  ``--check`` indexes the corpus, scans it with the judge and prints how the
scan's clusters, named originals and distortions compare with what was planted (:func:`check`).
"""
from __future__ import annotations

import csv
import html
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SOURCES = EXAMPLES / "sources" / "wikinews-2019.jsonl"
SEEDS = REPO / "tests" / "data" / "seeds"
UPSTREAM = "https://github.com/vanatteveldt/wikinews (data/wikinews_2019.csv)"
LICENCE = "CC BY 2.5"
LICENCE_URL = "https://creativecommons.org/licenses/by/2.5/"

#: key -> the Wikinews URL of the article (as the CSV spells it)
ARTICLES = {
    "magnitogorsk": "https://en.wikinews.org//wiki/Magnitogorsk_apartment_building_collapses_after_explosion,_dozens_dead",
    "escape-room": "https://en.wikinews.org//wiki/Escape_room_fire_kills_five_teen_girls_in_Koszalin,_Poland",
    "florida-pileup": "https://en.wikinews.org//wiki/Florida_highway_pileup,_fire_kills_five_children,_two_truck_drivers",
    "gdansk-mayor": "https://en.wikinews.org//wiki/Arrest_made_as_mayor_of_Gda%C5%84sk,_Poland_stabbed_on_stage",
    "tony-mendez": "https://en.wikinews.org//wiki/Former_U.S._intelligence_agent_Tony_Mendez,_architect_of_%27Argo%27_rescue,_dies_at_78",
    "mcarthur": "https://en.wikinews.org//wiki/Toronto_serial_killer_Bruce_McArthur_pleads_guilty_to_eight_murders",
    "monarchs": "https://en.wikinews.org//wiki/Report_indicates_Mexican_monarch_butterfly_population_at_ten-year_high,_reasons_unclear",
    "nevada": "https://en.wikinews.org//wiki/Nevada_becomes_first_state_in_U.S._with_majority-female_legislature",
    "walter-munk": "https://en.wikinews.org//wiki/Pioneering_oceanographer_Walter_Munk_dies_of_pneumonia_in_California",
    "crew-dragon": "https://en.wikinews.org//wiki/SpaceX_Crew_Dragon_capsule_docks_with_International_Space_Station",
    "doris-day": "https://en.wikinews.org//wiki/Actor_Doris_Day_dies_at_97",
    "zapata": "https://en.wikinews.org//wiki/French_inventor_Franky_Zapata_successfully_crosses_English_Channel_on_jet-powered_hoverboard",
    "k2-18b": "https://en.wikinews.org//wiki/Astronomers_find_water_vapour_in_atmosphere_of_exoplanet_K2-18b",
    "gold-toilet": "https://en.wikinews.org//wiki/Arrests_made_in_theft_of_gold_toilet_in_England",
    "kipchoge": "https://en.wikinews.org//wiki/Eliud_Kipchoge_of_Kenya_runs_marathon_under_two_hours",
    # originals nobody copied: news that must stay unlinked
    "facebook-records": "https://en.wikinews.org//wiki/540_million_private_Facebook_records_found_on_public_Internet",
    "zebra-stripes": "https://en.wikinews.org//wiki/Zebra_stripes_may_%27dazzle%27_pathogen-packing_horse_flies,_say_scientists",
    "notre-dame": "https://en.wikinews.org//wiki/Notre_Dame_in_Paris_catches_fire",
}

#: invented publishers (the reserved .example domain: no real site is named)
SITES = {
    "worldwire": "World Wire Service",
    "dailybuzz": "The Daily Buzz",
    "trendingnow": "TrendingNow",
    "cityherald": "City Herald Online",
    "newsroundup": "News Roundup 24",
    "greenplanet": "Green Planet Daily",
    "techpulse": "TechPulse",
}

# ----------------------------------------------------------------------------- rewording

#: meaning-preserving synonyms (one part of speech each), used outside quotations
REWORD = {
    "about": "roughly", "after": "following", "also": "additionally", "announced": "revealed",
    "began": "started", "building": "structure", "called": "named", "confirmed": "verified",
    "currently": "presently", "described": "characterised", "estimated": "reckoned", "found": "discovered",
    "however": "nevertheless", "important": "significant", "indicated": "suggested", "large": "big",
    "later": "subsequently", "many": "numerous", "near": "close to", "previous": "earlier",
    "previously": "formerly", "quickly": "rapidly", "received": "got", "remained": "stayed",
    "reported": "stated", "said": "stated", "scientists": "researchers", "several": "a number of",
    "showed": "demonstrated", "started": "began", "told": "informed", "used": "utilised", "very": "extremely",
    "people": "individuals", "children": "kids", "attempt": "try", "journey": "trip", "difficult": "hard",
    "officials": "authorities", "arrested": "detained", "approximately": "roughly", "roughly": "about",
    "first": "initial", "help": "assist", "discovery": "finding", "likely": "probable", "area": "region",
    "cost": "price", "home": "residence", "died": "passed away", "remarked": "commented", "added": "included",
    "rescuers": "rescue workers", "wrote": "penned", "support": "backing",
}
#: what an article spinner adds on top: looser synonyms that drift in meaning, used inside quotations too
SPIN = dict(REWORD, **{
    "singer": "vocalist", "actor": "performer", "film": "movie", "married": "wed", "dogs": "canines",
    "animals": "creatures", "best": "finest", "wonderful": "marvellous", "woman": "lady", "girl": "lass",
    "nice": "pleasant", "shock": "stun", "talked": "chatted", "private": "personal", "career": "profession",
    "studio": "workshop", "child": "kid", "abuse": "mistreatment", "everything": "all things", "round": "circular",
    "dolls": "figurines", "push": "shove", "reputation": "standing", "believe": "think", "image": "picture",
})

_WORD = re.compile(r"[A-Za-z]+")
_QUOTE = re.compile(r"\"[^\"]*\"|“[^”]*”")


def _swap(text: str, table: dict[str, str], rate: float, rng: random.Random, inside_quotes: bool) -> tuple[str, list[tuple[str, str, bool]]]:
    """Replace words of ``table`` with probability ``rate``; returns the text and (old, new, in a quotation).
    Quotation marks are never touched, so the new text has the same quotations, in the same order."""
    quoted = [(m.start(), m.end()) for m in _QUOTE.finditer(text)]
    out, done, last = [], [], 0
    for m in _WORD.finditer(text):
        word = m.group()
        new = table.get(word.lower())
        in_quote = any(s <= m.start() < e for s, e in quoted)
        if new is None or (in_quote and not inside_quotes) or rng.random() >= rate:
            continue
        if word[0].isupper():
            new = new[0].upper() + new[1:]
        out += [text[last : m.start()], new]
        last = m.end()
        done.append((word, new, in_quote))
    return "".join(out) + text[last:], done


# ----------------------------------------------------------------------------- copies


@dataclass
class Copy:
    path: str  #: file under examples/corpus (its folder is the site; forum/ holds pasted text)
    source: str  #: an ARTICLES key, or the path of another copy
    days: int  #: published this many days after its source
    ops: list[tuple]  #: applied in order (see _apply)
    title: str | None = None  #: a new headline
    byline: str | None = None  #: the page's author metadata
    changes: list[dict] = field(default_factory=list)  #: filled in: what was planted


# (op, *args):
#   ("keep", [i, ...])             keep these paragraphs (0 is Wikinews' dateline)
#   ("drop", i, why)               remove paragraph i (meaning: dropped-material)
#   ("replace", kind, old, new)    change the only occurrence of old (kind: the distortion it plants)
#   ("add", i, sentence)           append a sentence to paragraph i (added-claim)
#   ("reword", rate) / ("spin", rate)   synonyms outside quotations / a spinner's, quotations included
#   ("credit", line) / ("fake-byline", line)   a last / first paragraph naming a source / a made-up author
COPIES = [
    Copy("worldwire/2019-01-05-russia-apartment-block-collapse.html", "magnitogorsk", 1,
         [("keep", list(range(1, 12))),
          ("credit", "This story was first published by Wikinews and is republished under the Creative Commons Attribution 2.5 licence.")]),
    Copy("dailybuzz/magnitogorsk-blast-death-toll.html", "magnitogorsk", 2,
         [("keep", list(range(1, 12))),
          ("replace", "number-changed", "A total of 39 are confirmed dead", "A total of 49 are confirmed dead"),
          ("drop", 9, "the FSB's denial and the reports of a terrorist cause"),
          ("spin", 0.35)],
         title="Russian Apartment Blast: Death Toll Climbs In Magnitogorsk"),
    Copy("trendingnow/poland-escape-room-fire.html", "escape-room", 1,
         [("keep", [1, 2, 3, 4, 5]),
          ("replace", "quote-altered", "in an \"appalling tragedy\"", "in an \"avoidable tragedy\"")]),
    Copy("forum/florida-i75-crash.txt", "florida-pileup", 0,
         [("keep", [1, 2, 3])], title="Terrible crash on I-75 near Gainesville"),
    Copy("dailybuzz/florida-church-bus-fire.html", "florida-pileup", 1,
         [("keep", list(range(1, 8))),
          ("replace", "number-changed", "At least eight more people were hospitalized", "At least eighteen more people were hospitalized")]),
    Copy("cityherald/gdansk-mayor-adamowicz-attack.html", "gdansk-mayor", 1,
         [("keep", list(range(1, 11))),
          ("replace", "entity-changed", "Prime Minister Mateusz Morawiecki tweeted", "Prime Minister Donald Tusk tweeted")]),
    Copy("newsroundup/argo-cia-agent-tony-mendez-dies.html", "tony-mendez", 1,
         [("keep", list(range(1, 9))),
          ("replace", "date-changed", "Tony Mendez died Saturday", "Tony Mendez died Sunday")]),
    Copy("forum/tony-mendez-obituary.txt", "tony-mendez", 0,
         [("keep", [1, 3, 5, 6, 8]), ("reword", 0.9)], title="Tony Mendez, the real Argo hero"),
    Copy("cityherald/toronto-mcarthur-guilty-pleas.html", "mcarthur", 1,
         [("keep", list(range(1, 8))),
          ("replace", "negation-flip", "LGBT activist Andrew Kinsman, 49, was quickly reported missing",
           "LGBT activist Andrew Kinsman, 49, was not quickly reported missing")]),
    Copy("greenplanet/monarch-butterflies-rebound.html", "monarchs", 2,
         [("keep", list(range(1, 7))), ("reword", 0.9)], title="Monarch butterflies rebound in Mexico"),
    Copy("dailybuzz/monarch-butterfly-numbers.html", "greenplanet/monarch-butterflies-rebound.html", 1,
         [("replace", "number-changed", "144% greater than last year", "44% greater than last year")]),
    Copy("trendingnow/nevada-women-majority-legislature.html", "nevada", 1,
         [("keep", list(range(1, 8))),
          ("add", 1, "Governor Steve Sisolak said the new majority would pass an equal-pay law within its first 100 days.")]),
    Copy("techpulse/oceanographer-walter-munk-obituary.html", "walter-munk", 3,
         [("keep", list(range(1, 8))),
          ("fake-byline", "By Dr. Helen Carter, Science Correspondent")],
         byline="Dr. Helen Carter"),
    Copy("techpulse/crew-dragon-docks-iss.html", "crew-dragon", 1,
         [("keep", [1, 2, 3, 4, 6, 7]), ("credit", "Source: Wikinews")]),
    Copy("dailybuzz/spacex-dragon-space-station.html", "crew-dragon", 2,
         [("keep", list(range(1, 11))),
          ("replace", "number-changed", "at roughly US$80 million per astronaut", "at roughly US$8 million per astronaut"),
          ("replace", "quote-altered", "\"To be frank I'm a little emotionally exhausted", "\"To be frank I'm a little disappointed")]),
    Copy("dailybuzz/doris-day-passes-away.html", "doris-day", 1,
         [("keep", list(range(1, 15))), ("spin", 0.6)],
         title="Hollywood Legend Doris Day Passes Away At 97", byline="Buzz Staff"),
    Copy("newsroundup/jetpack-inventor-crosses-channel.html", "zapata", 1,
         [("keep", list(range(1, 9))),
          ("replace", "number-changed", "journey took 22 minutes", "journey took 12 minutes"),
          ("replace", "date-changed", "On July 25, which was", "On July 15, which was")]),
    Copy("techpulse/water-found-on-k2-18b.html", "k2-18b", 1,
         [("keep", list(range(1, 8))), ("reword", 0.9), ("credit", "Source: Wikinews")]),
    Copy("trendingnow/habitable-planet-water-vapour.html", "k2-18b", 2,
         [("keep", [1, 2, 4, 5, 6]),
          ("replace", "negation-flip", "who was not one of either study's authors", "who was one of the study's authors")]),
    Copy("cityherald/blenheim-gold-toilet-theft.html", "gold-toilet", 1,
         [("keep", [1, 2, 3, 4, 5]),
          ("replace", "entity-changed", "made by Italian artist Maurizio Cattelan", "made by British artist Damien Hirst"),
          ("add", 3, "Detectives believe the toilet has already been melted down and sold.")]),
    Copy("forum/kipchoge-sub-two-hours.txt", "kipchoge", 0,
         [("keep", [1, 2, 3, 4])], title="Kipchoge did it!"),
    Copy("worldwire/2019-10-14-kipchoge-marathon-vienna.html", "kipchoge", 1,
         [("keep", [1, 2, 3, 4]),
          ("replace", "number-changed", "1 hour 59 minutes 40.2 seconds", "1 hour 58 minutes 40.2 seconds")]),
]

# ----------------------------------------------------------------------------- reading the sources


def import_csv(paths: list[str]) -> None:
    """Copy the rows of ARTICLES from the upstream CSV file(s) into SOURCES (one JSON object a line)."""
    csv.field_size_limit(1 << 24)
    rows = {}
    for p in paths:
        with open(p, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                rows[row["url"]] = row
    missing = [u for u in ARTICLES.values() if u not in rows]
    if missing:
        raise SystemExit(f"make_example_corpus: not in {', '.join(paths)}: {missing[0]} (and {len(missing) - 1} more)")
    SOURCES.parent.mkdir(parents=True, exist_ok=True)
    with open(SOURCES, "w", encoding="utf-8", newline="\n") as out:
        for key, url in ARTICLES.items():
            r = rows[url]
            out.write(json.dumps({"key": key, "url": r["url"], "date": r["date"], "title": r["title"], "text": r["text"]},
                                 ensure_ascii=False) + "\n")
    print(f"{SOURCES.relative_to(REPO)}: {len(ARTICLES)} articles from {', '.join(paths)}")


def _raw_paragraphs(text: str) -> list[str]:
    return [p for p in (" ".join(p.split()) for p in re.split(r"\n\s*\n", text)) if p]


def paragraphs(text: str) -> list[str]:
    """The article's paragraphs, whitespace normalised; lines the scraper left from pull quotes (an
    attribution starting with a dash, its quotation lost) are dropped."""
    return [p for p in _raw_paragraphs(text) if not p.startswith("—")]


def clean_url(url: str) -> str:
    return url.replace("wikinews.org//wiki/", "wikinews.org/wiki/")


# ----------------------------------------------------------------------------- building


def _apply(copy: Copy, paras: list[str]) -> list[str]:
    rng = random.Random(copy.path)
    kept = list(paras)
    index = list(range(len(paras)))  # original paragraph number of each kept paragraph
    for op, *args in copy.ops:
        if op == "keep":  # paragraph 0, Wikinews' dateline, is no material of the story
            assert max(args[0]) < len(paras) and 0 not in args[0], (copy.path, args[0], len(paras))
            index = [i for i in index if i in args[0]]
            kept = [paras[i] for i in index]
            left = [i for i in range(1, len(paras)) if i not in args[0]]
            if left:
                copy.changes.append({"kind": "partial", "kept": len(args[0]), "of": len(paras) - 1,
                                     "left_out": [paras[i][:60] + "…" for i in left]})
        elif op == "drop":
            i, why = args
            pos = index.index(i)
            copy.changes.append({"kind": "dropped-material", "original": kept[pos], "note": why})
            del kept[pos], index[pos]
        elif op == "replace":
            kind, old, new = args
            hits = [k for k, p in enumerate(kept) if old in p]
            assert len(hits) == 1 and kept[hits[0]].count(old) == 1, (copy.path, old)
            kept[hits[0]] = kept[hits[0]].replace(old, new)
            copy.changes.append({"kind": kind, "original": old, "copy": new})
        elif op == "add":
            i, sentence = args
            pos = index.index(i)
            kept[pos] = f"{kept[pos]} {sentence}"
            copy.changes.append({"kind": "added-claim", "copy": sentence})
        elif op in ("reword", "spin"):
            table, inside = (REWORD, False) if op == "reword" else (SPIN, True)
            swaps, altered = [], []
            for k, p in enumerate(kept):
                kept[k], done = _swap(p, table, args[0], rng, inside)
                swaps += done
                altered += [(o.group(), n.group()) for o, n in zip(_QUOTE.finditer(p), _QUOTE.finditer(kept[k]))
                            if o.group() != n.group()]
            quoted = [f"{a} -> {b}" for a, b, q in swaps if q]
            copy.changes.append({"kind": "reworded" if op == "reword" else "spun", "words": len(swaps),
                                 "in_quotations": quoted})
            # a spinner that rewrites inside quotations puts words in people's mouths: each one is a change of meaning
            copy.changes += [{"kind": "quote-altered", "original": o, "copy": n, "by": "the spinner"} for o, n in altered]
        elif op == "credit":
            kept.append(args[0])
            copy.changes.append({"kind": "credit-line", "copy": args[0]})
        elif op == "fake-byline":
            kept.insert(0, args[0])
            copy.changes.append({"kind": "attribution-added", "copy": args[0]})
        else:
            raise ValueError(op)
    return kept


def _page(*, title: str, site: str, url: str, published: str, paras: list[str], comment: str,
          byline: str | None = None, footer: str) -> str:
    e = html.escape
    meta = [f'<meta property="og:title" content="{e(title)}">', f'<meta property="og:site_name" content="{e(site)}">',
            f'<meta property="article:published_time" content="{published}">', f'<link rel="canonical" href="{e(url)}">']
    if byline:
        meta.append(f'<meta name="author" content="{e(byline)}">')
    body = "\n".join(f"<p>{e(p, quote=False)}</p>" for p in paras)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{e(title)} - {e(site)}</title>\n'
            + "\n".join(meta) + f"\n<!-- {comment} -->\n</head>\n<body>\n<article>\n<h1>{e(title)}</h1>\n{body}\n"
            f"</article>\n<footer><p>{e(footer)}</p></footer>\n</body>\n</html>\n")


def build(out: Path = EXAMPLES) -> dict:
    """Write ``out/corpus/``, ``out/MANIFEST.json`` and ``out/SOURCES.md``; returns the manifest."""
    corpus = out / "corpus"
    if not SOURCES.is_file():
        raise SystemExit(f"make_example_corpus: {SOURCES} is missing: run with --import <{UPSTREAM}>")
    sources = {r["key"]: r for r in map(json.loads, SOURCES.read_text(encoding="utf-8").splitlines())}
    if corpus.is_dir():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    manifest: dict[str, dict] = {}
    texts: dict[str, tuple[str, list[str], str]] = {}  # path -> (title, paragraphs, date)
    for key, r in sources.items():
        path = f"wikinews/{r['date']}-{key}.html"
        paras = paragraphs(r["text"])
        url = clean_url(r["url"])
        credit = f"{r['title']}, Wikinews ({url}), {LICENCE} ({LICENCE_URL}); via {UPSTREAM}"
        dashes = len(_raw_paragraphs(r["text"])) - len(paras)
        changes = "whitespace normalised" + (f"; {dashes} pull-quote attribution line(s) without their quotation removed" if dashes else "")
        (corpus / path).parent.mkdir(parents=True, exist_ok=True)
        (corpus / path).write_text(_page(
            title=r["title"], site="Wikinews", url=url, published=r["date"], paras=paras,
            comment=f"Original article: {credit}. Changes: {changes}.",
            footer=f"This text of Wikinews is available under the Creative Commons Attribution {LICENCE.split()[-1]} License."),
            encoding="utf-8", newline="\n")
        texts[key] = texts[path] = (r["title"], paras, r["date"])
        manifest[path] = {"kind": "original", "article": key, "publisher": "Wikinews", "url": url,
                          "published": r["date"], "licence": LICENCE, "credit": credit, "changes_from_source": changes}
    for copy in COPIES:
        title, paras, day = texts[copy.source]
        article = copy.source if copy.source in ARTICLES else manifest[copy.source]["article"]
        original = next(p for p, m in manifest.items() if m["kind"] == "original" and m["article"] == article)
        made = _apply(copy, paras)
        site = copy.path.split("/")[0]
        published = (date.fromisoformat(day) + timedelta(days=copy.days)).isoformat()
        headline = copy.title or title
        derived = (f"Derived from \"{sources[article]['title']}\", Wikinews ({clean_url(sources[article]['url'])}), {LICENCE}; "
                   f"changed by scripts/make_example_corpus.py: " + "; ".join(c["kind"] for c in copy.changes or [{"kind": "none"}]))
        if copy.path.endswith(".txt"):
            text = f"{headline}\n\n" + "\n\n".join(made) + "\n"
            meta = {"publisher": None, "published": None}
        else:
            host = f"{site}.example"
            url = f"https://{host}/{published[:4]}/{published[5:7]}/{Path(copy.path).stem}/"
            text = _page(title=headline, site=SITES[site], url=url, published=published, paras=made, comment=derived,
                         byline=copy.byline, footer=f"© {published[:4]} {SITES[site]}. All rights reserved.")
            meta = {"publisher": SITES[site], "url": url, "published": published}
        (corpus / copy.path).parent.mkdir(parents=True, exist_ok=True)
        (corpus / copy.path).write_text(text, encoding="utf-8", newline="\n")
        texts[copy.path] = (headline, made, published)  # a copy of this copy is dated after it
        manifest[copy.path] = {"kind": "copy", "article": article, "original": original, "copied_from": copy.source
                               if copy.source not in ARTICLES else original, **meta, "licence": LICENCE,
                               "credit": derived, "changes": copy.changes}
    for seed in sorted(SEEDS.glob("*.txt")):
        name = f"seed-{seed.name}"
        shutil.copyfile(seed, corpus / name)
        manifest[name] = {"kind": "seed", "article": "seed", "note": "the project's real seed pair (tests/data/seeds): "
                          + ("the original story" if seed.name.startswith("000") else "a machine-spun content-farm copy of it"),
                          "changes": [] if seed.name.startswith("000") else [{"kind": "spun", "note": "made by a real content farm"}]}
    manifest = dict(sorted(manifest.items()))
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "SOURCES.md").write_text(sources_md(manifest), encoding="utf-8")
    return manifest


def sources_md(manifest: dict) -> str:
    lines = ["# Example corpus: sources and licences", "",
             "Written by `scripts/make_example_corpus.py` (do not edit by hand). Every file of `examples/corpus/`, "
             "with its origin, licence and the changes made to it. `MANIFEST.json` holds the same, with each planted "
             "change spelled out.", "",
             f"The news articles are from English Wikinews (https://en.wikinews.org), {LICENCE} "
             f"({LICENCE_URL}), by Wikinews contributors, taken from {UPSTREAM}. The copies are derived works, "
             f"changed as listed below, and are {LICENCE} like their sources. The sites that publish the copies "
             "(`*.example`) are invented. The seed pair is the project's own real-world example (see `examples/README.md`).", "",
             "| file | origin | licence | changes |", "|---|---|---|---|"]
    for path, m in manifest.items():
        if m["kind"] == "original":
            origin, changes = f"Wikinews, {m['published']}: {m['url']}", m["changes_from_source"]
        elif m["kind"] == "copy":
            src = m["copied_from"]
            origin = f"copy of `{src}`" + (f" (itself a copy of `{m['original']}`)" if src != m["original"] else "")
            changes = "; ".join(_describe(c) for c in m["changes"]) or "none (verbatim)"
        else:
            origin, changes = m["note"], "none (byte copy)"
        lines.append(f"| `{path}` | {origin} | {m.get('licence', 'see examples/README.md')} | {changes} |")
    return "\n".join(lines) + "\n"


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _describe(c: dict) -> str:
    k = c["kind"]
    if "original" in c and "copy" in c:
        by = f" (by {c['by']})" if "by" in c else ""
        return f"{k}{by}: \"{_short(c['original'])}\" → \"{_short(c['copy'])}\""
    if k in ("reworded", "spun"):
        q = f", {len(c['in_quotations'])} inside quotations" if c["in_quotations"] else ""
        return f"{k}: {c['words']} words swapped for synonyms{q}"
    if k == "dropped-material":
        return f"{k}: the paragraph on {c['note']}"
    if k == "partial":
        return f"{k}: {c['kept']} of the {c['of']} paragraphs"
    return f"{k}: \"{c['copy']}\""


# ----------------------------------------------------------------------------- checking a scan against the plan

#: planted changes that alter the story: the judge should report each, of this kind, at its place
MEANING = ("number-changed", "entity-changed", "date-changed", "negation-flip", "quote-altered", "added-claim",
           "dropped-material", "attribution-added")
#: changes that keep the story: a copy with only these is faithful (a high-severity flag on it is a false alarm)
FAITHFUL = ("partial", "reworded", "credit-line")


@dataclass
class CheckResult:
    clusters: list[tuple[str, ...]]  #: documents of each cluster the scan found
    expected: list[tuple[str, ...]]  #: documents of each article with copies (and the seed pair)
    pairs: dict[str, dict]  #: copy -> {"linked", "original" (a, b, unknown or wrong), "found", "missed", "alarms"}

    def planted(self) -> tuple[int, int]:
        """(planted meaning changes reported at their place, planted meaning changes)."""
        return (sum(len(p["found"]) for p in self.pairs.values()),
                sum(len(p["found"]) + len(p["missed"]) for p in self.pairs.values()))

    def false_alarms(self) -> list[str]:
        """High-severity distortions reported on faithful copies."""
        return [f"{c}: {a}" for c, p in self.pairs.items() if p["faithful"] for a in p["alarms"]]

    def table(self) -> str:
        hit, n = self.planted()
        named = sum(p["original"] == "right" for p in self.pairs.values())
        lines = [f"clusters: {len(self.clusters)} found, {len(self.expected)} expected, "
                 f"{len(set(self.clusters) & set(self.expected))} exactly as planted",
                 f"copies linked to their source: {sum(p['linked'] for p in self.pairs.values())}/{len(self.pairs)}; "
                 f"source named the original: {named}, unknown: {sum(p['original'] == 'unknown' for p in self.pairs.values())}, "
                 f"wrong: {sum(p['original'] == 'wrong' for p in self.pairs.values())}",
                 f"planted meaning changes reported at their place: {hit}/{n}",
                 f"high-severity distortions on the {sum(p['faithful'] for p in self.pairs.values())} faithful copies: "
                 f"{len(self.false_alarms())}", ""]
        for copy, p in self.pairs.items():
            lines.append(f"{copy}: original {p['original']}; found {p['found'] or '-'}; missed {p['missed'] or '-'}"
                         + (f"; other high {p['alarms']}" if p["alarms"] else ""))
        return "\n".join(lines)


def _touches(span, start: int, end: int) -> bool:
    return span is not None and span.start < end and start < span.end


def check(out: Path = EXAMPLES) -> CheckResult:
    """Index ``out/corpus`` (no vectors: the same candidates on every machine), scan it with the judge, and
    compare with ``out/MANIFEST.json``: the clusters, the original named for each copy and its source, and
    which planted changes the judge reports (kind and place) on that pair."""
    import tempfile

    from unspun import Index
    from unspun.ingest import iter_documents

    manifest = json.loads((out / "MANIFEST.json").read_text(encoding="utf-8"))
    groups: dict[str, set[str]] = {}
    for path, m in manifest.items():
        groups.setdefault(m["article"], set()).add(path)
    expected = sorted(tuple(sorted(g)) for g in groups.values() if len(g) > 1)
    with tempfile.TemporaryDirectory() as tmp, Index(Path(tmp) / "examples.unspun", embedder=None) as ix:
        ix.add(iter_documents([str(out / "corpus")]))
        clusters = list(ix.scan())
    by_pair = {frozenset((m.a.id, m.b.id)): m for c in clusters for m in c.matches}
    pairs = {}
    for path, m in manifest.items():
        if m["kind"] != "copy":
            continue
        match = by_pair.get(frozenset((path, m["copied_from"])))
        row = {"linked": match is not None, "original": "unlinked", "found": [], "missed": [], "alarms": [],
               "faithful": all(c["kind"] in FAITHFUL for c in m["changes"])}
        planted = [c for c in m["changes"] if c["kind"] in MEANING]
        if match is None:
            row["missed"] = [c["kind"] for c in planted]
            pairs[path] = row
            continue
        side = "a" if match.a.id == m["copied_from"] else "b"  # the source's side
        copy_side = "b" if side == "a" else "a"
        src_text, copy_text = getattr(match, side).text, getattr(match, copy_side).text
        row["original"] = "right" if match.original == side else "unknown" if match.original == "unknown" else "wrong"
        used = set()
        for c in planted:
            if c["kind"] == "dropped-material":
                start = src_text.find(c["original"][:200])
                where, length, text_side = start, len(c["original"]), side
            else:
                start = copy_text.find(c["copy"])
                where, length, text_side = start, len(c["copy"]), copy_side
            hit = next((i for i, d in enumerate(match.distortions) if i not in used and d.kind == c["kind"]
                        and where >= 0 and _touches(getattr(d, text_side), where, where + length)), None)
            if hit is None:
                row["missed"].append(c["kind"])
            else:
                used.add(hit)
                row["found"].append(c["kind"])
        row["alarms"] = [d.kind for i, d in enumerate(match.distortions) if i not in used and d.severity == "high"]
        pairs[path] = row
    return CheckResult(sorted(tuple(sorted(c.documents)) for c in clusters), expected, pairs)


def main(argv: list[str]) -> int:
    out = EXAMPLES
    if "--out" in argv:
        i = argv.index("--out")
        out = Path(argv[i + 1])
        del argv[i : i + 2]
    if "--check" in argv:
        print(check(out).table())
        return 0
    if argv[:1] == ["--import"]:
        import_csv(argv[1:])
    manifest = build(out)
    kinds = {k: sum(m["kind"] == k for m in manifest.values()) for k in ("original", "copy", "seed")}
    size = sum(p.stat().st_size for p in (out / "corpus").rglob("*") if p.is_file())
    print(f"{out / 'corpus'}: {len(manifest)} documents ({kinds['original']} Wikinews originals, "
          f"{kinds['copy']} copies, {kinds['seed']} seed files), {size / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
