"""French words for the documents: dates, names, gender agreement, typography.

Pure functions on strings and dates; nothing here knows of DOCX or PDF, and nothing escapes XML.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable

from babel.dates import format_date

from convgen.data.fields import MONTHS

NBSP = "\u00a0"
"""Non-breaking space (espace insécable)."""

APOSTROPHE = "\u2019"
"""Typographic apostrophe (’)."""

_LOCALE = "fr_FR"

# Horizontal spaces that typography may replace by a non-breaking space (never a line break).
_HSPACE = " \t\u00a0\u202f"

# Spans left untouched by typography: URLs, e-mail addresses.
_PROTECTED = re.compile(
    r"""
    (?:\b[A-Za-z][A-Za-z0-9+.-]*://|\b(?:mailto|tel):|\bwww\.)   # scheme or www.
    [^\s<>«»"]*[^\s<>«»".,;:!?)\]'’]                            # no trailing punctuation
    |
    [\w.+'-]+@[\w-]+(?:\.[\w-]+)+                                # e-mail address
    """,
    re.VERBOSE,
)
WEB_ADDRESS = _PROTECTED
"""A web address (``https://…``, ``www.…``) or an e-mail address: never broken at its own hyphens."""

# A number and the unit after it (amounts, percentages, durations): one unbreakable group.
UNITS = r"(?:€|%|millions?|milliards?|ans|années?|mois|semaines?|jours?|heures?)(?![\w])"
_NUMBER_UNIT = re.compile(rf"(?<=\d)[ \t]+(?={UNITS})")
_MULTIPLE_CURRENCY = re.compile(r"\b(millions?|milliards?)[ \t]+(?=€)")
# Groups of three digits of a large number (« 30 000 »).
_THOUSANDS = re.compile(r"(?<![\d,.])(\d{1,3})((?:[ \u00a0\u202f]\d{3})+)(?![\d,])")
# Placeholders for protected spans: characters of the supplementary private use area (plane 15).
_PLACEHOLDER_BASE = 0xF0000
_PLACEHOLDER = re.compile("[\U000f0000-\U000fffff]")

_STRAIGHT_QUOTES = re.compile(r'"([^"\n]*)"')
_CURLY_QUOTES = re.compile("\u201c([^\u201c\u201d\n]*)\u201d")
_AFTER_OPENING = re.compile(f"«[{_HSPACE}]*")
_BEFORE_CLOSING = re.compile(f"[{_HSPACE}]*»")
# A high punctuation mark (; ? ! and a lone colon), with the spaces before it, after a visible character.
_BEFORE_HIGH_PUNCTUATION = re.compile(f"(?<=[^\\s:])(?P<space>[{_HSPACE}]*)(?=[;?!]|:(?![:/\\\\]))")
# Characters after which a missing space before a high punctuation mark is inserted.
_SPACED_AFTER = "»)]"
# « n° 3 », « N° 2021-1109 »: the sign keeps its number.
_NUMERO = re.compile(f"(?<![\\w])([nN]°)[{_HSPACE}]+(?=\\S)")
# « article L. 5211-20 »: the code's letter keeps its number.
_CODE_ARTICLE = re.compile(r"(?<![\w.])([LRD]\.)[ \t]+(?=\d)")
_MONTH = "(?:" + "|".join(MONTHS) + ")"
# A day and its month, a month and its year: « 30 novembre 2027 » never breaks.
_DAY_MONTH = re.compile(rf"(?<![\w,.])(1er|\d{{1,2}})[ \t]+(?={_MONTH}(?!\w))")
_MONTH_YEAR = re.compile(rf"(?<!\w)({_MONTH})[ \t]+(?=\d{{4}}(?!\d))")
# A small number and the noun after it (« 3 thématiques », « 228 offres »): words that are not nouns excepted.
_NOT_NOUNS = (
    *("à", "au", "aux", "de", "des", "du", "d’", "d'", "et", "ou", "en", "la", "le", "les", "l’", "l'"),
    *("par", "pour", "sur", "sous", "dans", "avec", "entre", "vers", "selon", "ce", "cet", "cette", "ces"),
    *("qui", "que", "ne", "est", "sont", "a", "ont", "puis", "soit", "jusqu’", "jusqu'"),
)
_NUMBER_NOUN = re.compile(
    r"(?<![\w,./\u2011-])(\d{1,3}(?:[\u00a0]\d{3})*(?:,\d+)?)[ \t]+"
    r"(?!(?:" + "|".join(re.escape(w) for w in _NOT_NOUNS) + r")(?![\w’']))(?=[a-zà-ÿœæ])"
)

_LE_LES = re.compile(r"(?i)^(les?)\s+(?=\S)")
_DIGITS = re.compile(r"\D")
_PHONE_SEPARATORS = re.compile(r"[\s.\-]")
_SPACES = re.compile(r"\s+")


def date_in_words(d: dt.date) -> str:
    """Return the date in French words: "23 février 2024", "1er décembre 2023"."""
    words = format_date(d, format="long", locale=_LOCALE)
    if d.day == 1:
        words = re.sub(r"^1(?=\s)", "1er", words)
    return words


def upper_text(s: str) -> str:
    """Return the text in capitals with its accents kept ("ÉTAT"), in NFC form."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", s).upper())


def upper_name(nom: str) -> str:
    """Return the surname in capitals with its accents kept: "Le Mèner" → "LE MÈNER"."""
    return upper_text(" ".join(nom.split()))


@functools.lru_cache(maxsize=8192)  # pure; every document of a build sets the same template sentences
def typography(s: str) -> str:
    """Return the text with French typography: ’, « », non-breaking spaces before ; : ? !, in « 30 000 € ».

    A number keeps its unit on its line (« 3,9 millions € », « 45 % », « 3 années »); web and e-mail
    addresses are left as they are.
    """

    def typeset(text: str) -> str:
        text = text.replace("'", APOSTROPHE)
        text = _STRAIGHT_QUOTES.sub(_guillemets, text)
        return _spaced(_CURLY_QUOTES.sub(_guillemets, text))

    return _outside_addresses(unicodedata.normalize("NFC", s), typeset)


@functools.lru_cache(maxsize=8192)  # pure; every document of a build sets the same template sentences
def spacing(s: str) -> str:
    """Return the text with its French non-breaking spaces, and no other change: the spaces of
    :func:`typography` (before ; : ? !, inside « », in amounts), and a number held to what it numbers (after
    « n° », in a date, before a noun). Web and e-mail addresses are left as they are.

    What the renderer applies to every paragraph of a document as it is set (``typeset.french_spacing``):
    every other character stays where it is.
    """
    return _outside_addresses(s, lambda text: _held_together(_spaced(text)))


def _outside_addresses(text: str, change: Callable[[str], str]) -> str:
    """Return ``change`` applied to the text with its web and e-mail addresses left as they are."""
    if _PLACEHOLDER.search(text):
        return change(text)
    protected: list[str] = []

    def protect(match: re.Match[str]) -> str:
        protected.append(match.group(0))
        return chr(_PLACEHOLDER_BASE + len(protected) - 1)

    text = change(_PROTECTED.sub(protect, text))
    if protected:
        text = _PLACEHOLDER.sub(lambda m: protected[ord(m.group(0)) - _PLACEHOLDER_BASE], text)
    return text


def _spaced(text: str) -> str:
    """Return the text with the non-breaking spaces of French typography (addresses already protected)."""
    text = _AFTER_OPENING.sub("«" + NBSP, text)
    text = _BEFORE_CLOSING.sub(NBSP + "»", text)
    text = _BEFORE_HIGH_PUNCTUATION.sub(_space_before_high_punctuation, text)
    text = _THOUSANDS.sub(lambda m: m.group(1) + re.sub(r"[ \u202f]", NBSP, m.group(2)), text)
    text = _NUMBER_UNIT.sub(NBSP, text)
    return _MULTIPLE_CURRENCY.sub(lambda m: m.group(1) + NBSP, text)


def _held_together(text: str) -> str:
    """Return the text with a number held to what it numbers: « n° 3 », « L. 5211-20 », « 30 novembre 2027 »,
    « 3 thématiques » (rules of the documents as they are set; the data keep their plain spaces)."""
    text = _NUMERO.sub(lambda m: m.group(1) + NBSP, text)
    text = _CODE_ARTICLE.sub(lambda m: m.group(1) + NBSP, text)
    text = _DAY_MONTH.sub(lambda m: m.group(1) + NBSP, text)
    text = _MONTH_YEAR.sub(lambda m: m.group(1) + NBSP, text)
    return _NUMBER_NOUN.sub(lambda m: m.group(1) + NBSP, text)


def _guillemets(match: re.Match[str]) -> str:
    """Return the quoted text between French guillemets."""
    return f"«{NBSP}{match.group(1).strip(_HSPACE)}{NBSP}»"


def _space_before_high_punctuation(match: re.Match[str]) -> str:
    """Return a non-breaking space where a space is, or is missing after a letter."""
    if match.group("space"):
        return NBSP
    before = match.string[match.start() - 1]
    return NBSP if before.isalpha() or before in _SPACED_AFTER else ""


def with_place_preposition(lieu: str) -> str:
    """Return the place name after "à", contracted: "au Mans", "aux Sables-d’Olonne", "à La Flèche"."""
    lieu = " ".join(lieu.split())
    match = _LE_LES.match(lieu)
    if match is None:
        prepose = f"à {lieu}"
    else:
        contraction = "aux" if match.group(1).lower() == "les" else "au"
        prepose = f"{contraction} {lieu[match.end() :]}"
    return typography(prepose)


def format_siren(siren: str) -> str:
    """Return the SIREN in three groups of three digits joined by non-breaking spaces."""
    digits = _DIGITS.sub("", siren)
    if len(digits) != 9:
        raise ValueError(f"SIREN invalide « {siren} » : 9 chiffres attendus")
    return NBSP.join((digits[0:3], digits[3:6], digits[6:9]))


def format_phone(telephone: str) -> str:
    """Return the phone number with non-breaking spaces, so that it never breaks across lines."""
    digits = _PHONE_SEPARATORS.sub("", telephone)
    if re.fullmatch(r"0\d{9}", digits):
        return NBSP.join(digits[i : i + 2] for i in range(0, 10, 2))
    return _SPACES.sub(NBSP, telephone.strip())


def gendered(civilite: str, masculine: str, feminine: str) -> str:
    """Return the feminine form for "Madame", the masculine form for "Monsieur"."""
    if civilite == "Madame":
        return feminine
    if civilite == "Monsieur":
        return masculine
    raise ValueError(f"civilité inconnue « {civilite} » : « Madame » ou « Monsieur » attendu")


def duration_in_words(debut: dt.date, fin: dt.date) -> str:
    """Return the duration from debut to fin, both included, in words: "3 années", "1 année et 6 mois"."""
    end = fin + dt.timedelta(days=1)
    if end <= debut:
        raise ValueError(f"période vide : la fin ({fin.isoformat()}) précède le début ({debut.isoformat()})")
    months = (end.year - debut.year) * 12 + end.month - debut.month
    if _add_months(debut, months) > end:
        months -= 1
    days = (end - _add_months(debut, months)).days
    years, months = divmod(months, 12)
    parts = [
        _count(n, singular, plural)
        for n, singular, plural in (
            (years, "année", "années"),
            (months, "mois", "mois"),
            (days, "jour", "jours"),
        )
        if n
    ]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def _add_months(d: dt.date, months: int) -> dt.date:
    """Return the date a number of months later, on the last day of the month when the day is missing."""
    year, month_index = divmod(d.month - 1 + months, 12)
    year += d.year
    month = month_index + 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(d.day, last_day))


def _count(n: int, singular: str, plural: str) -> str:
    """Return the number followed by the noun in the singular (1) or the plural."""
    return f"{n} {singular if n == 1 else plural}"


def plural(count: int, one: str, many: str) -> str:
    """Return the singular for 0 and 1, as French counts (« 0 inchangé », « 1 acte »), else the plural."""
    return one if count <= 1 else many


def counted(count: int, one: str, many: str) -> str:
    """Return the number and its noun agreed with it: « 0 acte vérifié », « 3 actes vérifiés »."""
    return f"{count} {plural(count, one, many)}"


def period_label(debut: dt.date, fin: dt.date) -> str:
    """Return the years a period is named after: « 2024-2026 » (a December start counts as next year)."""
    return f"{debut.year + (1 if debut.month == 12 else 0)}-{fin.year}"
