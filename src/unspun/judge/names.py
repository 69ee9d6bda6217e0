"""Are two mentions the same thing?  Aliases, transliterations, spelling variants, initials, partial names.

"the UK" / "Britain", "al-Qaeda" / "al-Qaida", "Sulaimaniyah" / "Suleimaniya", "BPI" / "British
Phonographic Industry" and "Obama" / "Barack Obama" are the same; "Minogue" / "Madonna" is not.

Character similarity (RapidFuzz) decides spelling variants. The static embedder is *not* used to
tell names apart: it puts "Obama" / "Bush" (0.69) closer than "the UK" / "Britain" (0.67), so it
cannot separate a changed name from an alias.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

from .lexicon import ALIAS_GROUPS

#: Two spellings at least this similar (RapidFuzz ratio, 0-100) are one name.
SPELLING = 80
#: The same on the consonant skeleton (transliterations: "Gaddafi" / "Qadhafi" differ in vowels and one letter).
SKELETON = 85
_DROP = re.compile(r"^(?:the|a|an)\s+|'s$|’s$")
_VOWELS = re.compile(r"[aeiouy]")


@lru_cache(maxsize=4096)
def norm_name(s: str) -> str:
    """Lower case, accents and punctuation gone, a leading article and a possessive dropped."""
    s = unicodedata.normalize("NFKD", s.strip().casefold())
    s = "".join(c for c in s if not unicodedata.combining(c)).replace("’", "'")
    s = _DROP.sub("", s.strip())
    s = re.sub(r"[.\u00b7]", "", s)
    return " ".join(re.sub(r"[^\w\s]", " ", s).split())


def _alias_index() -> dict[str, int]:
    out: dict[str, int] = {}
    for k, group in enumerate(ALIAS_GROUPS):
        for name in group:
            out[norm_name(name)] = k
    return out


_ALIASES = _alias_index()


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w not in ("of", "and", "for", "the", "de", "la", "du", "von"))


@lru_cache(maxsize=8192)
def same_name(x: str, y: str) -> bool:
    """True when mentions ``x`` and ``y`` plausibly name the same person, place or thing."""
    a, b = norm_name(x), norm_name(y)
    if not a or not b:
        return False
    if a == b:
        return True
    if _ALIASES.get(a, -1) >= 0 and _ALIASES.get(a) == _ALIASES.get(b):
        return True
    ca, cb = a.replace(" ", ""), b.replace(" ", "")
    if ca == cb:
        return True
    wa, wb = a.split(), b.split()
    # "Obama" / "Barack Obama", "Des Jardins" / "Nicholas Des Jardins": one is part of the other
    if set(wa) <= set(wb) or set(wb) <= set(wa):
        return True
    # an abbreviation: "Rep" / "Republic", "Gen." / "General"
    if len(wa) == 1 and len(wb) == 1 and min(len(ca), len(cb)) >= 3 and (ca.startswith(cb) or cb.startswith(ca)):
        return True
    # initials: "BPI" / "British Phonographic Industry"
    if (len(wa) == 1 and len(ca) >= 2 and _initials(wb) == ca) or (len(wb) == 1 and len(cb) >= 2 and _initials(wa) == cb):
        return True
    if min(len(ca), len(cb)) >= 4 and fuzz.ratio(ca, cb) >= SPELLING:
        return True
    sa, sb = _VOWELS.sub("", ca[1:]), _VOWELS.sub("", cb[1:])
    if min(len(sa), len(sb)) >= 4 and fuzz.ratio(sa, sb) >= SKELETON and fuzz.ratio(ca, cb) >= 60:
        return True
    return False


def mentioned_in(name: str, text_norm: str) -> bool:
    """Is ``name`` (or an alias of it) written in ``text_norm`` (a text passed through :func:`norm_text`)?"""
    n = norm_name(name)
    if not n:
        return True
    if f" {n} " in text_norm:
        return True
    k = _ALIASES.get(n)
    if k is not None:
        return any(f" {norm_name(alias)} " in text_norm for alias in ALIAS_GROUPS[k])
    return False


def norm_text(text: str) -> str:
    """A whole text in the form :func:`mentioned_in` searches (spaces around every word)."""
    s = unicodedata.normalize("NFKD", text.casefold())
    if not s.isascii():  # drop the combining marks (each distinct character of the text asked once)
        s = s.translate({ord(c): None for c in set(s) if unicodedata.combining(c)})
    s = s.replace("’", "'")
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[.\u00b7]", "", s)
    return " " + " ".join(re.sub(r"[^\w\s]", " ", s).split()) + " "
