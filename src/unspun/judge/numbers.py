"""Numbers, amounts, percentages and dates written in a text, normalised so rewordings compare equal.

"Nov. 27" and "November 27th" give the same value, so do "four" and "4" or
"$25 million" and "$25,000,000"; "11/28/22" is a date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import MONTHS, NUMBER_WORDS, SCALES

_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_NUMWORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_QUANTITY = re.compile(
    rf"""(?P<mdate>\b{_MONTH}\.?\s+(?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<md_y>\d{{4}})\b)?)
    |(?P<dmdate>\b(?P<dm_d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dm_m>{_MONTH})\b\.?(?:,?\s+(?P<dm_y>\d{{4}})\b)?)
    |(?P<sdate>\b(?P<s1>\d{{1,2}})/(?P<s2>\d{{1,2}})/(?P<s3>\d{{2,4}})\b)
    |(?P<time>\b\d{{1,2}}:\d{{2}}\b)
    |(?P<num>(?P<cur>[$€£¥]\s?)?(?P<digits>\d+(?:[,.]\d{{3}})*(?:\.\d+)?)(?:st|nd|rd|th)?
        (?:\s?(?P<pct>%|percent\b|per\s+cent\b))?(?:\s+(?P<scale>hundred|thousand|million|billion|trillion|bn|m)\b)?)
    |(?P<word>\b(?:{_NUMWORD})\b(?:[-\s](?:{_NUMWORD})\b)?(?:\s+(?P<wscale>hundred|thousand|million|billion|trillion)\b)?(?:\s?(?P<wpct>percent\b|per\s+cent\b))?)
    """,
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    value: str  # normalised, comparable across rewordings
    text: str

    @property
    def is_word(self) -> bool:
        return not any(c.isdigit() for c in self.text)

    def readings(self) -> list[str]:
        """Other values the written figure may mean: "2.402" or "2,402" in the other decimal convention, "0522"."""
        t = self.text.strip().lstrip("$€£¥ ")
        m = re.fullmatch(r"(\d{1,3})([.,])(\d{3})", t)
        out = []
        k = kind(self.value)
        if m and k in ("n", "money"):
            out += [f"{k}:" + str(int(m.group(1) + m.group(3))), f"{k}:" + _fmt(float(m.group(1) + "." + m.group(3)))]
        if k == "pct":  # a percent sign lost or added: "90%" / "90"
            out.append("n:" + self.value.split(":", 1)[1])
        if k == "n" and not self.is_word:
            out.append("pct:" + self.value.split(":", 1)[1])
        d = re.fullmatch(r"date:(\d+)-(\d+)(-\d+)?", self.value)
        if d and int(d.group(1)) <= 31:  # 02/17/2009 and 17/02/2009 are one day
            out.append(f"date:{int(d.group(2))}-{int(d.group(1))}{d.group(3) or ''}")
        if re.fullmatch(r"0\d+", self.text.strip()):
            out.append("n:" + str(int(self.text)))
        return out


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")[:3] if name.lower().rstrip(".") not in MONTHS else name.lower().rstrip(".")]


def _fmt(x: float) -> str:
    x = round(x, 6)
    return str(int(x)) if x == int(x) else repr(x)


#: Every quantity holds a digit or a number word (the only alternative of ``_QUANTITY`` without ``\d``); the
#: number words none of which holds another, to look for in a lower-cased ASCII stretch.
_DIGIT = re.compile(r"\d")
_NUMBER_WORD_CORES = tuple(w for w in NUMBER_WORDS if not any(v != w and v in w for v in NUMBER_WORDS))


def quantities(text: str, start: int = 0, end: int | None = None) -> list[Quantity]:
    """Every quantity in ``text[start:end]`` with absolute offsets and a normalised value."""
    end = len(text) if end is None else end
    part = text[start:end]
    if start >= 0 and end >= 0 and part.isascii() and not _DIGIT.search(part):  # ASCII: re's IGNORECASE is lower()'s
        low = part.lower()
        if not any(w in low for w in _NUMBER_WORD_CORES):
            return []  # no digit and no number word: nothing ``_scan`` could find
    return _scan(text, start, end)


def _scan(text: str, start: int, end: int) -> list[Quantity]:
    out: list[Quantity] = []
    for m in _QUANTITY.finditer(text, start, end):
        g = m.groupdict()
        if g["mdate"]:
            v = f"date:{_month(m.group(0).split()[0])}-{int(g['md_d'])}" + (f"-{g['md_y']}" if g["md_y"] else "")
        elif g["dmdate"]:
            v = f"date:{_month(g['dm_m'])}-{int(g['dm_d'])}" + (f"-{g['dm_y']}" if g["dm_y"] else "")
        elif g["sdate"]:
            y = g["s3"] if len(g["s3"]) == 4 else "20" + g["s3"]
            v = f"date:{int(g['s1'])}-{int(g['s2'])}-{y}"
        elif g["time"]:
            v = "time:" + m.group(0)
        elif g["num"]:
            digits = g["digits"]
            if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits):
                digits = digits.replace(",", "")
            try:
                x = float(digits.replace(",", "."))
            except ValueError:
                continue
            if g["scale"] and not (g["scale"].lower() == "m" and not g["cur"]):  # "321.8 m" is metres
                x *= SCALES[g["scale"].lower()]
            v = ("money:" if g["cur"] else "pct:" if g["pct"] else "n:") + _fmt(x)
        else:
            x = 0.0
            for part in re.split(r"[-\s]+", m.group(0).lower()):
                if part in ("hundred", "thousand"):
                    x = max(x, 1.0) * NUMBER_WORDS[part]
                elif part in NUMBER_WORDS:
                    x += NUMBER_WORDS[part]
            if g["wscale"]:
                x *= SCALES[g["wscale"].lower()]
            v = ("pct:" if g["wpct"] else "n:") + _fmt(x)
        out.append(Quantity(m.start(), m.end(), v, m.group(0)))
    return out


def same_value(x: str, y: str) -> bool:
    """Equal values; a date without a year equals the same day with one."""
    if x == y:
        return True
    if x.startswith("date:") and y.startswith("date:"):
        px, py = x[5:].split("-"), y[5:].split("-")
        return px[:2] == py[:2] and (len(px) == 2 or len(py) == 2)
    if x.startswith(("n:", "money:")) and y.startswith(("n:", "money:")):
        return x.split(":")[1] == y.split(":")[1]
    return False


def same_quantity(x: Quantity, y: Quantity) -> bool:
    """Equal values, also across the decimal conventions ("2.402" read as two thousand four hundred and two)."""
    return same_value(x.value, y.value) or any(same_value(u, v) for u in x.readings() for v in y.readings())


def kind(value: str) -> str:
    """``date``, ``time``, ``money``, ``pct`` or ``n`` (a year written alone is ``n`` here; see :func:`is_year`)."""
    return value.split(":", 1)[0]


def magnitude(value: str) -> float | None:
    """The number in a ``money``/``pct``/``n`` value."""
    try:
        return float(value.split(":", 1)[1])
    except (IndexError, ValueError):
        return None


def is_year(q: Quantity) -> bool:
    """A four-digit number that reads as a year (1000-2100, no currency, scale or percent)."""
    return q.value.startswith("n:") and re.fullmatch(r"1\d{3}|20\d{2}|2100", q.text.strip()) is not None


def is_date(q: Quantity) -> bool:
    return q.value.startswith("date:") or is_year(q)


def _step(q: Quantity) -> float | None:
    """The precision a figure is written to, in its own units: "$114 million" -> 1e6, "12,500" -> 100, "4.5%" -> 0.1."""
    m = re.search(r"\d+(?:,\d{3})*(?:\.(\d+))?", q.text)
    v = magnitude(q.value)
    if not m or v is None:
        return None
    written = float(m.group(0).replace(",", ""))
    if written <= 0:
        return None
    scale = v / written
    if m.group(1):
        return scale * 10.0 ** -len(m.group(1))
    digits = m.group(0).replace(",", "")
    zeros = len(digits) - len(digits.rstrip("0"))
    if scale == 1 and zeros < 2:
        return None  # "30" / "31" is a change, not rounding; "12,500" / "12,480" is
    return scale * 10.0 ** zeros


def rounded(x: Quantity, y: Quantity) -> bool:
    """One figure is the other rounded: "$114.3 million" / "$114 million", "12,480" / "12,500"."""
    if kind(x.value) != kind(y.value) or kind(x.value) not in ("n", "money", "pct") or is_year(x) or is_year(y):
        return False
    if re.search(r"\d(?:st|nd|rd|th)\b", x.text + " " + y.text):
        return False  # ordinals are ranks, never rounded
    vx, vy = magnitude(x.value), magnitude(y.value)
    if vx is None or vy is None or vx == vy or vx <= 0 or vy <= 0:
        return False
    if abs(vx - vy) / max(vx, vy) > 0.05:
        return False
    for p, q in ((x, y), (y, x)):
        step = _step(q)
        if step is None and "." in p.text and "." not in q.text:
            step = (magnitude(q.value) or 0) / max(1.0, float(re.sub(r"[^\d]", "", q.text) or 1))  # 508.1 -> 508
        if step is not None and step > 0 and abs(magnitude(p.value) - magnitude(q.value)) <= step / 2 * (1 + 1e-9):
            return True
    return False
