"""The avenant plan: what changed since the last signed act, what it requires, whether it is a draft."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from convgen.acts.diff import Change, amended, amending, diff_epci, diff_programme
from convgen.acts.names import avenant_stem
from convgen.acts.register import (
    Acte,
    ApprobationAvenant,
    Registre,
)
from convgen.data.model import Epci, Programme
from convgen.documents.french import date_in_words
from convgen.errors import AmendError
from convgen.files import sha256_text


@dataclass(frozen=True)
class MissingDeliberation:
    """A deliberation the avenant waits for: the file and key to fill, and what it is, in French."""

    file: str
    key: str
    what: str

    def describe(self) -> str:
        """Return « la délibération … (clé « deliberation_avenant » de departement.yaml) »."""
        return f"{self.what} (clé « {self.key} » de {self.file})"


@dataclass(frozen=True)
class AvenantPlan:
    """The pending avenant of one intercommunality: its number, the changes since the last signed act."""

    slug: str
    registre: Registre
    epci: Epci
    programme: Programme
    changes: tuple[Change, ...]
    departement_deliberation: dt.date | None = None  # departement.deliberation_avenant

    @property
    def last(self) -> Acte:
        """Return the last signed act (the plan exists only once something is signed)."""
        last = self.registre.last
        assert last is not None
        return last

    @property
    def numero(self) -> int:
        """Return the number of the pending avenant."""
        return self.registre.next_numero

    @property
    def amending(self) -> list[Change]:
        """Return the changes the avenant makes."""
        return amending(self.changes)

    @property
    def informative(self) -> list[Change]:
        """Return the changes that need no avenant."""
        return [c for c in self.changes if c.amends == "aucun"]

    @property
    def end(self) -> dt.date:
        """Return the end of the convention as last signed (Article 7): after it, nothing can be amended."""
        return self.last.donnees.programme.fin

    @property
    def deliberation(self) -> dt.date | None:
        """Return the council's deliberation authorising this avenant: after the last act, not one already used."""
        date = self.epci.deliberation_avenant
        if date is None or date <= self.last.date_signature or date in self._used:
            return None
        return date

    @property
    def _used(self) -> set[dt.date]:
        """Return the council deliberations that authorised the avenants already signed."""
        return {d for a in self.registre.avenants if (d := a.donnees.epci.deliberation_avenant) is not None}

    @property
    def departement_authorisation(self) -> dt.date | None:
        """Return the Commission permanente's deliberation authorising this avenant, if it follows the last act."""
        date = self.departement_deliberation
        return date if date is not None and date > self.last.date_signature else None

    @property
    def missing(self) -> list[MissingDeliberation]:
        """Return the deliberations authorising this avenant that are still unknown (each party's).

        A deliberation counts only if it follows the last signed act (an earlier one authorised another text);
        one dated after the end of the convention cannot authorise anything.
        """
        after = f"postérieure à {self.last.signed}"
        missing = []
        for file, what, written, valid in (
            (f"epci/{self.slug}.yaml", "du conseil communautaire", self.epci.deliberation_avenant, self.deliberation),
            (
                "departement.yaml",
                "de la Commission permanente",
                self.departement_deliberation,
                self.departement_authorisation,
            ),
        ):
            if valid is None:
                stale = ""
                if written is not None and file.startswith("epci/") and written in self._used:
                    stale = f" (la date inscrite, {date_in_words(written)}, est celle d’un avenant déjà signé)"
                elif written is not None:
                    stale = f" (la date inscrite, {date_in_words(written)}, ne l’est pas)"
                missing.append(
                    MissingDeliberation(
                        file, "deliberation_avenant", f"la délibération {what} autorisant l’avenant, {after}{stale}"
                    )
                )
        return missing

    @property
    def late_deliberations(self) -> list[str]:
        """Return the deliberations dated after the end of the convention (refused: a new convention is needed)."""
        dates = (
            ("du conseil communautaire", self.deliberation),
            ("de la Commission permanente", self.departement_authorisation),
        )
        return [
            f"la délibération {what} du {date_in_words(date)}"
            for what, date in dates
            if date is not None and date > self.end
        ]

    @property
    def content_digest(self) -> str:
        """Return the sha256 of what the avenant amends: each amending change, its old and new value."""
        items = [[c.path, c.kind, c.before, c.after] for c in self.amending]
        return sha256_text(json.dumps(items, ensure_ascii=False, sort_keys=True))

    @property
    def approval(self) -> ApprobationAvenant | None:
        """Return the text approved by the current deliberations, as recorded, or None."""
        approved = self.registre.avenant_approuve
        if approved is None or approved.numero != self.numero:
            return None
        if (approved.deliberation_intercommunalite, approved.deliberation_departement) != (
            self.deliberation,
            self.departement_authorisation,
        ):
            return None  # other deliberations: they approve whatever is drafted now
        return approved

    @property
    def changed_since_approval(self) -> str | None:
        """Return why the avenant changed after its deliberations approved it (a reason in French), or None."""
        approved = self.approval
        if approved is None or approved.empreinte == self.content_digest:
            return None
        return (
            f"le contenu de l’avenant a changé depuis les délibérations du "
            f"{date_in_words(approved.deliberation_intercommunalite)} (conseil communautaire) et du "
            f"{date_in_words(approved.deliberation_departement)} (Commission permanente), qui ont approuvé un autre "
            "texte — faites délibérer à nouveau sur le texte modifié et renseignez les nouvelles dates"
        )

    def approved(self) -> ApprobationAvenant | None:
        """Return the approval to record now: the avenant is final and no text is recorded for its deliberations."""
        if self.missing or not self.amending or self.approval is not None:
            return None
        assert self.deliberation is not None and self.departement_authorisation is not None
        return ApprobationAvenant(
            numero=self.numero,
            deliberation_intercommunalite=self.deliberation,
            deliberation_departement=self.departement_authorisation,
            empreinte=self.content_digest,
        )

    @property
    def reasons(self) -> list[str]:
        """Return why the avenant is a draft (PROJET), in French: missing deliberations, a text changed since."""
        reasons = [f"à renseigner : {m.describe()}" for m in self.missing]
        if "nom" in amended(self.amending) and self.epci.arrete_prefectoral is None:
            reasons.append(
                "à renseigner : l’arrêté préfectoral qui a modifié la dénomination "
                f"(clé « arrete_prefectoral » : date et reference, de epci/{self.slug}.yaml)"
            )
        if self.extends and self.programme.prolongation_etat is None:
            reasons.append(
                "acte de l’État prolongeant le cofinancement à renseigner (clé « prolongation_etat » de departement.yaml)"
            )
        changed = self.changed_since_approval
        return [*reasons, changed] if changed else reasons

    @property
    def extends(self) -> bool:
        """Return True when the avenant extends the duration of Article 7 (the State must extend its funding)."""
        return "article 7" in amended(self.amending) and self.programme.fin > self.end

    @property
    def draft(self) -> bool:
        """Return True while the avenant is not authorised as it stands (PROJET)."""
        return bool(self.reasons)

    @property
    def stem(self) -> str:
        """Return the file stem of the avenant: ``avenant-01-<slug>``."""
        return avenant_stem(self.slug, self.numero)


def reportable(changes: Sequence[Change]) -> list[Change]:
    """Return the changes worth telling the user, the avenant's own deliberation aside."""
    return [c for c in changes if c.path != "deliberation_avenant"]


def changes_since(registre: Registre, epci: Epci, programme: Programme) -> list[Change]:
    """Return the changes since the last signed act (none when nothing is signed)."""
    last = registre.last
    if last is None:
        return []
    return diff_epci(last.donnees.epci, epci) + diff_programme(last.donnees.programme, programme)


def plan_avenant(
    slug: str,
    registre: Registre,
    epci: Epci,
    programme: Programme,
    departement_deliberation: dt.date | None = None,
) -> AvenantPlan | None:
    """Return the pending avenant's plan, None when nothing is signed; AmendError for a SIREN change."""
    if registre.last is None:
        return None
    changes = tuple(changes_since(registre, epci, programme))
    for change in changes:
        if change.amends == "nouvelle convention":
            raise AmendError(
                f"epci/{slug}.yaml : SIREN modifié ({change.before} → {change.after}) depuis "
                f"{registre.last.signed} — "
                f"{change.reason}. Rétablissez le SIREN signé, ou créez un nouveau fichier epci/ pour la "
                "nouvelle personne morale."
            )
    return AvenantPlan(slug, registre, epci, programme, changes, departement_deliberation)


def signed_baseline(plan: AvenantPlan) -> tuple[Epci, Programme]:
    """Return the signed data with the changes that need no avenant applied, to compare only what is amended.

    Which changes need no avenant is decided by ``diff`` alone (``amends == "aucun"``): this only applies them.
    """

    def key(change: Change) -> str:
        return change.path.removeprefix("programme.").split(".")[0].split("[")[0]

    amended_keys = {key(c) for c in plan.changes if c.amends != "aucun"}
    informative = [c for c in plan.changes if c.amends == "aucun" and key(c) not in amended_keys]
    epci_keys = {key(c) for c in informative if not c.path.startswith("programme.")}
    programme_keys = {key(c) for c in informative if c.path.startswith("programme.")}
    baseline = plan.last.donnees.epci.model_copy(update={k: getattr(plan.epci, k) for k in sorted(epci_keys)})
    programme = plan.last.donnees.programme.model_copy(
        update={k: getattr(plan.programme, k) for k in sorted(programme_keys)}
    )
    return baseline, programme
