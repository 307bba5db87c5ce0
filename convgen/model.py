"""The typed data of the conventions: Département, programme, intercommunalities (EPCI).

Field names are the YAML keys legal staff write (French), one to one.
SKELETON: validation rules are completed in the foundation work; field names and types are the contract.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

Civilite = Literal["Madame", "Monsieur"]


class StrictModel(BaseModel):
    """Base: unknown keys refused, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Personne(StrictModel):
    """A person named in a convention (a president)."""

    civilite: Civilite
    prenom: str
    nom: str


class Contact(Personne):
    """A referent or deputy, with the means to reach them (personal data: RGPD)."""

    fonction: str
    courriel: str
    telephone: str  # normalised "02 43 12 34 56"


class Ressources(StrictModel):
    """What the intercommunality lends the adviser (Article 3.2, annex)."""

    materiels: tuple[str, ...] = ()
    communication: tuple[str, ...] = ()


class Epci(StrictModel):
    """One communauté de communes: the content of ``epci/<slug>.yaml``."""

    nom: str  # "Communauté de communes Maine Saosnois" (printed as is)
    nom_court: str  # "CC Maine Saosnois" (footer, file titles)
    siren: str  # 9 digits, Luhn
    siege: str  # seat town
    president: Personne
    deliberation: dt.date | None = None  # missing: the convention is a draft (PROJET)
    deliberation_avenant: dt.date | None = None  # the deliberation authorising the next avenant
    referent: Contact
    suppleant: Contact
    ressources: Ressources


class Departement(StrictModel):
    """The Département, first party to every convention."""

    nom: str  # "Département de la Sarthe"
    president: Personne
    deliberation: dt.date  # Commission permanente
    lieu_signature: str  # "Le Mans"
    adresse: str
    referent: Contact  # chef du service DNUT
    suppleant: Contact  # conseiller numérique coordinateur


class Programme(StrictModel):
    """The programme: contract period and the two State conventions."""

    debut: dt.date
    fin: dt.date
    convention_etat: dt.date
    convention_etat_coordinateur: dt.date


class DepartementFile(StrictModel):
    """The content of ``departement.yaml``."""

    departement: Departement
    programme: Programme


class Project(StrictModel):
    """Everything the documents are made from, validated."""

    departement: Departement
    programme: Programme
    epcis: dict[str, Epci]  # by slug, sorted
