"""The shape of a template context: every key a template, and every later stage, may read, with its type.

A context stays a plain dictionary when docxtpl renders it (Jinja reads mappings); these ``TypedDict`` say what
is in it, so that each read or edit made outside ``documents/`` (``acts/``, the runner, the dashboard) is
checked by mypy. ``documents/context.py`` builds the convention's part, every string already in French
typography; ``acts/avenant.py`` and ``acts/annex_update.py`` add ``avenant`` or ``mise_a_jour``; the
rendering adds ``annexe`` (the annex sub-document). What a document prints of its parties is also read,
already decided, through :mod:`convgen.documents.printed`.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

__all__ = [
    "AvenantArticles",
    "AvenantText",
    "CitedAct",
    "ContactText",
    "DepartementText",
    "EpciText",
    "FigureText",
    "PersonText",
    "Precedent",
    "PresidentText",
    "ProgrammeText",
    "ResourcesText",
    "SignatureText",
    "SignedNames",
    "TemplateContext",
    "UpdateText",
]


class PersonText(TypedDict):
    """A person's names: civility, first name, surname in capitals, and all three joined."""

    civilite: str
    feminin: bool
    prenom: str
    nom: str
    nom_complet: str


class PresidentText(PersonText):
    """A president's names and title, agreed with the civility (« la Présidente », « son Président »)."""

    signature: str
    titre: str
    le_titre: str
    Le_titre: str
    son_titre: str
    du_titre: str


class ContactText(PersonText):
    """A referent's or deputy's names, function and means of contact."""

    fonction: str
    courriel: str
    telephone: str
    referent_titre: str
    suppleant_titre: str


class DepartementText(TypedDict):
    """The Département's part."""

    nom: str
    nom_majuscules: str
    lieu_signature: str
    lieu_signature_prepose: str
    adresse: str
    deliberation: str  # in words, or the blank to fill in
    president: PresidentText
    referent: ContactText
    suppleant: ContactText


class ProgrammeText(TypedDict):
    """The programme's part: its dates in words, its duration and the period it names."""

    debut: str
    fin: str
    convention_etat: str
    convention_etat_coordinateur: str
    duree: str
    millesime: str
    periode_titre: str


class ResourcesText(TypedDict):
    """What the intercommunality lends (annex)."""

    materiels: list[str]
    communication: list[str]


class EpciText(TypedDict):
    """The intercommunality's part; an unknown deliberation date is ""."""

    nom: str
    nom_majuscules: str
    de_nom: str
    nom_court: str
    siren: str
    siege: str
    deliberation: str
    deliberation_avenant: str
    president: PresidentText
    referent: ContactText
    suppleant: ContactText
    ressources: ResourcesText
    a_confirmer: list[str]


class SignatureText(TypedDict):
    """How the parties sign, as flags the templates test."""

    mode: str
    electronique: bool
    manuscrite: bool


class FigureText(TypedDict):
    """One figure of annex 4: its file, its alternative text, its state (see ``context.figure_state``)."""

    fichier: str
    image: str
    texte_alternatif: str
    present: bool
    probleme: str
    exemple: bool
    empreinte: str


class CitedAct(TypedDict):
    """An act a visa cites: its date in words and its number, both "" without the act."""

    date: str
    reference: str


class Precedent(TypedDict):
    """An act signed since the convention, as a « Vu » line cites it."""

    acte: str
    signe: str
    date: str


class SignedNames(TypedDict):
    """How an act amending the convention names it: its date of signature, the name it was signed under."""

    convention_signee_le: str
    de_nom_signe: str
    nom_signe: str
    nom_signe_majuscules: str


class AvenantArticles(TypedDict):
    """The number of each article of an avenant; 0 for an element the avenant does not amend."""

    objet: int
    nom: int  # the name of the intercommunality
    duree: int  # article 7
    annexe: int  # the annex
    autres: int  # « Les autres stipulations … demeurent inchangées »
    vigueur: int  # entry into force


class AvenantText(SignedNames):
    """The ``avenant`` part of an avenant's context (``acts/avenant.py``)."""

    numero: int
    numero_2: str
    projet: bool
    deliberation: str
    deliberation_departement: str
    ancien_nom: str
    arrete: CitedAct
    precedents: list[Precedent]
    modifiee_par: str
    objet: str
    prolongation: CitedAct
    articles: AvenantArticles
    annexe_titre: str
    article_7: list[str]


class UpdateText(SignedNames):
    """The ``mise_a_jour`` part of an update of annex 3 (``acts/annex_update.py``)."""

    numero: int
    precedents: list[Precedent]
    modifiee_par: str
    objet: str
    annexe_titre: str
    lieu_prepose: str


class TemplateContext(TypedDict):
    """The whole context of a document."""

    projet: bool
    raisons_projet: list[str]
    departement: DepartementText
    programme: ProgrammeText
    epci: EpciText
    figures: dict[str, FigureText]
    signature: SignatureText
    avenant: NotRequired[AvenantText]
    mise_a_jour: NotRequired[UpdateText]
    annexe: NotRequired[object]  # the annex sub-document, or "" where a template only names it
