"""The typed data of the conventions: Département, programme, intercommunalities (EPCI).

Field names are the YAML keys legal staff write (French), one to one. Every rule of validity lives
here; errors are raised as ``PydanticCustomError("convgen", …)`` whose context carries the French
``message``, a ``hint`` and, when the error belongs to a sub-key, the relative path ``at`` of that key.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

Civilite = Literal["Madame", "Monsieur"]
ModeSignature = Literal["electronique", "manuscrite"]

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
_ALLOWED_EDGE_SPACES = " \t\r\n\u00a0\u202f"
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}

# Editors check the data files against the JSON Schema generated from these models. Every rule that a
# regular expression can state is given there as a ``pattern`` (ECMA-262, the dialect of JSON Schema),
# built from the constants its validator uses; the patterns only reach the schema (``json_schema_extra``),
# so validation stays with the validators. Characters beyond U+FFFF are left to ``convgen check``.
_BMP = range(0x10000)
_SURROGATES = range(0xD800, 0xE000)


def _ecma_char(point: int) -> str:
    """Return a code point as written in a character class: printable ASCII as itself, the rest escaped."""
    char = chr(point)
    if char in "\\[]^-":
        return "\\" + char
    return char if 0x20 <= point < 0x7F else f"\\u{point:04x}"


def _ecma_literal(char: str) -> str:
    """Return a character as written outside a character class."""
    return "\\" + char if char in "^$\\.*+?()[]{}|/" else char


def _ecma_class(points: Iterable[int]) -> str:
    """Return the inside of a character class matching exactly ``points`` (BMP code points)."""
    ranges: list[list[int]] = []
    for point in sorted(set(points)):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    parts: list[str] = []
    for first, last in ranges:
        if last == first:
            parts.append(_ecma_char(first))
        elif last == first + 1:
            parts.append(_ecma_char(first) + _ecma_char(last))
        else:
            parts.append(f"{_ecma_char(first)}-{_ecma_char(last)}")
    return "".join(parts)


def _codes(text: str) -> set[int]:
    """Return the code points of ``text``."""
    return {ord(char) for char in text}


@functools.cache
def _forbidden_points() -> frozenset[int]:
    """Return the BMP code points refused in any text: control, format, private-use, line separators."""
    return frozenset(
        point
        for point in _BMP
        if point not in _SURROGATES and unicodedata.category(chr(point)) in _FORBIDDEN_CATEGORIES
    )


def _text_pattern(refused: frozenset[int]) -> str:
    """Return the pattern of a text as ``_clean_text`` reads it, refusing ``refused`` inside it."""
    edges = _ecma_class(_codes(_ALLOWED_EDGE_SPACES))
    first = _ecma_class(refused | _codes(_ALLOWED_EDGE_SPACES))
    return f"^[{edges}]*[^{first}][^{_ecma_class(refused)}]*[{edges}]*$"


def _schema_rule(pattern: Callable[[], str], message: str, expected: str) -> Callable[[dict[str, Any]], None]:
    """Return a ``json_schema_extra`` hook giving editors a rule's pattern and its French messages.

    ``message`` is shown when the text breaks the pattern, ``expected`` when the value is not a text
    (``errorMessage``, which VS Code also shows for a wrong type).
    """

    def extra(schema: dict[str, Any]) -> None:
        """Add the pattern and its messages to the JSON Schema of a field."""
        schema["pattern"] = pattern()
        schema["patternErrorMessage"] = message
        schema["errorMessage"] = expected

    return extra


_TEXT_EXPECTED = (
    "un texte est attendu, sur la ligne de la clé (entre guillemets s'il ressemble à un nombre ou à une date)"
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
    text = unicodedata.normalize("NFC", value).strip(_ALLOWED_EDGE_SPACES)
    for char in text:
        if char == "\t":
            raise error("tabulation interdite dans la valeur", "remplacez-la par une espace")
        if char in "\r\n\u2028\u2029\x85":
            raise error("retour à la ligne interdit dans la valeur", "écrivez la valeur sur une seule ligne")
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            raise error(
                f"caractère invisible interdit (U+{ord(char):04X})",
                "retapez la valeur au clavier plutôt que de la copier-coller",
            )
    return text


@functools.cache
def _plain_text_pattern() -> str:
    """Return the pattern of any text: not empty, no tabulation, line break or invisible character."""
    return _text_pattern(_forbidden_points())


_TEXT_RULE = _schema_rule(
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
    return _text_pattern(_forbidden_points() | refused)


PersonName = Annotated[
    ShortText,
    AfterValidator(_check_person_name),
    Field(json_schema_extra=_schema_rule(_name_pattern, _NAME_HINT, _TEXT_EXPECTED)),
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
            "vérifiez le numéro dans la base BANATIC ou sur l'annuaire des entreprises",
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
    edges = _ecma_class(_codes(_ALLOWED_EDGE_SPACES))
    spaces = _ecma_class(_codes(_SIREN_SPACES))
    return f"^[{edges}]*[0-9](?:[{spaces}]*[0-9]){{{_SIREN_DIGITS - 1}}}[{edges}]*$"


@functools.cache
def _email_pattern() -> str:
    """Return a pattern every address ``_check_email`` accepts matches: dotted atoms, @, a dotted domain.

    The domain's IDNA rules, its special-use names and the length of its labels in bytes are left to check.
    """
    refused = set(_forbidden_points()) | {p for p in _BMP if unicodedata.category(chr(p)) == "Zs"}
    local = _ecma_class(refused | set(range(0x21)) | _codes('"(),.:;<>@[\\]'))
    ascii_not_hostname = {p for p in range(0x80) if not (chr(p).isalnum() or chr(p) == "-")}
    idna_dots = _codes(".\u3002\uff0e\uff61")  # IDNA reads the ideographic and full-width full stops as dots
    label_char = _ecma_class(refused | ascii_not_hostname | idna_dots)
    label_edge = _ecma_class(refused | ascii_not_hostname | idna_dots | {ord("-")})
    tld_end = _ecma_class(refused | ascii_not_hostname | idna_dots | {ord("-")} | _codes("0123456789"))
    label = f"[^{label_edge}](?:[^{label_char}]{{0,61}}[^{label_edge}])?"
    tld = f"(?:[^{label_edge}][^{label_char}]{{0,61}})?[^{tld_end}]"
    dot = f"[{_ecma_class(idna_dots)}]"
    edges = _ecma_class(_codes(_ALLOWED_EDGE_SPACES))
    return f"^[{edges}]*[^{local}]+(?:\\.[^{local}]+)*@(?:{label}{dot})+{tld}[{edges}]*$"


@functools.cache
def _phone_pattern() -> str:
    """Return the pattern of the phone numbers ``_normalise_phone`` accepts, and only of them."""
    separator = f"[{_ecma_class(_codes(_PHONE_SEPARATORS))}]"
    trunk = f"{separator}*".join(_ecma_literal(char) for char in _PHONE_TRUNK)
    filler = f"(?:{separator}|{trunk})*"  # what _normalise_phone removes, anywhere
    starts = "|".join(filler.join(_ecma_literal(char) for char in start) for start in ("0", *_PHONE_PREFIXES))
    edges = _ecma_class(_codes(_ALLOWED_EDGE_SPACES))
    return f"^[{edges}]*{filler}(?:{starts}){filler}[1-9](?:{filler}[0-9]){{8}}{filler}[{edges}]*$"


Siren = Annotated[
    str,
    Field(
        strict=True,
        min_length=1,
        max_length=20,
        json_schema_extra=_schema_rule(
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
        json_schema_extra=_schema_rule(
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
        json_schema_extra=_schema_rule(
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
                raise error(f"date impossible « {text} » : il n'y a pas d'année 0", "vérifiez l'année")
            if not 1 <= month <= 12:
                raise error(f"date impossible « {text} » : il n'y a pas de mois {month}", "format AAAA-MM-JJ")
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
            f"« {value} » n'est pas une date", f"format attendu AAAA-MM-JJ, par exemple {_date_suggestion(str(value))}"
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
    spaces = _ecma_class(point for point in _BMP if chr(point).isspace())  # what str.strip() removes
    return f"^[{spaces}]*(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)[{spaces}]*$"


# YAML 1.2, which editors read, gives a date as a text: the schema checks that text.
_DateText = Annotated[
    dt.date,
    Field(
        json_schema_extra=_schema_rule(
            _date_pattern,
            "date impossible ou mal écrite — format attendu AAAA-MM-JJ, par exemple 2024-03-12",
            "une date est attendue, au format AAAA-MM-JJ, par exemple 2024-03-12",
        )
    ),
]
Date = Annotated[_DateText, BeforeValidator(_parse_date)]
OptionalDate = Annotated[_DateText | None, BeforeValidator(_parse_optional_date)]


# Examples shown by editors for the keys that hold other keys; fictitious people and numbers.
_PRESIDENT_EXAMPLE = {"civilite": "Madame", "prenom": "Anne", "nom": "Exemple"}
_REFERENT_EXAMPLE = {
    "civilite": "Monsieur",
    "prenom": "Jean",
    "nom": "Modèle",
    "fonction": "Chargé de mission numérique",
    "courriel": "jean.modele@exemple.fr",
    "telephone": "02 61 91 12 34",
}
_SUPPLEANT_EXAMPLE = {
    "civilite": "Madame",
    "prenom": "Claire",
    "nom": "Factice",
    "fonction": "Directrice des services à la population",
    "courriel": "claire.factice@exemple.fr",
    "telephone": "02 61 91 12 35",
}
_RESSOURCES_EXAMPLE = {
    "materiels": ["Salle de réunion du siège communautaire équipée d'un vidéoprojecteur"],
    "communication": ["Article dans le magazine intercommunal"],
}
_DEPARTEMENT_EXAMPLE = {
    "nom": "Département de la Sarthe",
    "president": _PRESIDENT_EXAMPLE,
    "deliberation": "2024-02-23",
    "lieu_signature": "Le Mans",
    "adresse": "Hôtel du Département – 72072 Le Mans Cedex 9",
    "referent": _REFERENT_EXAMPLE,
    "suppleant": _SUPPLEANT_EXAMPLE,
}
_PROGRAMME_EXAMPLE = {
    "debut": "2023-12-01",
    "fin": "2026-11-30",
    "convention_etat": "2024-02-23",
    "convention_etat_coordinateur": "2024-02-23",
}


class StrictModel(BaseModel):
    """Base: unknown keys refused, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Personne(StrictModel):
    """A person named in a convention (a president)."""

    model_config = ConfigDict(
        title="Personne", json_schema_extra={"description": "Personne nommée dans la convention."}
    )

    civilite: Civilite = Field(
        title="Civilité",
        description="« Madame » ou « Monsieur ».",
        examples=["Madame"],
        json_schema_extra={"errorMessage": "écrivez « Madame » ou « Monsieur »"},
    )
    prenom: PersonName = Field(
        title="Prénom",
        description="Prénom, tel qu'il doit être imprimé : lettres, espaces, apostrophes, tirets et points.",
        examples=["Claire"],
    )
    nom: PersonName = Field(
        title="Nom",
        description=(
            "Nom de famille en minuscules accentuées ; les capitales sont mises à l'impression. "
            "Lettres, espaces, apostrophes, tirets et points."
        ),
        examples=["Exemple"],
    )

    def same_person(self, other: Personne) -> bool:
        """Return True when both name the same person (case, accents and punctuation ignored)."""
        return (fold(self.prenom), fold(self.nom)) == (fold(other.prenom), fold(other.nom))


class Contact(Personne):
    """A referent or deputy, with the means to reach them (personal data: RGPD)."""

    model_config = ConfigDict(
        title="Contact",
        json_schema_extra={"description": "Référent ou suppléant : personne à contacter pour le dispositif."},
    )

    fonction: ShortText = Field(
        title="Fonction",
        description="Fonction exercée, accordée au genre.",
        examples=["Directrice des services à la population"],
    )
    courriel: Courriel = Field(
        title="Courriel",
        description="Adresse électronique ; le domaine est réécrit en minuscules.",
        examples=["prenom.nom@cc-exemple.fr"],
    )
    telephone: Telephone = Field(
        title="Téléphone",
        description=(
            "Numéro de téléphone français entre guillemets : 10 chiffres commençant par 0, "
            "ou +33 suivi de 9 chiffres ; espaces, points et tirets permis. Réécrit sous la forme 02 43 12 34 56."
        ),
        examples=["02 43 12 34 56"],
    )


def _check_items(items: tuple[str, ...]) -> tuple[str, ...]:
    """Refuse an item repeated in the same list."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        key = fold(item) or item
        if key in seen:
            raise error(f"élément « {item} » en double dans la liste", "supprimez l'une des deux lignes", (index,))
        seen.add(key)
    return items


class Ressources(StrictModel):
    """What the intercommunality lends the adviser (Article 3.2, annex)."""

    model_config = ConfigDict(
        title="Ressources",
        json_schema_extra={
            "description": "Ressources prêtées gracieusement au conseiller numérique (article 3.2).",
            "anyOf": [  # _not_empty: at least one resource across both lists
                {"required": ["materiels"], "properties": {"materiels": {"minItems": 1}}},
                {"required": ["communication"], "properties": {"communication": {"minItems": 1}}},
            ],
        },
    )

    materiels: tuple[LongText, ...] = Field(
        title="Matériels et locaux",
        default=(),
        description=(
            "Locaux, matériels et accès prêtés, un élément par ligne précédé de « - », 500 caractères au plus, "
            "sans doublon ; au moins un élément ici ou sous « communication »."
        ),
        examples=[["Salle de réunion du siège communautaire équipée d'un vidéoprojecteur"]],
        json_schema_extra={"uniqueItems": True},  # the exact repeats of _check_items; case and accents: check
    )
    communication: tuple[LongText, ...] = Field(
        title="Communication",
        default=(),
        description=(
            "Supports de communication mobilisés, un élément par ligne précédé de « - », 500 caractères au plus, "
            "sans doublon ; au moins un élément ici ou sous « materiels »."
        ),
        examples=[["Article dans le magazine intercommunal"]],
        json_schema_extra={"uniqueItems": True},
    )

    @field_validator("materiels", "communication")
    @classmethod
    def _no_duplicate(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        """Refuse an item repeated in the same list."""
        return _check_items(items)

    @model_validator(mode="after")
    def _not_empty(self) -> Ressources:
        """Require at least one resource across both lists."""
        if not self.materiels and not self.communication:
            raise error(
                "aucune ressource n'est indiquée",
                "ajoutez au moins un élément sous « materiels » ou « communication » (article 3.2)",
            )
        return self


def _distinct_contacts(referent: Contact, suppleant: Contact) -> None:
    """Refuse a deputy who is the referent."""
    if referent.same_person(suppleant):
        raise error(
            "le suppléant est la même personne que le référent",
            "désignez comme suppléant une autre personne",
            ("suppleant",),
        )


def _check_key_path(value: str) -> str:
    """Refuse a key to confirm that is not written as a key: lowercase words and dots (``president.nom``)."""
    if not re.fullmatch(r"[a-z_]+(?:\.[a-z_]+)*", value):
        raise error(
            f"« {value} » n'est pas une clé",
            "écrivez la clé telle qu'elle figure dans le fichier, par exemple siege ou president.nom",
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


def _check_keys_to_confirm(model: BaseModel, keys: tuple[str, ...]) -> None:
    """Refuse a key to confirm that is not a key of the file, or that is listed twice."""
    known = [k for k in keys_of(model) if k != "a_confirmer"]
    seen: set[str] = set()
    for index, key in enumerate(keys):
        if key in seen:
            raise error(f"clé « {key} » en double", "supprimez l'une des deux lignes", ("a_confirmer", index))
        seen.add(key)
        if key not in known:
            close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
            hint = "clés voisines : " + ", ".join(close) if close else "clés du fichier : " + ", ".join(known[:12])
            raise error(f"« {key} » n'est pas une clé de ce fichier", hint, ("a_confirmer", index))


class ArretePrefectoral(StrictModel):
    """The prefectoral order that changed the intercommunality's statutes (CGCT, art. L. 5211-20)."""

    model_config = ConfigDict(
        title="Arrêté préfectoral",
        json_schema_extra={
            "description": "Arrêté préfectoral modifiant les statuts (article L. 5211-20 du CGCT), cité par l'avenant."
        },
    )

    date: Date = Field(title="Date", description="Date de l'arrêté (AAAA-MM-JJ).", examples=["2025-01-15"])
    reference: ShortText = Field(
        title="Numéro",
        description="Numéro de l'arrêté, tel qu'il figure sur l'arrêté (sans « n° »).",
        examples=["DCPPAT 2025-0012"],
    )


class Epci(StrictModel):
    """One communauté de communes: the content of ``epci/<slug>.yaml``."""

    model_config = ConfigDict(
        title="Intercommunalité",
        json_schema_extra={"description": "Fiche d'une communauté de communes partenaire (fichier epci/<slug>.yaml)."},
    )

    nom: ShortText = Field(
        title="Nom",
        description="Nom complet, imprimé tel quel dans la convention.",
        examples=["Communauté de communes Maine Saosnois"],
    )
    nom_court: ShortText = Field(
        title="Nom court", description="Nom court (pied de page, titres de fichiers).", examples=["CC Maine Saosnois"]
    )
    siren: Siren = Field(
        title="SIREN",
        description="Numéro SIREN entre guillemets : 9 chiffres, le dernier étant la clé de contrôle (Luhn).",
        examples=["200072676"],
    )
    siege: ShortText = Field(title="Siège", description="Commune du siège.", examples=["Marolles-les-Braults"])
    president: Personne = Field(
        title="Président ou présidente",
        description="Président ou présidente, signataire de la convention.",
        examples=[_PRESIDENT_EXAMPLE],
    )
    deliberation: OptionalDate = Field(
        title="Délibération",
        default=None,
        description=(
            "Date de la délibération autorisant la signature (AAAA-MM-JJ), au plus tard la fin du programme ; "
            "absente : projet."
        ),
        examples=["2024-03-12"],
    )
    deliberation_avenant: OptionalDate = Field(
        title="Délibération du prochain avenant",
        default=None,
        description=(
            "Date de la délibération autorisant le prochain avenant (AAAA-MM-JJ), au plus tard la fin du programme."
        ),
        examples=["2025-03-11"],
    )
    referent: Contact = Field(
        title="Référent", description="Référent de l'intercommunalité (article 4.2).", examples=[_REFERENT_EXAMPLE]
    )
    suppleant: Contact = Field(
        title="Suppléant",
        description="Suppléant du référent (article 4.2) : une autre personne que le référent.",
        examples=[_SUPPLEANT_EXAMPLE],
    )
    ressources: Ressources = Field(
        title="Ressources",
        description="Ressources mises à disposition (article 3.2 et annexe).",
        examples=[_RESSOURCES_EXAMPLE],
    )

    a_confirmer: tuple[KeyPath, ...] | None = Field(
        title="Valeurs à confirmer",
        default=None,
        description=(
            "Clés de ce fichier dont la valeur reste à confirmer (siege, nom, president.nom…) ; "
            "tant que la liste n'est pas vide, la convention et ses avenants restent en projet."
        ),
        examples=[["siege", "nom"]],
    )
    mode_signature: ModeSignature | None = Field(
        default=None,
        title="Mode de signature",
        description="« electronique » ou « manuscrite » ; absent : celui du programme (departement.yaml).",
        examples=["manuscrite"],
    )
    arrete_prefectoral: ArretePrefectoral | None = Field(
        default=None,
        title="Arrêté préfectoral",
        description=(
            "Arrêté préfectoral qui a modifié les statuts (dénomination) : date (AAAA-MM-JJ) et numéro ; "
            "cité dans les visas de l'avenant qui prend acte du changement de nom."
        ),
        examples=[{"date": "2025-01-15", "reference": "DCPPAT 2025-0012"}],
    )

    @model_validator(mode="after")
    def _keys_to_confirm(self) -> Epci:
        """Require every key to confirm to be a key of this file, listed once."""
        _check_keys_to_confirm(self, self.a_confirmer or ())
        return self

    @model_validator(mode="after")
    def _distinct(self) -> Epci:
        """Refuse a deputy who is the referent."""
        _distinct_contacts(self.referent, self.suppleant)
        return self


class Departement(StrictModel):
    """The Département, first party to every convention."""

    model_config = ConfigDict(
        title="Département",
        json_schema_extra={"description": "Le Département, première partie à chaque convention."},
    )

    nom: ShortText = Field(title="Nom", description="Nom de la collectivité.", examples=["Département de la Sarthe"])
    president: Personne = Field(
        title="Président ou présidente",
        description="Président ou présidente du Conseil départemental.",
        examples=[_PRESIDENT_EXAMPLE],
    )
    deliberation: Date = Field(
        title="Délibération",
        description=(
            "Date de la délibération de la Commission permanente (AAAA-MM-JJ), au plus tard la fin du programme."
        ),
        examples=["2024-02-23"],
    )
    deliberation_avenant: OptionalDate = Field(
        title="Délibération des prochains avenants",
        default=None,
        description=(
            "Date de la délibération de la Commission permanente autorisant les prochains avenants (AAAA-MM-JJ) ; "
            "absente, les avenants restent en projet."
        ),
        examples=["2025-03-10"],
    )
    lieu_signature: ShortText = Field(title="Lieu de signature", description="Lieu de signature.", examples=["Le Mans"])
    adresse: ShortText = Field(
        title="Adresse", description="Adresse postale.", examples=["Hôtel du Département – 72072 Le Mans Cedex 9"]
    )
    referent: Contact = Field(
        title="Référent",
        description="Référent du Département : chef du service DNUT (article 4.2).",
        examples=[_REFERENT_EXAMPLE],
    )
    suppleant: Contact = Field(
        title="Suppléant",
        description="Suppléant : conseiller numérique coordinateur (article 4.2), une autre personne que le référent.",
        examples=[_SUPPLEANT_EXAMPLE],
    )

    @model_validator(mode="after")
    def _distinct(self) -> Departement:
        """Refuse a deputy who is the referent."""
        _distinct_contacts(self.referent, self.suppleant)
        return self


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
        json_schema_extra=_schema_rule(
            lambda: f"^{_FIGURE_FILE.pattern}$",
            f"une image PNG ou JPEG du dossier {FIGURES_DIR}/ est attendue, par exemple {FIGURES_DIR}/carte-offres.png",
            _TEXT_EXPECTED,
        ),
    ),
    BeforeValidator(_clean_text),
    AfterValidator(_check_figure_file),
]


class Figure(StrictModel):
    """A figure of the convention: its image file and the text that describes it (alternative text)."""

    model_config = ConfigDict(
        title="Figure",
        json_schema_extra={"description": "Image insérée dans la convention, avec son texte alternatif."},
    )

    fichier: FigureFile = Field(
        title="Fichier",
        description=f"Image PNG ou JPEG du dossier {FIGURES_DIR}/ ; absente, les conventions restent en projet.",
        examples=[f"{FIGURES_DIR}/carte-offres.png"],
    )
    texte_alternatif: LongText = Field(
        title="Texte alternatif",
        description="Ce que montre l'image, lu à la place de l'image par les lecteurs d'écran (PDF accessible).",
        examples=["Carte de la Sarthe situant les 228 offres d'accès à un accompagnement numérique."],
    )


NUAGE = Figure(
    fichier=f"{FIGURES_DIR}/nuage-de-mots.png",
    texte_alternatif=("Nuage des mots les plus souvent cités par les collectivités ayant répondu à la concertation."),
)
CARTE = Figure(
    fichier=f"{FIGURES_DIR}/carte-offres.png",
    texte_alternatif="Carte de la Sarthe situant les 228 offres d'accès à un accompagnement numérique.",
)


class Figures(StrictModel):
    """The two figures of the synthesis of the consultation (annex 4)."""

    model_config = ConfigDict(
        title="Figures",
        json_schema_extra={"description": "Les deux figures de la synthèse de la concertation (annexe 4)."},
    )

    nuage: Figure = Field(
        default=NUAGE,
        title="Nuage de mots",
        description="Après « Les mots les plus souvent cités par les collectivités ayant répondu sont les suivants : ».",
    )
    carte: Figure = Field(
        default=CARTE,
        title="Carte des offres",
        description="Sous la légende « Carte des 228 offres d'accès à un accompagnement numérique en Sarthe ».",
    )


class Programme(StrictModel):
    """The programme: contract period and the two State conventions."""

    model_config = ConfigDict(
        title="Programme",
        json_schema_extra={"description": "Période du dispositif et dates des deux conventions avec l'État."},
    )

    debut: Date = Field(
        title="Début", description="Début de la période couverte (AAAA-MM-JJ).", examples=["2023-12-01"]
    )
    fin: Date = Field(
        title="Fin", description="Fin de la période couverte (AAAA-MM-JJ), après son début.", examples=["2026-11-30"]
    )
    convention_etat: Date = Field(
        title="Convention avec l'État",
        description="Date de la convention de subvention « conseiller numérique France services ».",
        examples=["2024-02-23"],
    )
    convention_etat_coordinateur: Date = Field(
        title="Convention avec l'État (coordinateur)",
        description="Date de la convention de subvention « conseiller numérique coordinateur ».",
        examples=["2024-02-23"],
    )

    figures: Figures = Field(
        default=Figures(),
        title="Figures de l'annexe 4",
        description="Images de la synthèse de la concertation : nuage de mots et carte des offres.",
    )
    mode_signature: ModeSignature = Field(
        default="electronique",
        title="Mode de signature",
        description=(
            "« electronique » : chaque partie signe électroniquement le même PDF ; « manuscrite » : deux "
            "exemplaires signés à la main (« Fait au Mans, le … »). Un fichier epci/ peut le changer pour sa convention."
        ),
        examples=["electronique"],
    )

    @model_validator(mode="after")
    def _period(self) -> Programme:
        """Require the period to start before it ends."""
        if self.debut >= self.fin:
            raise error(
                f"la fin du programme ({self.fin.isoformat()}) n'est pas postérieure à son début "
                f"({self.debut.isoformat()})",
                "vérifiez les dates « debut » et « fin »",
                ("fin",),
            )
        return self


class DepartementFile(StrictModel):
    """The content of ``departement.yaml``."""

    model_config = ConfigDict(
        title="Département et programme",
        json_schema_extra={"description": "Données du Département et du programme (fichier departement.yaml)."},
    )

    departement: Departement = Field(
        title="Département", description="Le Département de la Sarthe.", examples=[_DEPARTEMENT_EXAMPLE]
    )
    programme: Programme = Field(
        title="Programme", description="Le programme conseiller numérique 2024-2026.", examples=[_PROGRAMME_EXAMPLE]
    )

    @model_validator(mode="after")
    def _deliberation_in_period(self) -> DepartementFile:
        """Refuse a deliberation after the end of the programme."""
        if self.departement.deliberation > self.programme.fin:
            raise error(
                f"la délibération du {self.departement.deliberation.isoformat()} est postérieure à la fin "
                f"du programme ({self.programme.fin.isoformat()})",
                "vérifiez l'année",
                ("departement", "deliberation"),
            )
        return self


@dataclass(frozen=True)
class Issue:
    """A rule broken across files: the EPCI slug, the key path in its file and the French text."""

    slug: str
    at: tuple[str | int, ...]
    message: str
    hint: str = ""


def project_issues(programme: Programme, epcis: Mapping[str, Epci]) -> list[Issue]:
    """Return the rules broken between files: deliberations after the programme, shared SIRENs."""
    issues: list[Issue] = []
    for slug, epci in epcis.items():
        for key in ("deliberation", "deliberation_avenant"):
            date: dt.date | None = getattr(epci, key)
            if date is not None and date > programme.fin:
                issues.append(
                    Issue(
                        slug,
                        (key,),
                        f"la délibération du {date.isoformat()} est postérieure à la fin du programme "
                        f"({programme.fin.isoformat()})",
                        "vérifiez l'année",
                    )
                )
    by_siren: dict[str, list[str]] = {}
    for slug, epci in epcis.items():
        by_siren.setdefault(epci.siren, []).append(slug)
    for siren, slugs in by_siren.items():
        for slug in slugs if len(slugs) > 1 else ():
            others = ", ".join(f"epci/{other}.yaml" for other in slugs if other != slug)
            issues.append(
                Issue(
                    slug,
                    ("siren",),
                    f"SIREN {siren} déjà utilisé par {others}",
                    "chaque intercommunalité a son propre fichier : supprimez le doublon",
                )
            )
    return issues


class Project(StrictModel):
    """Everything the documents are made from, validated."""

    departement: Departement
    programme: Programme
    epcis: dict[str, Epci]  # by slug, sorted

    @field_validator("epcis")
    @classmethod
    def _sorted_slugs(cls, epcis: dict[str, Epci]) -> dict[str, Epci]:
        """Return the EPCIs sorted by slug; refuse a slug that is not lowercase ASCII with dashes."""
        for slug in epcis:
            if not SLUG_RE.fullmatch(slug):
                raise error(f"identifiant « {slug} » invalide", "minuscules sans accent, chiffres et tirets")
        return dict(sorted(epcis.items()))

    @model_validator(mode="after")
    def _consistent(self) -> Project:
        """Refuse rules broken between the Département file and the EPCI files."""
        issues = project_issues(self.programme, self.epcis)
        if issues:
            first = issues[0]
            raise error(f"epci/{first.slug}.yaml : {first.message}", first.hint, ("epcis", first.slug, *first.at))
        return self


def model_fields_at(model: type[BaseModel], path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """Return the model class found at ``path`` below ``model``, or None when it is not a model."""
    current: type[BaseModel] = model
    for part in path:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return None
        found = _model_in(field.annotation)
        if found is None:
            return None
        current = found
    return current


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """Return the first model class named in a type annotation."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
