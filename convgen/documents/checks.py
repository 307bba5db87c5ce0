"""Check a rendered DOCX before it is converted: no tag left, no `None`, no blank where data exists, typography.

The values of the data are masked first (a value may legitimately contain `{{` or « None »): what remains comes
from the template. Drafts must carry their marks; each signature mode its own closing formula.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.docxtext import read_parts
from convgen.documents.french import UNITS, WEB_ADDRESS
from convgen.documents.ooxml import W, parser
from convgen.documents.render import DO_NOT_SIGN, FORBIDDEN, STORY
from convgen.documents.typeset import NO_BREAK_HYPHEN, TITLE_STYLES, last_word_alone, typeset_text

FILL_IN = re.compile(r"\.{4,}|…[.…]+|\.…|_{4,}")
_SIGNING_DATE = re.compile(r"^\s*Fait\b.{0,80},\s*le\s*(?:[.…_]\s*)+$")
_HANDWRITTEN = re.compile(r"\bFait en \w+ exemplaires\b|^\s*Fait\b.{0,80},\s*le\b")
_ELECTRONIC = re.compile(r"\bsigné(?:e|s|es)? électroniquement\b")
_DELIBERATION_BLANK = re.compile(r"délibération\b[^.…_]{0,100}?\ben\s+date\s+du\s*(?:[.…_]\s*){2,}")


# ---------------------------------------------------------------------------------------------- check
def check_rendered(
    docx: bytes, *, allow_fill_in: bool, context: Mapping[str, Any] | None = None, title: str | None = None
) -> list[str]:
    """Return the problems of a rendered document, in French; an empty list when it is fit to print.

    Looks for "None", a template tag left over, "Président-e", "Le-La", and blanks to fill in by hand
    ("……", "....."). The signing date ("Fait au Mans, le ……") is a blank of an act signed by hand; the
    deliberation date of the intercommunality may be one only when ``allow_fill_in`` (a draft). With a
    ``context`` that says how the act is signed (``signature.electronique``), a closing formula of the other
    mode is a problem (« Fait en deux exemplaires », « Fait au Mans, le » in an act signed electronically).
    Text that comes from the data (``context``) is not held against the template: a name ``{{ 7*7 }}`` is
    legitimate. ``title`` is the document's final title (the job's, written into the DOCX and the PDF): a
    draft's must begin with « PROJET – », a final document's must not.
    """
    problems: list[str] = []
    try:
        parts = read_parts(docx)
        _check_xml(docx)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        return [f"document illisible : {exc}"]
    masks = _data_masks(context)
    electronic = _electronic(context)
    for part in parts:
        for number, raw in enumerate(part.paragraphs, start=1):
            text = _mask(raw, masks)
            where = f"{part.label}, paragraphe {number}"
            for pattern, message in FORBIDDEN:
                if pattern.search(text):
                    problems.append(f"{message} ({where}) : « {_excerpt(raw, pattern)} »")
            if FILL_IN.search(text) and not (electronic and _SIGNING_DATE.match(text)):
                problem = _fill_in_problem(text, allow_fill_in)
                if problem:
                    problems.append(f"{problem} ({where}) : « {_excerpt(raw, FILL_IN)} »")
            problems += [
                f"{message} ({where}) : « {_excerpt(raw, pattern)} »"
                for pattern, message in _signature_problems(text, electronic)
            ]
    if context is not None:
        problems += _draft_problems(parts, context, title)
    problems += typography_problems(docx, context)
    return problems


_BREAKABLE_AMOUNT = re.compile(
    rf"\d[ \t]+{UNITS}|\b(?:millions?|milliards?)[ \t]+€|(?<![\d,.])\d{{1,3}}[ \t]\d{{3}}(?![\d,])"
)


def typography_problems(docx: bytes, context: Mapping[str, Any] | None = None) -> list[str]:
    """Return where a line could break where it must not, in French.

    A space that can break in an amount or before its unit (« 3,9 millions € », « 30 000 € », « 45 % »,
    « 3 ans »); a hyphen that can break in a proper name of the ``context`` (« Sablé-sur-Sarthe ») or in a
    web or e-mail address; a web address that is not a hyperlink; a title whose last word could stand alone
    on its line.
    """
    from convgen.documents.context import proper_names

    names = [n for n in (proper_names(context) if context is not None else []) if "-" in n]
    spelled = ["[-\u2011]".join(map(re.escape, name.split("-"))) for name in names]  # hyphens of either kind
    named = re.compile(r"(?<![\w\u2011-])(?:" + "|".join(spelled) + r")(?![\w\u2011-])") if names else None
    problems: list[str] = []
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        stories = sorted(n for n in archive.namelist() if STORY.match(n))
        roots = [(name, etree.fromstring(archive.read(name), parser())) for name in stories]
    for name, root in roots:
        label = "corps" if name == "word/document.xml" else Path(name).stem
        for number, p in enumerate(root.iter(f"{{{W}}}p"), start=1):
            text, linked = typeset_text(p)
            where = f"{label}, paragraphe {number}"
            for match in _BREAKABLE_AMOUNT.finditer(text):
                problems.append(f"espace sécable dans un nombre ou devant son unité ({where}) : « {match.group(0)} »")
            for match in named.finditer(text) if named is not None else ():
                if "-" in match.group(0):
                    name = match.group(0).replace(NO_BREAK_HYPHEN, "-")
                    problems.append(f"trait d’union sécable dans un nom propre ({where}) : « {name} »")
            for match in WEB_ADDRESS.finditer(text.replace(NO_BREAK_HYPHEN, "-")):
                address = match.group(0)
                if "-" in text[match.start() : match.end()]:
                    problems.append(f"trait d’union sécable dans une adresse ({where}) : « {address} »")
                if "@" not in address and not any(address in link for link in linked):
                    problems.append(f"adresse web sans lien hypertexte ({where}) : « {address} »")
            style = p.find(f"{{{W}}}pPr/{{{W}}}pStyle")
            if style is not None and style.get(f"{{{W}}}val") in TITLE_STYLES and last_word_alone(text):
                problems.append(
                    f"titre dont le dernier mot peut rester seul sur sa ligne ({where}) : « {text.strip()} »"
                )
    return problems


def _draft_problems(parts: list[Any], context: Mapping[str, Any], title: str | None) -> list[str]:
    """Return what keeps a draft from being unmistakable (its header, its title, names to sign under), or a
    final document from being taken for a draft (its title)."""
    from convgen.documents.verdict import DRAFT_TITLE_PREFIX

    draft = bool(context.get("projet"))
    if title is not None and not draft and title.startswith(DRAFT_TITLE_PREFIX):
        return [f"document définitif dont le titre commence par « {DRAFT_TITLE_PREFIX}» : « {title} »"]
    if not draft:
        return []
    problems = []
    headers = [text for part in parts if part.label == "en-tête" for text in part.paragraphs]
    if not any(re.search(r"\bPROJET\b", text) for text in headers):
        problems.append("projet sans la mention PROJET en en-tête")
    if title is not None and not title.startswith(DRAFT_TITLE_PREFIX):
        problems.append(
            f"projet dont le titre (propriétés du document) ne commence pas par « {DRAFT_TITLE_PREFIX}» : « {title} »"
        )
    names = [
        str(party["president"]["signature"])
        for party in (context.get("epci"), context.get("departement"))
        if isinstance(party, Mapping) and isinstance(party.get("president"), Mapping)
    ]
    body = [text for part in parts if part.label == "corps" for text in part.paragraphs]
    signing = any(
        cell == name or cell.endswith(f" / {name}") for text in body for cell in text.split("\t") for name in names
    )  # a row of names under a row of titles, or a cell with both
    if signing and DO_NOT_SIGN not in body:
        problems.append(f"bloc de signature d’un projet sans la mention « {DO_NOT_SIGN} »")
    return problems


def _electronic(context: Mapping[str, Any] | None) -> bool | None:
    """Return True when the context says the act is signed electronically, False by hand, None when unknown."""
    signature = context.get("signature") if context is not None else None
    return bool(signature.get("electronique")) if isinstance(signature, Mapping) else None


def _signature_problems(text: str, electronic: bool | None) -> list[tuple[re.Pattern[str], str]]:
    """Return the closing formulas of a paragraph that do not suit the act's signature mode."""
    if electronic is True and _HANDWRITTEN.search(text):
        return [(_HANDWRITTEN, "formule de signature manuscrite dans un acte signé électroniquement")]
    if electronic is False and _ELECTRONIC.search(text):
        return [(_ELECTRONIC, "formule de signature électronique dans un acte signé à la main")]
    return []


def _check_xml(docx: bytes) -> None:
    """Raise XMLSyntaxError when an XML part of the package does not parse."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(archive.read(name), parser())


def _fill_in_problem(text: str, allow_fill_in: bool) -> str:
    """Return why a blank is not allowed in this paragraph, or "" when it is."""
    if _SIGNING_DATE.match(text):
        return ""
    if _DELIBERATION_BLANK.search(text):
        return "" if allow_fill_in else "blanc à compléter alors que la date de délibération est connue"
    return "blanc à compléter inattendu"


def _data_masks(context: Mapping[str, Any] | None) -> list[str]:
    """Return the data values that would trip a check by themselves, longest first."""
    if context is None:
        return []
    values = set(_strings(context))
    suspicious = [v for v in values if any(p.search(v) for p, _ in FORBIDDEN) or FILL_IN.search(v)]
    return sorted(suspicious, key=len, reverse=True)


def _strings(value: object) -> Iterator[str]:
    """Yield every string of a context."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _mask(text: str, masks: list[str]) -> str:
    """Return the text with the given data values blanked out (a space of a value may have become unbreakable,
    an invisible break may follow a slash)."""
    text = text.replace("\u200b", "")
    for value in masks:
        pattern = "[ \u00a0\u202f]".join(re.escape(part) for part in re.split(r"[ \u00a0\u202f]", value))
        text = re.sub(pattern, " ", text)
    return text


def _excerpt(text: str, pattern: re.Pattern[str], width: int = 40) -> str:
    """Return the text around the first match of ``pattern``."""
    match = pattern.search(text)
    start = max(0, match.start() - width) if match else 0
    end = min(len(text), (match.end() if match else 0) + width)
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
