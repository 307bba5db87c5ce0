"""The readiness verdict: whether a document's text can be signed, and why not — decided here, and only here.

Every document of a build carries its verdict (``Job.verdict``); the template context, the title and marks
of the document, the build summary, ``check``, ``amend``, ``sign``, ``review``, ``watch`` and the dashboard
read it and decide nothing themselves. The verdict says whether the *text* can be signed; what can be done
*today* with a final text (sign it, or nothing: its period has ended) is :func:`status`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from convgen.acts.plan import AvenantPlan
from convgen.data.model import Departement, Epci, Programme
from convgen.documents.context import confirmation_labels
from convgen.documents.french import date_in_words
from convgen.documents.verdict import Verdict

INFORMATIVE = Verdict()
"""The verdict of a document that is never signed (the consolidated version): never a PROJET."""

TEXT_ONLY = Verdict()
"""The verdict given to a text rendered only to be compared with another (``review``): no document is made of it."""


def convention_verdict(
    departement: Departement,
    programme: Programme,
    epci: Epci,
    figures: Mapping[str, Mapping[str, Any]],
    *,
    today: dt.date,
    closed_end: dt.date | None = None,
) -> Verdict:
    """Return the verdict of a convention not yet signed, from its data and the state of its figures.

    Reasons, in order: the deliberations and the State's conventions (missing, to come, after the end of the
    period, or — after a renewal — of the closed period ending on ``closed_end``), the values to confirm, the
    figures (missing, unreadable, sample).
    """
    reasons = _deliberation_reasons(departement, programme, epci, today)
    reasons += _state_reasons(programme)
    if closed_end is not None:
        reasons += _closed_period_reasons(departement, programme, epci, closed_end)
    reasons += _confirmation_reasons(epci)
    reasons += figure_reasons(figures)
    return _verdict(reasons)


def avenant_verdict(plan: AvenantPlan) -> Verdict:
    """Return the verdict of the pending avenant of ``plan``.

    Reasons, in order: the values to confirm, the deliberations that cannot authorise it (missing, already
    used, before the last act, to come, after the end), the prefectoral order of a new name, the State's act of
    an extension, a text changed since its deliberations approved it.
    """
    reasons = _confirmation_reasons(plan.epci)
    reasons += [f"à renseigner : {m.describe()}" for m in plan.missing]
    if plan.name_order_missing:
        reasons.append(
            "à renseigner : l’arrêté préfectoral qui a modifié la dénomination "
            f"(clé « arrete_prefectoral » : date et reference, de epci/{plan.slug}.yaml)"
        )
    if plan.extends and plan.programme.prolongation_etat is None:
        reasons.append(
            "acte de l’État prolongeant le cofinancement à renseigner (clé « prolongation_etat » de departement.yaml)"
        )
    changed = plan.changed_since_approval
    if changed:
        reasons.append(changed)
    return _verdict(reasons)


def annex_update_verdict(plan: AvenantPlan) -> Verdict:
    """Return the verdict of the pending update of annex 3 of ``plan`` (article 4.2).

    It needs no deliberation: the intercommunality's executive notifies it. Its only reason is the values to
    confirm; after the end of the convention, :func:`status` says that nothing can be signed.
    """
    return _verdict(_confirmation_reasons(plan.epci))


def figure_reasons(figures: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Return one reason per figure that keeps the text from being signed: missing, unreadable or a sample."""
    reasons = []
    for figure in figures.values():
        if not figure["present"]:
            reasons.append(f"figure {figure['probleme']} : {figure['fichier']}")
        elif figure["exemple"]:
            reasons.append(f"figure d’exemple : {figure['fichier']}")
    return reasons


def _deliberation_reasons(departement: Departement, programme: Programme, epci: Epci, today: dt.date) -> list[str]:
    """Return why the deliberations cannot authorise the signature of the convention yet."""
    reasons = []
    for what, date in (
        ("de l’intercommunalité", epci.deliberation),
        ("de la Commission permanente", departement.deliberation),
    ):
        if date is None:
            reasons.append(f"délibération {what} à renseigner")
        elif date > today:
            reasons.append(
                f"délibération {what} du {date_in_words(date)} à venir (nous sommes le {date_in_words(today)}) : "
                "elle ne peut pas encore autoriser la signature"
            )
        elif date > programme.fin:
            reasons.append(
                f"délibération {what} du {date_in_words(date)} postérieure à la fin de la convention "
                f"({date_in_words(programme.fin)})"
            )
    return reasons


def _state_reasons(programme: Programme) -> list[str]:
    """Return the State's conventions of the period still to fill in (cited in the visas)."""
    return [
        f"date de la convention avec l’État « {what} » à renseigner (clé « {key} » de departement.yaml)"
        for key, what, date in (
            ("convention_etat", "conseiller numérique France services", programme.convention_etat),
            (
                "convention_etat_coordinateur",
                "conseiller numérique coordinateur",
                programme.convention_etat_coordinateur,
            ),
        )
        if date is None
    ]


def _closed_period_reasons(
    departement: Departement, programme: Programme, epci: Epci, closed_end: dt.date
) -> list[str]:
    """Return the deliberations and State conventions of a closed period: they cannot approve the new convention."""
    dated = (
        ("la délibération de l’intercommunalité", epci.deliberation),
        ("la délibération de la Commission permanente", departement.deliberation),
        ("la convention avec l’État « conseiller numérique France services »", programme.convention_etat),
        ("la convention avec l’État « conseiller numérique coordinateur »", programme.convention_etat_coordinateur),
    )
    return [
        f"{what} du {date_in_words(date)} appartient à la période close le {date_in_words(closed_end)} : elle ne "
        "peut pas approuver la nouvelle convention — renseignez celle de la nouvelle période"
        for what, date in dated
        if date is not None and date <= closed_end
    ]


def _confirmation_reasons(epci: Epci) -> list[str]:
    """Return the reason the values still to confirm (``a_confirmer``) give, if any."""
    labels = confirmation_labels(epci)
    if not labels:
        return []
    return [f"{'valeurs' if len(labels) > 1 else 'valeur'} à confirmer : {', '.join(labels)}"]


def _verdict(reasons: list[str]) -> Verdict:
    """Return the verdict of ``reasons``, in order, each once (documents and the dashboard set their typography)."""
    return Verdict(tuple(dict.fromkeys(reasons)))


# ---------------------------------------------------------------------------------------------- status
Readiness = Literal["projet", "prete", "terminee"]


@dataclass(frozen=True)
class Status:
    """What can be done today with a document not yet signed: sign it, finish it (PROJET), or nothing."""

    state: Readiness
    text: str  # in French, complete: « prête à signer », « PROJET — … », « période terminée le … — non signée »


def status(verdict: Verdict, end: dt.date, today: dt.date, *, feminine: bool) -> Status:
    """Return the status of a document with ``verdict`` whose convention's period ends on ``end``.

    A final text whose period ended before ``today`` is not « à signer »: nothing can be signed after the end
    of a convention; a new convention is needed. ``feminine`` agrees the words with the document (convention,
    avenant).
    """
    if not verdict.final:
        return Status("projet", f"PROJET — {verdict.describe()}")
    agreed = "e" if feminine else ""
    if today > end:
        text = f"période terminée le {date_in_words(end)} — non signé{agreed} ; il faut une nouvelle convention"
        return Status("terminee", text)
    return Status("prete", f"prêt{agreed} à signer")
