"""The avenant plan: what changed since the last signed act, what it requires, which deliberations authorise it.

A change of the intercommunality's referent or deputy alone is made, by default, by an update of annex 3 that
its executive notifies (article 4.2 of the convention, ``programme.changement_referents``): no avenant, no
deliberation. Any other change in the same edit makes an avenant, which then carries the referents too.

Whether the avenant is final is the verdict's (``acts/readiness.py``), read from these facts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from convgen.acts.diff import Change, amended, amending, diff_epci, diff_programme
from convgen.acts.names import annex_update_stem, avenant_stem
from convgen.acts.register import (
    Acte,
    ApprobationAvenant,
    Registre,
)
from convgen.data.model import Epci, Programme
from convgen.documents.french import date_in_words
from convgen.errors import AmendError
from convgen.files import sha256_text
from convgen.today import today_in_france


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
    today: dt.date = field(default_factory=today_in_france)  # in France: a later date is no deliberation yet

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
    def referent_changes(self) -> list[Change]:
        """Return the changes of the intercommunality's referent or deputy (annex 3, article 4.2)."""
        return [c for c in self.amending if c.path.split(".")[0] in REFERENT_KEYS]

    @property
    def by_annex_update(self) -> bool:
        """Return True when the changes are made by an update of annex 3, without avenant (article 4.2).

        Only the intercommunality's referent or deputy changed, and ``programme.changement_referents`` is
        « mise_a_jour_annexe » (the default): any other change makes an avenant, which carries the referents too.
        """
        amending = self.amending
        return (
            self.programme.changement_referents == "mise_a_jour_annexe"
            and bool(amending)
            and len(self.referent_changes) == len(amending)
        )

    @property
    def update_numero(self) -> int:
        """Return the number of the pending update of annex 3."""
        return self.registre.next_update_numero

    @property
    def update_stem(self) -> str:
        """Return the file stem of the pending update of annex 3: ``annexe-3-mise-a-jour-01-<slug>``."""
        return annex_update_stem(self.slug, self.update_numero)

    @property
    def last_deliberated(self) -> Acte:
        """Return the last convention or avenant signed: an avenant's deliberations must follow it."""
        last = self.registre.last_deliberated
        assert last is not None
        return last

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
        """Return the council's deliberation authorising this avenant, when it can (see ``_fault``), else None."""
        date = self.epci.deliberation_avenant
        return date if date is not None and not self._fault(date, council=True) else None

    @property
    def _used(self) -> set[dt.date]:
        """Return the council deliberations that authorised the avenants already signed."""
        return {d for a in self.registre.avenants if (d := a.donnees.epci.deliberation_avenant) is not None}

    @property
    def departement_authorisation(self) -> dt.date | None:
        """Return the Commission permanente's deliberation authorising this avenant, when it can, else None."""
        date = self.departement_deliberation
        return date if date is not None and not self._fault(date, council=False) else None

    def _fault(self, date: dt.date, *, council: bool) -> str:
        """Return why a deliberation dated ``date`` cannot authorise this avenant ("" when it can), in French.

        It must follow the last signed act (an earlier one authorised another text), not be the council's
        deliberation of an avenant already signed, have taken place (a date after today is not a deliberation
        yet) and not follow the end of the convention (nothing can amend an ended convention).
        """
        written = f"la date inscrite, {date_in_words(date)},"
        if council and date in self._used:
            return f"{written} est celle d’un avenant déjà signé"
        if date <= self.last_deliberated.date_signature:
            return f"{written} ne l’est pas"
        if date > self.today:
            return f"{written} est à venir : nous sommes le {date_in_words(self.today)}"
        if date > self.end:
            return (
                f"{written} est postérieure à la fin de la convention ({date_in_words(self.end)}) : il faut une "
                "nouvelle convention"
            )
        return ""

    @property
    def missing(self) -> list[MissingDeliberation]:
        """Return the deliberations authorising this avenant that are still unknown or cannot authorise it."""
        after = f"postérieure à {self.last_deliberated.signed}"
        missing = []
        for file, what, written, council in (
            (f"epci/{self.slug}.yaml", "du conseil communautaire", self.epci.deliberation_avenant, True),
            ("departement.yaml", "de la Commission permanente", self.departement_deliberation, False),
        ):
            fault = self._fault(written, council=council) if written is not None else ""
            if written is None or fault:
                missing.append(
                    MissingDeliberation(
                        file,
                        "deliberation_avenant",
                        f"la délibération {what} autorisant l’avenant, {after}" + (f" ({fault})" if fault else ""),
                    )
                )
        return missing

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

    def approval_to_record(self, final: bool) -> ApprobationAvenant | None:
        """Return the approval to record now: the avenant is ``final`` (its verdict) and no text is recorded yet.

        A verdict that is not final never records an approval.
        """
        if not final or not self.amending or self.approval is not None:
            return None
        assert self.deliberation is not None and self.departement_authorisation is not None
        return ApprobationAvenant(
            numero=self.numero,
            deliberation_intercommunalite=self.deliberation,
            deliberation_departement=self.departement_authorisation,
            empreinte=self.content_digest,
        )

    @property
    def printed_deliberations(self) -> tuple[dt.date | None, dt.date | None]:
        """Return the deliberations the avenant cites (council, Commission permanente): None prints the blank.

        A deliberation that approved another text (``changed_since_approval``) does not approve this one:
        it is never printed.
        """
        if self.changed_since_approval is not None:
            return None, None
        return self.deliberation, self.departement_authorisation

    @property
    def extends(self) -> bool:
        """Return True when the avenant extends the duration of Article 7 (the State must extend its funding)."""
        return "article 7" in amended(self.amending) and self.programme.fin > self.end

    @property
    def name_order_missing(self) -> bool:
        """Return True when the avenant takes note of a new name without the prefectoral order that made it."""
        return "nom" in amended(self.amending) and self.epci.arrete_prefectoral is None

    @property
    def stem(self) -> str:
        """Return the file stem of the avenant: ``avenant-01-<slug>``."""
        return avenant_stem(self.slug, self.numero)


REFERENT_KEYS = ("referent", "suppleant")
"""The intercommunality's designations that article 4.2 lets an update of annex 3 change."""


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
    *,
    today: dt.date | None = None,
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
    return AvenantPlan(slug, registre, epci, programme, changes, departement_deliberation, today or today_in_france())


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
