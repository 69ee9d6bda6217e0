"""Small closed word lists the judge needs: negation cues, polarity words, credit and byline patterns.

These are the detector's own lists; the distortion benchmark's generator keeps
separate ones (see ``unspun.evaluation.distortions``) so the score stays honest.
"""
from __future__ import annotations

import re

#: Words that negate the clause they stand in (normalised: lower case, straight apostrophe).
NEGATIONS = frozenset(
    "not no never nobody nothing none neither nowhere cannot without".split()
)

#: Affective words with a clear sign, used to tell "was not disgusted" from "did not like".
NEGATIVE = frozenset(
    """abhor abhorred abuse afraid anger angered angry annoyed appalled ashamed awful bad bitter
    condemn condemned concern concerned contempt cruel despise despised disappointed disappointing
    disapprove disapproved disgust disgusted disgusting dislike disliked distress distressed disturbed
    disturbing dread fear feared furious grief guilty hate hated hateful horrified horrible horror hostile
    hurt miserable object objected offend offended outrage outraged pain painful regret regretted reject
    rejected repulsed resent resented sad saddened scared shaken shame shamed shocked sick sickened sorry
    terrible troubled unhappy upset upsetting wrong worried""".split()
)
POSITIVE = frozenset(
    """admire admired adore adored agree agreed amazing appreciate appreciated approve approved
    beautiful calm comfortable confident delight delighted enjoy enjoyed excellent excited fine fond
    glad good grateful great happy honored honoured impressed like liked love loved pleased praise
    praised proud relieved satisfied support supported thankful thrilled welcome welcomed wonderful""".split()
)

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "thousand": 1000, "dozen": 12, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "twice": 2, "half": 0.5,
}
SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}

#: A whole line that credits another source: "Source: X", "Via X", "Originally published on X".
CREDIT_LINE = re.compile(
    r"""^\W{0,3}(?:
        (?:sources?|credit|courtesy|via|h/?t|hat\s+tip)\s*[:\-–—]?\s+(?P<a>.{2,80}?)
      | (?:this\s+(?:article|story|post|piece)\s+)?(?:was\s+)?(?:originally|first)\s+
        (?:appeared|published|posted|ran)\s+(?:on|in|at|by)\s+(?P<b>.{2,80}?)
      | (?:read\s+(?:more|the\s+full\s+story)\s+(?:on|at))\s+(?P<c>.{2,80}?)
    )\W{0,3}$""",
    re.IGNORECASE | re.VERBOSE,
)
#: A credit phrase anywhere in a sentence.
CREDIT_PHRASE = re.compile(
    r"(?:originally|first)\s+(?:appeared|published|posted|ran)\s+(?:on|in|at)\s+(?P<x>[A-Z][\w.&' -]{1,60}?)(?=[.,;)]|\s*$)"
    r"|(?:according\s+to|via|reports?\s+from)\s+(?P<y>[\w.&' -]{2,60}?)(?=[.,;)🇦-🇿]|\s*$)",
)
#: "By Jane Doe" on a line of its own.
BYLINE_LINE = re.compile(r"^\W{0,3}(?:written\s+)?by\s+(?P<name>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})\W{0,3}$", re.IGNORECASE)
#: "Jane Doe is a writer/journalist/... " or "... writes for X": an author bio.
BIO_SENTENCE = re.compile(
    r"^(?P<name>[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})\s+(?:is|has\s+been|was)\s+(?:a|an|the)\b[^.]{0,80}?"
    r"\b(?:writer|author|journalist|reporter|editor|contributor|correspondent|columnist|blogger|freelancer)s?\b"
    r"|\b(?:writes|reports|covers\s+\w+)\s+for\s+[A-Z]",
)
#: Lines that are page furniture, not article content.
BOILERPLATE_LINE = re.compile(
    r"^(?:!\[.*|\[!\[.*|(?:image|photo|picture)\s+(?:credit|courtesy|source)s?\s*:.*|view\s+gallery|"
    r"reading\s+time\s*:.*|share\s+(?:this|on)\b.*|advertisement|related\s*:.*|tags?\s*:.*)$",
    re.IGNORECASE,
)
#: A dated update note: "(UPDATE: 11/28/22 ...)", "Updated on Nov. 28".
UPDATE_STAMP = re.compile(
    r"\(?\s*(?:UPDATE[D]?|Update[d]?|EDITOR'?S\s+NOTE|Editor'?s\s+note|CORRECTION|Correction)\b\s*(?:on|at)?\s*:?\s*"
    r"(?P<date>\d{1,2}/\d{1,2}/\d{2,4}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?)?"
)

#: Names of one country, bloc or body, including its demonym ("Britain" / "the UK" / "British"): a copy
#: that writes one for another has not changed the story.
ALIAS_GROUPS: tuple[tuple[str, ...], ...] = (
    ("United Kingdom", "UK", "U.K.", "Britain", "Great Britain", "British", "GB"),
    ("United States", "US", "U.S.", "USA", "U.S.A.", "America", "American", "United States of America", "the States"),
    ("United Nations", "UN", "U.N."),
    ("European Union", "EU", "E.U."),
    ("Russia", "Russian Federation", "Russian"),
    ("China", "People's Republic of China", "PRC", "Chinese"),
    ("Germany", "German", "Federal Republic of Germany"),
    ("France", "French"), ("Italy", "Italian"), ("Spain", "Spanish"), ("Japan", "Japanese"),
    ("India", "Indian"), ("Pakistan", "Pakistani"), ("Iran", "Iranian", "Persia"), ("Iraq", "Iraqi"),
    ("Israel", "Israeli"), ("Egypt", "Egyptian"), ("Turkey", "Turkish", "Türkiye"), ("Syria", "Syrian"),
    ("Afghanistan", "Afghan"), ("Canada", "Canadian"), ("Mexico", "Mexican"), ("Brazil", "Brazilian"),
    ("Australia", "Australian"), ("Ukraine", "Ukrainian"), ("Poland", "Polish"), ("Greece", "Greek"),
    ("Netherlands", "Holland", "Dutch"), ("Ireland", "Irish", "Republic of Ireland"),
    ("South Korea", "Korea", "Republic of Korea", "South Korean", "Korean"),
    ("North Korea", "DPRK", "North Korean"), ("Saudi Arabia", "Saudi", "Saudis"),
    ("United Arab Emirates", "UAE", "Emirates", "Emirati"), ("Switzerland", "Swiss"), ("Sweden", "Swedish"),
    ("Norway", "Norwegian"), ("Denmark", "Danish"), ("Finland", "Finnish"), ("Portugal", "Portuguese"),
    ("Belgium", "Belgian"), ("Austria", "Austrian"), ("Hungary", "Hungarian"), ("Nigeria", "Nigerian"),
    ("South Africa", "South African"), ("Kenya", "Kenyan"), ("Argentina", "Argentine", "Argentinian"),
    ("Myanmar", "Burma", "Burmese"), ("Czech Republic", "Czechia", "Czech"), ("Vietnam", "Viet Nam", "Vietnamese"),
    ("Philippines", "Filipino", "Philippine"), ("Scotland", "Scottish", "Scots"), ("Wales", "Welsh"),
    ("England", "English"), ("New York City", "NYC", "New York"), ("Los Angeles", "LA", "L.A."),
    ("Washington", "Washington DC", "Washington D.C.", "DC"), ("NATO", "North Atlantic Treaty Organization"),
    ("Soviet Union", "USSR", "Soviet", "Soviets"), ("Palestine", "Palestinian", "Palestinian territories"),
)
