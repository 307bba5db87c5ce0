"""From the validated model to the template context: plain strings, booleans, lists and dicts, never None.

Every text value is set in French typography (see ``french.typography``); templates print them as they are.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict

from pydantic import BaseModel

from convgen.data.fields import FIGURES_DIR
from convgen.data.model import Contact, Departement, Epci, Figure, Personne, Programme
from convgen.data.project import model_fields_at
from convgen.documents.french import (
    NBSP,
    date_in_words,
    duration_in_words,
    format_phone,
    format_siren,
    gendered,
    period_label,
    typography,
    upper_name,
    upper_text,
    with_place_preposition,
)
from convgen.documents.shape import (
    ContactText,
    DepartementText,
    EpciText,
    FigureText,
    PersonText,
    PresidentText,
    ProgrammeText,
    SignatureText,
    TemplateContext,
)
from convgen.documents.verdict import Verdict
from convgen.errors import RenderError

_FEMININE_BODIES = re.compile(r"(?i)^(communauté|métropole)\b")
_COMPOUND = re.compile(r"[^\s()«»,;:/]+(?:-[^\s()«»,;:/-]+)+")
_DEPARTEMENT_PREFIX = re.compile(r"(?i)^département\s+(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+)")

SAMPLE_FIGURE_KEY = "Exemple"
"""PNG text key of the sample figures shipped in ``templates/figures/`` (to be replaced before signature)."""


def convention_context(
    departement: Departement,
    programme: Programme,
    epci: Epci,
    *,
    verdict: Verdict,
    figures: Mapping[str, FigureText] | None = None,
) -> TemplateContext:
    """Return the context of the convention of one intercommunality, every text set in French typography.

    ``verdict`` (decided by ``acts/readiness.py``) says whether the document is a PROJET and why: the context
    only prints it (``projet``, ``raisons_projet``). ``figures`` are the states of the figures' files
    (``figure_states``), checked by whoever decided the verdict; without them, the files are not read.
    """
    context: TemplateContext = {
        "projet": not verdict.final,
        "raisons_projet": list(verdict.reasons),
        "departement": _departement(departement),
        "programme": _programme(programme),
        "epci": _epci(epci),
        "figures": dict(figures) if figures is not None else figure_states(programme, None),
        "signature": signature_mode(programme, epci),
    }
    context = _typeset(context)
    assert_no_none(context)
    return context


def signature_mode(programme: Programme, epci: Epci) -> SignatureText:
    """Return how the parties sign: ``mode`` ("electronique" or "manuscrite", the EPCI's own first), as flags."""
    mode = epci.mode_signature or programme.mode_signature
    return {"mode": mode, "electronique": mode == "electronique", "manuscrite": mode == "manuscrite"}


def confirmation_labels(epci: Epci) -> list[str]:
    """Return the French names of the values still to confirm (``a_confirmer``): "siège", "nom (référent)"."""
    return [key_label(Epci, key) for key in epci.a_confirmer or ()]


def key_label(model: type[BaseModel], key: str) -> str:
    """Return the French name of a dotted key, from the fields' titles: ``president.nom`` → "nom (président…)"."""
    titles: list[str] = []
    current: type[BaseModel] | None = model
    for part in key.split("."):
        field = current.model_fields[part] if current is not None else None
        title = (field.title if field is not None else None) or part
        titles.append(title if title.isupper() else title[:1].lower() + title[1:])
        current = model_fields_at(current, (part,)) if current is not None else None
    return titles[-1] if len(titles) == 1 else f"{titles[-1]} ({', '.join(reversed(titles[:-1]))})"


# ---------------------------------------------------------------------------------------------- figures
FIGURES = ("nuage", "carte")
"""The figures of annex 4, by the name the data and the template give them (``figures.nuage``)."""


def figure_state(figure: Figure, templates_dir: Path | None) -> FigureText:
    """Return the context of one figure: its file as named in the data, its alternative text, its state.

    ``image`` is the file relative to ``templates_dir`` (the rendering inserts the picture there);
    ``present`` is False when the file is missing or is not an image (``probleme`` says which); ``exemple``
    is True for a sample figure; ``empreinte`` is the file's sha256 ("" when not checked).
    """
    state: FigureText = {
        "fichier": figure.fichier,
        "image": figure.fichier.removeprefix(FIGURES_DIR.split("/")[0] + "/"),
        "texte_alternatif": figure.texte_alternatif,
        "present": True,
        "probleme": "",
        "exemple": False,
        "empreinte": "",
    }
    if templates_dir is None:
        return state
    try:
        data = (templates_dir / state["image"]).read_bytes()
    except OSError:
        return {**state, "present": False, "probleme": "introuvable"}
    return {**state, **_image_state(hashlib.sha256(data).hexdigest(), data)}


class _ImageState(TypedDict, total=False):
    """What reading a figure's file tells of it."""

    present: bool
    probleme: str
    exemple: bool
    empreinte: str


@functools.lru_cache(maxsize=32)
def _image_state(digest: str, data: bytes) -> _ImageState:
    """Return whether ``data`` is a readable PNG or JPEG and a sample figure (decoded once per content)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise UnidentifiedImageError(image.format)
            sample = SAMPLE_FIGURE_KEY in (getattr(image, "text", None) or {})
            image.load()
    except (OSError, ValueError, SyntaxError):
        return {"present": False, "probleme": "illisible (image PNG ou JPEG attendue)"}
    return {"exemple": sample, "empreinte": digest}


def figure_states(programme: Programme, templates_dir: Path | None) -> dict[str, FigureText]:
    """Return the state of each figure of annex 4 (``figure_state``), by its name in the data."""
    return {name: figure_state(getattr(programme.figures, name), templates_dir) for name in FIGURES}


def document_metadata(
    departement: Departement, programme: Programme, epci: Epci, *, verdict: Verdict
) -> dict[str, str]:
    """Return the document properties (title, author, subject, keywords, language) of a convention.

    The title of a draft begins with « PROJET – » (``Verdict.title``, the one place it is added).
    """
    keywords = (
        "convention",
        "conseiller numérique",
        "inclusion numérique",
        _territory(departement.nom),
        epci.nom_court,
    )
    return {
        "Title": typography(
            verdict.title(f"Convention de partenariat — conseiller numérique {millesime(programme)} — {epci.nom}")
        ),
        "Author": typography(departement.nom),
        "Subject": typography(
            f"Organisation de l’intervention d’un conseiller numérique sur le territoire {with_article_de(epci.nom)}"
        ),
        # Keywords are a machine list: items in typography, but no space before the separators.
        "Keywords": "; ".join(typography(k) for k in keywords),
    }


def proper_names(context: Mapping[str, Any]) -> list[str]:
    """Return the hyphenated words of the proper names of a context, longest first: "Sablé-sur-Sarthe".

    People (presidents, referents, deputies), places (seat, place of signature) and bodies (names of the
    intercommunality and the Département): the rendering never breaks a line at their own hyphens.
    """
    values: list[object] = []
    for party in ("epci", "departement"):
        data = context.get(party)
        if not isinstance(data, Mapping):
            continue
        values += [data.get(key) for key in ("nom", "nom_majuscules", "nom_court", "siege", "lieu_signature")]
        for role in ("president", "referent", "suppleant"):
            person = data.get(role)
            if isinstance(person, Mapping):
                values += [person.get("prenom"), person.get("nom")]
    avenant = context.get("avenant")
    if isinstance(avenant, Mapping):
        values.append(avenant.get("ancien_nom"))
    words = {word for value in values if isinstance(value, str) for word in _COMPOUND.findall(value)}
    return sorted(words, key=lambda word: (-len(word), word))


def millesime(programme: Programme) -> str:
    """Return the years the programme is named after, "2024-2026" (a December start counts as next year)."""
    return period_label(programme.debut, programme.fin)


def with_article_de(nom: str) -> str:
    """Return the name of a public body after "de": "de la Communauté de communes Maine Saosnois"."""
    return f"de la {nom}" if _FEMININE_BODIES.match(nom) else f"de {nom}"


def assert_no_none(value: object, path: str = "contexte") -> None:
    """Raise RenderError, naming the key, when a None lies anywhere in the context."""
    if value is None:
        raise RenderError(f"{path} : valeur absente (None) dans le contexte du modèle de document")
    if isinstance(value, Mapping):
        for key, item in value.items():
            assert_no_none(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            assert_no_none(item, f"{path}[{index}]")


def _departement(departement: Departement) -> DepartementText:
    """Return the Département's part of the context."""
    return {
        "nom": departement.nom,
        "nom_majuscules": NBSP.join(upper_text(departement.nom).split()),  # a title's words: never split
        "lieu_signature": departement.lieu_signature,
        "lieu_signature_prepose": with_place_preposition(departement.lieu_signature),
        "adresse": departement.adresse,
        "deliberation": _date_or_blank(departement.deliberation),
        "president": _president(departement.president),
        "referent": _contact(departement.referent),
        "suppleant": _contact(departement.suppleant),
    }


def _programme(programme: Programme) -> ProgrammeText:
    """Return the programme's part of the context."""
    return {
        "debut": date_in_words(programme.debut),
        "fin": date_in_words(programme.fin),
        "convention_etat": _date_or_blank(programme.convention_etat),
        "convention_etat_coordinateur": _date_or_blank(programme.convention_etat_coordinateur),
        "duree": duration_in_words(programme.debut, programme.fin),
        "millesime": millesime(programme),
        "periode_titre": millesime(programme).replace("-", "/"),  # the title page, as the seed writes it: 2024/2026
    }


def _epci(epci: Epci) -> EpciText:
    """Return the intercommunality's part of the context; an unknown deliberation date is ""."""
    return {
        "nom": epci.nom,
        "nom_majuscules": upper_text(epci.nom),
        "de_nom": with_article_de(epci.nom),
        "nom_court": epci.nom_court,
        "siren": format_siren(epci.siren),
        "siege": epci.siege,
        "deliberation": _optional_date(epci.deliberation),
        "deliberation_avenant": _optional_date(epci.deliberation_avenant),
        "president": _president(epci.president),
        "referent": _contact(epci.referent),
        "suppleant": _contact(epci.suppleant),
        "ressources": {
            "materiels": list(epci.ressources.materiels),
            "communication": list(epci.ressources.communication),
        },
        "a_confirmer": confirmation_labels(epci),
    }


BLANK = "……………………………………………………"
"""The blank a draft prints for a date still unknown, as the templates write it for the intercommunality's."""


def _date_or_blank(date: dt.date | None) -> str:
    """Return the date in words, or the blank to fill in (only a PROJET can lack it: see ``acts/readiness.py``)."""
    return BLANK if date is None else date_in_words(date)


def _optional_date(date: dt.date | None) -> str:
    """Return the date in words, or "" when it is not known yet."""
    return "" if date is None else date_in_words(date)


def _person(personne: Personne) -> PersonText:
    """Return the names of a person: civility, first name, surname in capitals."""
    nom = upper_name(personne.nom)
    prenom = " ".join(personne.prenom.split())
    return {
        "civilite": personne.civilite,
        "feminin": personne.civilite == "Madame",
        "prenom": prenom,
        "nom": nom,
        "nom_complet": f"{personne.civilite}{NBSP}{prenom} {nom}",  # « Madame » never ends a line alone
    }


def _president(personne: Personne) -> PresidentText:
    """Return a president's names and title, agreed with the civility."""
    civilite = personne.civilite
    person = _person(personne)
    return {
        **person,
        "signature": f"{person['prenom']} {person['nom']}",
        "titre": gendered(civilite, "Président", "Présidente"),
        "le_titre": gendered(civilite, "le Président", "la Présidente"),
        "Le_titre": gendered(civilite, "Le Président", "La Présidente"),
        "son_titre": gendered(civilite, "son Président", "sa Présidente"),
        "du_titre": gendered(civilite, "du Président", "de la Présidente"),
    }


def _contact(contact: Contact) -> ContactText:
    """Return a referent's or deputy's names, function and means of contact."""
    civilite = contact.civilite
    return {
        **_person(contact),
        "fonction": contact.fonction,
        "courriel": contact.courriel,
        "telephone": format_phone(contact.telephone),
        "referent_titre": gendered(civilite, "Référent", "Référente"),
        "suppleant_titre": gendered(civilite, "Suppléant", "Suppléante"),
    }


def _territory(nom: str) -> str:
    """Return the territory of a Département: "Département de la Sarthe" → "Sarthe"."""
    return _DEPARTEMENT_PREFIX.sub("", nom) or nom


def _typeset(value: Any) -> Any:
    """Return the value with typography applied to every string, tuples made lists."""
    if isinstance(value, str):
        return typography(value)
    if isinstance(value, Mapping):
        return {key: _typeset(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_typeset(item) for item in value]
    return value
