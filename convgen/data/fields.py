"""The field types of the data and their rules: texts, names, SIREN, e-mail, telephone, dates, key paths.

Each rule is written once, as a validator; the JSON Schema pattern that editors use is derived from the same
constants, so VS Code and ``convgen check`` refuse the same values.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import functools
import re
import unicodedata
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
)
from pydantic_core import PydanticCustomError

from convgen.data.patterns import (
    ALLOWED_EDGE_SPACES,
    BMP,
    FORBIDDEN_CATEGORIES,
    codes,
    ecma_class,
    ecma_literal,
    forbidden_points,
    schema_rule,
    text_pattern,
)

Civilite = Literal["Madame", "Monsieur"]
ModeSignature = Literal["electronique", "manuscrite"]
ChangementReferents = Literal["mise_a_jour_annexe", "avenant"]

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 500
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

_TEXT_EXPECTED = (
    "un texte est attendu, sur la ligne de la clé (entre guillemets s’il ressemble à un nombre ou à une date)"
)


def error(message: str, hint: str = "", at: tuple[str | int, ...] = ()) -> PydanticCustomError:
    """Return a validation error carrying a French message, a hint and an optional sub-path."""
    return PydanticCustomError("convgen", "{message}", {"message": message, "hint": hint, "at": at})


def fold(text: str) -> str:
    """Return ``text`` without accents, case, spaces or punctuation, for loose comparisons."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(c for c in decomposed.casefold() if c.isalnum())


def _clean_text(value: object) -> object:
    """Return the NFC, stripped form of a text; refuse control and invisible characters."""
    if not isinstance(value, str):
        return value  # the strict ``str`` schema reports the wrong type
    text = unicodedata.normalize("NFC", value).strip(ALLOWED_EDGE_SPACES)
    for char in text:
        if char == "\t":
            raise error("tabulation interdite dans la valeur", "remplacez-la par une espace")
        if char in "\r\n\u2028\u2029\x85":
            raise error("retour à la ligne interdit dans la valeur", "écrivez la valeur sur une seule ligne")
        if unicodedata.category(char) in FORBIDDEN_CATEGORIES:
            raise error(
                f"caractère invisible interdit (U+{ord(char):04X})",
                "retapez la valeur au clavier plutôt que de la copier-coller",
            )
    return text


@functools.cache
def _plain_text_pattern() -> str:
    """Return the pattern of any text: not empty, no tabulation, line break or invisible character."""
    return text_pattern(forbidden_points())


_TEXT_RULE = schema_rule(
    _plain_text_pattern,
    "texte vide, ou caractère interdit (tabulation, retour à la ligne, caractère invisible)",
    _TEXT_EXPECTED,
)
ShortText = Annotated[
    str,
    Field(strict=True, min_length=1, max_length=SHORT_TEXT_MAX, json_schema_extra=_TEXT_RULE),
    BeforeValidator(_clean_text),
]
_NAME_PUNCTUATION = " \u00a0\u202f'’-."
_NAME_HINT = "un prénom ou un nom ne contient que des lettres, des espaces, des apostrophes, des tirets et des points"
# Blocks whose letters are settled in every Unicode version Python 3.11 and later know: Latin up to the
# combining diacritics, general punctuation, currency signs. Elsewhere the editor leaves names to check.
_NAME_CHECKED_BLOCKS = (range(0x0000, 0x0370), range(0x2000, 0x2070), range(0x20A0, 0x20D0))


def _name_char(char: str) -> bool:
    """Return True for a character allowed in a person's name: a letter, a mark or name punctuation."""
    return char in _NAME_PUNCTUATION or unicodedata.category(char)[0] in "LM"


def _check_person_name(value: str) -> str:
    """Refuse in a person's name anything but letters, spaces, apostrophes, hyphens and periods."""
    for char in value:
        if not _name_char(char):
            raise error(f"caractère « {char} » inattendu dans un nom de personne", _NAME_HINT)
    return value


@functools.cache
def _name_pattern() -> str:
    """Return the pattern of a person's name, exact on ``_NAME_CHECKED_BLOCKS``."""
    refused = {point for block in _NAME_CHECKED_BLOCKS for point in block if not _name_char(chr(point))}
    return text_pattern(forbidden_points() | refused)


PersonName = Annotated[
    ShortText,
    AfterValidator(_check_person_name),
    Field(json_schema_extra=schema_rule(_name_pattern, _NAME_HINT, _TEXT_EXPECTED)),
]
LongText = Annotated[
    str,
    Field(strict=True, min_length=1, max_length=LONG_TEXT_MAX, json_schema_extra=_TEXT_RULE),
    BeforeValidator(_clean_text),
]


_SIREN_SPACES = " \u00a0\u202f"
_SIREN_DIGITS = 9


def _check_siren(value: str) -> str:
    """Return the SIREN without spaces; refuse anything but 9 digits with a valid Luhn key."""
    compact = "".join(char for char in value if char not in _SIREN_SPACES)
    if not re.fullmatch(r"[0-9]+", compact):
        raise error(f"SIREN « {value} » invalide : il ne doit contenir que des chiffres", 'exemple : "200072676"')
    if len(compact) != _SIREN_DIGITS:
        raise error(
            f"SIREN « {value} » invalide : {len(compact)} chiffres au lieu de {_SIREN_DIGITS}", 'exemple : "200072676"'
        )
    if not luhn_valid(compact):
        raise error(
            f"SIREN « {value} » invalide : la clé de contrôle (Luhn) est fausse",
            "vérifiez le numéro dans la base BANATIC ou sur l’annuaire des entreprises",
        )
    return compact


def luhn_valid(digits: str) -> bool:
    """Return True when the digit string passes the Luhn checksum."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _check_email(value: str) -> str:
    """Return the normalised e-mail address; refuse an invalid one (no DNS lookup)."""
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise error(f"adresse invalide « {value} »", "exemple : prenom.nom@cc-exemple.fr") from None
    return str(info.normalized)


_PHONE_SEPARATORS = " .-\u00a0\u202f"
_PHONE_TRUNK = "(0)"  # the national 0 that some write after +33: +33 (0)2 43 12 34 56
_PHONE_PREFIXES = ("+33", "0033")
_PHONE_HINT = "10 chiffres commençant par 0, par exemple 02 43 12 34 56"


def _normalise_phone(value: str) -> str:
    """Return a French phone number as ``02 43 12 34 56``; refuse anything else."""
    compact = "".join(char for char in value if char not in _PHONE_SEPARATORS).replace(_PHONE_TRUNK, "")
    for prefix in _PHONE_PREFIXES:
        if compact.startswith(prefix):
            compact = "0" + compact[len(prefix) :]
            break
    if not re.fullmatch(r"0[1-9][0-9]{8}", compact):
        raise error(f"numéro de téléphone invalide « {value} »", _PHONE_HINT)
    return " ".join(compact[i : i + 2] for i in range(0, 10, 2))


@functools.cache
def _siren_pattern() -> str:
    """Return the pattern of a SIREN: nine digits, spaces allowed between them."""
    edges = ecma_class(codes(ALLOWED_EDGE_SPACES))
    spaces = ecma_class(codes(_SIREN_SPACES))
    return f"^[{edges}]*[0-9](?:[{spaces}]*[0-9]){{{_SIREN_DIGITS - 1}}}[{edges}]*$"


@functools.cache
def _email_pattern() -> str:
    """Return a pattern every address ``_check_email`` accepts matches: dotted atoms, @, a dotted domain.

    The domain's IDNA rules, its special-use names and the length of its labels in bytes are left to check.
    """
    refused = set(forbidden_points()) | {p for p in BMP if unicodedata.category(chr(p)) == "Zs"}
    local = ecma_class(refused | set(range(0x21)) | codes('"(),.:;<>@[\\]'))
    ascii_not_hostname = {p for p in range(0x80) if not (chr(p).isalnum() or chr(p) == "-")}
    idna_dots = codes(".\u3002\uff0e\uff61")  # IDNA reads the ideographic and full-width full stops as dots
    label_char = ecma_class(refused | ascii_not_hostname | idna_dots)
    label_edge = ecma_class(refused | ascii_not_hostname | idna_dots | {ord("-")})
    tld_end = ecma_class(refused | ascii_not_hostname | idna_dots | {ord("-")} | codes("0123456789"))
    label = f"[^{label_edge}](?:[^{label_char}]{{0,61}}[^{label_edge}])?"
    tld = f"(?:[^{label_edge}][^{label_char}]{{0,61}})?[^{tld_end}]"
    dot = f"[{ecma_class(idna_dots)}]"
    edges = ecma_class(codes(ALLOWED_EDGE_SPACES))
    return f"^[{edges}]*[^{local}]+(?:\\.[^{local}]+)*@(?:{label}{dot})+{tld}[{edges}]*$"


@functools.cache
def _phone_pattern() -> str:
    """Return the pattern of the phone numbers ``_normalise_phone`` accepts, and only of them."""
    separator = f"[{ecma_class(codes(_PHONE_SEPARATORS))}]"
    trunk = f"{separator}*".join(ecma_literal(char) for char in _PHONE_TRUNK)
    filler = f"(?:{separator}|{trunk})*"  # what _normalise_phone removes, anywhere
    starts = "|".join(filler.join(ecma_literal(char) for char in start) for start in ("0", *_PHONE_PREFIXES))
    edges = ecma_class(codes(ALLOWED_EDGE_SPACES))
    return f"^[{edges}]*{filler}(?:{starts}){filler}[1-9](?:{filler}[0-9]){{8}}{filler}[{edges}]*$"


Siren = Annotated[
    str,
    Field(
        strict=True,
        min_length=1,
        max_length=20,
        json_schema_extra=schema_rule(
            _siren_pattern,
            'SIREN invalide : 9 chiffres, par exemple "200072676"',
            'le SIREN s\'écrit entre guillemets, par exemple "200072676"',
        ),
    ),
    BeforeValidator(_clean_text),
    AfterValidator(_check_siren),
]
Courriel = Annotated[
    str,
    Field(
        strict=True,
        min_length=1,
        max_length=254,
        json_schema_extra=schema_rule(
            _email_pattern,
            "adresse invalide — exemple : prenom.nom@cc-exemple.fr",
            "une adresse est attendue, par exemple prenom.nom@cc-exemple.fr",
        ),
    ),
    BeforeValidator(_clean_text),
    AfterValidator(_check_email),
]
Telephone = Annotated[
    str,
    Field(
        strict=True,
        min_length=1,
        max_length=30,
        json_schema_extra=schema_rule(
            _phone_pattern,
            f"numéro de téléphone invalide — {_PHONE_HINT}",
            'le numéro s\'écrit entre guillemets, par exemple "02 43 12 34 56"',
        ),
    ),
    BeforeValidator(_clean_text),
    AfterValidator(_normalise_phone),
]


def _date_suggestion(text: str) -> str:
    """Return the ISO form of a date written another way, or a generic example."""
    match = (
        re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
        or re.fullmatch(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})", text)
        or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    )
    if match:
        first, second, third = (int(g) for g in match.groups())
        year, month, day = (third, second, first) if first <= 31 and third > 31 else (first, second, third)
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            pass
    return "2024-03-12"


def _parse_date(value: object) -> object:
    """Return a date from a YAML date or an ISO text; explain any other form in French."""
    if isinstance(value, dt.datetime):
        raise error(
            "une date sans heure est attendue",
            f"écrivez seulement la date, par exemple {value.date().isoformat()}",
        )
    if isinstance(value, dt.date):
        return value
    if value is None:
        raise error("date manquante", "format attendu AAAA-MM-JJ, par exemple 2024-03-12")
    if isinstance(value, str):
        text = value.strip()
        match = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            if year == 0:
                raise error(f"date impossible « {text} » : il n’y a pas d’année 0", "vérifiez l’année")
            if not 1 <= month <= 12:
                raise error(f"date impossible « {text} » : il n’y a pas de mois {month}", "format AAAA-MM-JJ")
            days = calendar.monthrange(year, month)[1]
            if not 1 <= day <= days:
                raise error(
                    f"date impossible « {text} » : {MONTHS[month - 1]} {year} compte {days} jours",
                    "vérifiez le jour et le mois",
                )
            return dt.date(year, month, day)
        raise error(
            f"date « {text} » mal écrite",
            f"format attendu AAAA-MM-JJ, par exemple {_date_suggestion(text)}",
        )
    if isinstance(value, bool):
        raise error("une date est attendue, pas oui/non", "format attendu AAAA-MM-JJ, par exemple 2024-03-12")
    if isinstance(value, int | float):
        raise error(
            f"« {value} » n’est pas une date", f"format attendu AAAA-MM-JJ, par exemple {_date_suggestion(str(value))}"
        )
    raise error("une date est attendue", "format attendu AAAA-MM-JJ, par exemple 2024-03-12")


def _parse_optional_date(value: object) -> object:
    """Return None for an empty value, else the date as ``_parse_date`` reads it."""
    return None if value is None else _parse_date(value)


_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"  # 0001 to 9999
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)


@functools.cache
def _date_pattern() -> str:
    """Return the pattern of the dates ``_parse_date`` reads from a text: real calendar days, AAAA-MM-JJ."""
    spaces = ecma_class(point for point in BMP if chr(point).isspace())  # what str.strip() removes
    return f"^[{spaces}]*(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)[{spaces}]*$"


# YAML 1.2, which editors read, gives a date as a text: the schema checks that text.
_DateText = Annotated[
    dt.date,
    Field(
        json_schema_extra=schema_rule(
            _date_pattern,
            "date impossible ou mal écrite — format attendu AAAA-MM-JJ, par exemple 2024-03-12",
            "une date est attendue, au format AAAA-MM-JJ, par exemple 2024-03-12",
        )
    ),
]
Date = Annotated[_DateText, BeforeValidator(_parse_date)]
OptionalDate = Annotated[_DateText | None, BeforeValidator(_parse_optional_date)]


def _check_key_path(value: str) -> str:
    """Refuse a key to confirm that is not written as a key: lowercase words and dots (``president.nom``)."""
    if not re.fullmatch(r"[a-z_]+(?:\.[a-z_]+)*", value):
        raise error(
            f"« {value} » n’est pas une clé",
            "écrivez la clé telle qu’elle figure dans le fichier, par exemple siege ou president.nom",
        )
    return value


KeyPath = Annotated[
    str,
    Field(strict=True, min_length=1, max_length=SHORT_TEXT_MAX),
    BeforeValidator(_clean_text),
    AfterValidator(_check_key_path),
]


def keys_of(model: BaseModel, prefix: str = "") -> list[str]:
    """Return the keys written in the file a model was read from, nested ones dotted, in the model's order."""
    keys: list[str] = []
    for name in model.__class__.model_fields:
        if name not in model.model_fields_set:
            continue
        keys.append(prefix + name)
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            keys += keys_of(value, f"{prefix}{name}.")
    return keys


def check_keys_to_confirm(model: BaseModel, keys: tuple[str, ...]) -> None:
    """Refuse a key to confirm that is not a key of the file, or that is listed twice."""
    known = [k for k in keys_of(model) if k != "a_confirmer"]
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            raise error(f"clé « {key} » en double", "supprimez l’une des deux lignes", ("a_confirmer", index))
        seen.add(key)
        if key not in known:
            close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
            hint = "clés voisines : " + ", ".join(close) if close else "clés du fichier : " + ", ".join(known[:12])
            raise error(f"« {key} » n’est pas une clé de ce fichier", hint, ("a_confirmer", index))


FIGURES_DIR = "templates/figures"
_FIGURE_FILE = re.compile(r"templates/figures/[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*\.(?:png|jpe?g)")


def _check_figure_file(value: str) -> str:
    """Refuse a figure file outside ``templates/figures/`` or that is not a PNG or JPEG image."""
    if not _FIGURE_FILE.fullmatch(value):
        raise error(
            f"fichier de figure « {value} » refusé : une image PNG ou JPEG du dossier {FIGURES_DIR}/ est attendue",
            f"exemple : {FIGURES_DIR}/carte-offres.png (minuscules, chiffres et tirets, sans espace)",
        )
    return value


FigureFile = Annotated[
    str,
    Field(
        strict=True,
        min_length=1,
        max_length=SHORT_TEXT_MAX,
        json_schema_extra=schema_rule(
            lambda: f"^{_FIGURE_FILE.pattern}$",
            f"une image PNG ou JPEG du dossier {FIGURES_DIR}/ est attendue, par exemple {FIGURES_DIR}/carte-offres.png",
            _TEXT_EXPECTED,
        ),
    ),
    BeforeValidator(_clean_text),
    AfterValidator(_check_figure_file),
]
