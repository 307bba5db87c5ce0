"""The status of each intercommunality, from the sources the commands use: jobs, register, avenant plan.

Nothing here decides a rule: whether a convention is a draft and why comes from its job's context
(``convention_jobs``), what is signed from the register, the pending avenant from ``plan_avenant`` and its
context (``avenant_context``). This module only words them in French for the dashboard.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from convgen.acts.avenant import avenant_context
from convgen.acts.convention import convention_jobs
from convgen.acts.names import (
    DEPARTEMENT_SIGNATURE,
    EPCI_SIGNATURE,
    act_stem,
    comparatif_stem,
    consolidated_stem,
    convention_stem,
)
from convgen.acts.plan import plan_avenant
from convgen.acts.register import Acte, Registre, SignatureEnCours, load_register, signed_word
from convgen.data.project import Project
from convgen.documents.french import date_in_words, typography
from convgen.errors import AmendError
from convgen.runner.job import Job

State = Literal["signee", "prete", "projet", "avenant-projet", "avenant-a-signer", "incomplete", "a-revoir"]
FIELD_PARTIES = {EPCI_SIGNATURE: "epci", DEPARTEMENT_SIGNATURE: "departement"}
FIELD_LABELS = {EPCI_SIGNATURE: "l’intercommunalité", DEPARTEMENT_SIGNATURE: "le Département"}


@dataclass(frozen=True)
class Link:
    """A document of the row: its label and its path relative to ``build/``."""

    label: str
    href: str


@dataclass(frozen=True)
class Row:
    """One intercommunality as the dashboard shows it."""

    slug: str
    nom: str
    state: State
    statut: str  # in French, complete: the colour only repeats it
    signataires: tuple[str, ...]
    actes: tuple[str, ...]
    documents: tuple[Link, ...]
    apercu_pdf: str | None  # the PDF whose first page is shown, relative to ``build/``


def act_line(acte: Acte) -> str:
    """Return « convention signée le 2 avril 2024 » or « avenant n° 1 signé le 3 mars 2025 »."""
    return f"{_bare_label(acte.numero)} {signed_word(acte.numero)} le {date_in_words(acte.date_signature)}"


def _bare_label(numero: int) -> str:
    """Return « convention » or « avenant n° 2 » (no article)."""
    return "convention" if numero == 0 else f"avenant n° {numero}"


def missing_line(partial: SignatureEnCours, context: Mapping[str, Any]) -> str:
    """Return « signature incomplète — à signer encore : Prénom NOM (le Département) »."""
    missing = []
    for field in partial.manquantes:
        party = FIELD_PARTIES.get(field)
        who = FIELD_LABELS.get(field, field)
        missing.append(f"{context[party]['president']['signature']} ({who})" if party else who)
    return f"signature incomplète — à signer encore : {', '.join(missing)}"


def french(text: str) -> str:
    """Return ``text`` in the documents' French typography, « n° » kept with its number."""
    return typography(text).replace("n° ", "n°\u00a0")


def draft_line(context: Mapping[str, Any]) -> str:
    """Return the reasons of a draft, as the build summary gives them."""
    reasons = context.get("raisons_projet") or ["document en projet"]
    return " ; ".join(str(r) for r in reasons)


_CN = re.compile(r"(?:^|,)CN=((?:\\.|[^,\\])+)")


def certificate_name(subject: str) -> str:
    """Return the common name of an RFC 4514 subject (never its e-mail), else the subject without e-mail."""
    found = _CN.search(subject)
    if found:
        return re.sub(r"\\(.)", r"\1", found.group(1))
    parts = [p for p in re.split(r"(?<!\\),", subject) if not p.upper().startswith(("EMAIL", "1.2.840.113549.1.9.1"))]
    return ",".join(parts)


def presidents(context: Mapping[str, Any]) -> tuple[str, ...]:
    """Return the two signatories of an act from its context: the intercommunality's, then the Département's."""
    return tuple(
        f"{context[party]['president']['nom_complet']}, {context[party]['president']['titre']}"
        + (" de l’intercommunalité" if party == "epci" else " du Département")
        for party in ("epci", "departement")
    )


def certificates(partial: SignatureEnCours | None, last: Acte | None) -> tuple[str, ...]:
    """Return « Signé électroniquement par … » for the signatures the register read (in progress, else last act)."""
    source = partial.pdf_signe if partial is not None else (last.pdf_signe if last is not None else None)
    if source is None:
        return ()
    return tuple(
        f"signé électroniquement par {certificate_name(s.signataire)} ({FIELD_LABELS.get(s.champ, s.champ)})"
        for s in source.signatures
    )


def documents(build_dir: Path, slug: str, last_numero: int) -> tuple[Link, ...]:
    """Return the documents of ``build/<slug>/`` that exist: convention, avenants with comparatif, consolidated."""
    candidates: list[tuple[str, str]] = [
        (f"{convention_stem(slug)}.docx", "Convention (DOCX)"),
        (f"{convention_stem(slug)}.pdf", "Convention (PDF)"),
    ]
    for numero in range(1, last_numero + 1):
        candidates += [
            (f"{act_stem(slug, numero)}.docx", f"Avenant n° {numero} (DOCX)"),
            (f"{act_stem(slug, numero)}.pdf", f"Avenant n° {numero} (PDF)"),
            (f"{comparatif_stem(slug, numero)}.docx", f"Comparatif de l’avenant n° {numero} (DOCX)"),
        ]
    candidates.append((f"{consolidated_stem(slug)}.pdf", "Version consolidée (PDF)"))
    return tuple(Link(label, f"{slug}/{name}") for name, label in candidates if (build_dir / slug / name).is_file())


def row_of(project: Project, root: Path, job: Job, registre: Registre) -> Row:
    """Return the row of one intercommunality, given its convention's job and its register."""
    slug = job.slug
    build_dir = root / "build"
    epci = project.epcis[slug]
    partial = registre.signature_en_cours
    last = registre.last
    actes = [act_line(a) for a in registre.actes]
    signataires = presidents(job.context)
    pending = registre.next_numero
    state: State
    if last is None:
        deliberation = job.context["epci"]["deliberation"]
        actes = [f"délibération de l’intercommunalité du {deliberation}"] if deliberation else []
        if partial is not None:
            state, statut = "incomplete", missing_line(partial, job.context)
        elif job.draft:
            state, statut = "projet", f"PROJET — {draft_line(job.context)}"
        else:
            state, statut = "prete", "prête à signer"
    else:
        statut = f"signée le {date_in_words(registre.actes[0].date_signature)}"
        state = "signee"
        try:
            plan = plan_avenant(slug, registre, epci, project.programme, project.departement.deliberation_avenant)
        except AmendError as error:
            plan = None
            state, statut = "a-revoir", f"{statut} ; à revoir : {error}"
        if plan is not None and plan.amending:
            context = avenant_context(project.departement, plan, templates_dir=root / "templates")
            signataires = presidents(context)
            numero = f"avenant n° {plan.numero}"
            if partial is not None:
                state, statut = "incomplete", f"{statut} ; {numero} : {missing_line(partial, context)}"
            elif context["projet"]:
                state, statut = "avenant-projet", f"{statut} ; {numero} en projet — {draft_line(context)}"
            else:
                state, statut = "avenant-a-signer", f"{statut} ; {numero} à signer"
        else:
            pending = registre.next_numero - 1
    links = documents(build_dir, slug, pending)
    shown = [link.href for link in links if link.href.endswith(".pdf") and "-consolidee" not in link.href]
    return Row(
        slug=slug,
        nom=str(job.context["epci"]["nom"]),
        state=state,
        statut=french(statut),
        signataires=tuple(french(s) for s in (*signataires, *certificates(partial, last))),
        actes=tuple(french(a) for a in actes),
        documents=links,
        apercu_pdf=shown[-1] if shown else None,
    )


def programme_status(project: Project, root: Path, slugs: Sequence[str] = ()) -> list[Row]:
    """Return one row per intercommunality, sorted by name."""
    rows = [row_of(project, root, job, load_register(root, job.slug)) for job in convention_jobs(project, root, slugs)]
    return sorted(rows, key=lambda row: (sort_key(project.epcis[row.slug].nom_court), row.slug))


# What a short name starts with before the name proper: the kind, « de », the article (« CC de l’Orée… » → « Orée… »).
_LEADING_WORDS = re.compile(
    r"^(?:(?:cc|ca|cu|communaute de communes|communaute d'agglomeration)\s+)?(?:(?:de|du|des)\s+)?(?:(?:la|le|les)\s+|l')?"
)


def sort_key(name: str) -> str:
    """Return a short name without its kind and article, accents or case: « CC de l’Orée de Bercé » sorts under O."""
    folded = "".join(c for c in unicodedata.normalize("NFD", name.casefold()) if not unicodedata.combining(c))
    folded = " ".join(folded.replace("\u2019", "'").split())
    return _LEADING_WORDS.sub("", folded, count=1)
