"""The whole project: the Département's file, every intercommunality, and the rules that span files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from convgen.data.fields import (
    SLUG_RE,
    ShortText,
    error,
)
from convgen.data.model import DEPARTEMENT_EXAMPLE, PROGRAMME_EXAMPLE, Departement, Epci, Programme, StrictModel


class ServiceArchives(StrictModel):
    """A service named in a SEDA transfer: its identifier in the archives' reference list, and its name."""

    model_config = ConfigDict(title="Service")

    identifiant: ShortText = Field(
        title="Identifiant",
        description="Identifiant du service (référentiel des services d’archives).",
        examples=["FRAD072"],
    )
    nom: ShortText = Field(
        title="Nom", description="Nom du service.", examples=["Archives départementales de la Sarthe"]
    )


class Archives(StrictModel):
    """Who receives the transfer packages of the signed acts (SEDA 2.3), and who sends them."""

    model_config = ConfigDict(
        title="Archives",
        json_schema_extra={"description": "Services nommés dans les bordereaux de versement SEDA (convgen archiver)."},
    )

    service_archives: ServiceArchives = Field(
        title="Service d’archives", description="Le service qui reçoit les versements (ArchivalAgency)."
    )
    service_versant: ServiceArchives = Field(
        title="Service versant", description="Le service qui verse les actes signés (TransferringAgency)."
    )


class DepartementFile(StrictModel):
    """The content of ``departement.yaml``."""

    model_config = ConfigDict(
        title="Département et programme",
        json_schema_extra={"description": "Données du Département et du programme (fichier departement.yaml)."},
    )

    departement: Departement = Field(
        title="Département", description="Le Département de la Sarthe.", examples=[DEPARTEMENT_EXAMPLE]
    )
    programme: Programme = Field(
        title="Programme", description="Le programme conseiller numérique 2024-2026.", examples=[PROGRAMME_EXAMPLE]
    )
    archives: Archives | None = Field(
        default=None,
        title="Archives",
        description="Service d’archives et service versant des bordereaux SEDA ; nécessaires à « convgen archiver ».",
    )

    @model_validator(mode="after")
    def _deliberation_in_period(self) -> DepartementFile:
        """Refuse a deliberation after the end of the programme."""
        if self.departement.deliberation is not None and self.departement.deliberation > self.programme.fin:
            raise error(
                f"la délibération du {self.departement.deliberation.isoformat()} est postérieure à la fin "
                f"du programme ({self.programme.fin.isoformat()})",
                "vérifiez l’année",
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
                        "vérifiez l’année",
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
    archives: Archives | None = None  # who receives the SEDA transfers (departement.yaml « archives »)

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
