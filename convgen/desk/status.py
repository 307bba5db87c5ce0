"""The status of each intercommunality, from the sources the commands use: jobs, register, avenant plan.

Nothing here decides a rule: whether a document is final and why is its job's verdict, what can be done today
``acts/readiness.status``, what is signed the register, the pending avenant the plan — all from the run's
``ProjectActs``. This module only words them in French for the dashboard.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from convgen.acts.names import DEPARTEMENT_SIGNATURE, EPCI_SIGNATURE
from convgen.acts.readiness import status
from convgen.acts.register import Acte, SignatureEnCours, act_name, kept_file
from convgen.acts.state import Pending, ProjectActs
from convgen.documents.french import date_in_words, period_label, typography, upper_name
from convgen.documents.printed import PARTIES, Party, Printed
from convgen.errors import AmendError

State = Literal[
    "signee",
    "prete",
    "projet",
    "terminee",
    "close",
    "avenant-projet",
    "avenant-a-signer",
    "avenant-terminee",
    "incomplete",
    "a-revoir",
]
Kind = Literal["acte", "comparatif", "consolidee"]
FIELD_PARTIES: dict[str, Party] = {EPCI_SIGNATURE: "epci", DEPARTEMENT_SIGNATURE: "departement"}
FIELD_LABELS = {EPCI_SIGNATURE: "l’intercommunalité", DEPARTEMENT_SIGNATURE: "le Département"}


@dataclass(frozen=True)
class Link:
    """A document of the row: its label and its path relative to ``build/``."""

    label: str
    href: str
    kind: Kind  # an act (convention, avenant), a comparatif, the consolidated version


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
    periode: str = ""  # « 2027-2029 »: the period the row's acts belong to


def act_line(acte: Acte) -> str:
    """Return « convention signée le 2 avril 2024 » or « avenant n° 1 signé le 3 mars 2025 »."""
    return f"{acte.name} {acte.signed_word} le {date_in_words(acte.date_signature)}"


def missing_line(partial: SignatureEnCours, shown: Printed) -> str:
    """Return « signature incomplète — à signer encore : Prénom NOM (le Département) »."""
    missing = []
    for field in partial.manquantes:
        party = FIELD_PARTIES.get(field)
        who = FIELD_LABELS.get(field, field)
        signatory = shown.signatories.get(party) if party else None
        missing.append(f"{signatory.signature} ({who})" if signatory is not None else who)
    return f"signature incomplète — à signer encore : {', '.join(missing)}"


def french(text: str) -> str:
    """Return ``text`` in the documents' French typography, « n° » kept with its number."""
    return typography(text).replace("n° ", "n°\u00a0")


_CN = re.compile(r"(?:^|,)CN=((?:\\.|[^,\\])+)")


def certificate_name(subject: str) -> str:
    """Return the common name of an RFC 4514 subject (never its e-mail), else the subject without e-mail."""
    found = _CN.search(subject)
    if found:
        return re.sub(r"\\(.)", r"\1", found.group(1))
    parts = [p for p in re.split(r"(?<!\\),", subject) if not p.upper().startswith(("EMAIL", "1.2.840.113549.1.9.1"))]
    return ",".join(parts)


def presidents(shown: Printed, *, departement: bool = True) -> tuple[str, ...]:
    """Return the signatories an act prints: the intercommunality's, then the Département's.

    An update of annex 3 is signed by the intercommunality's executive alone (``departement=False``).
    """
    parties = [p for p in PARTIES if departement or p == "epci"]
    return tuple(
        f"{shown.signatories[p].nom_complet}, {shown.signatories[p].titre}"
        + (" de l’intercommunalité" if p == "epci" else " du Département")
        for p in parties
        if p in shown.signatories
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


def documents(acts: ProjectActs, slug: str, pending: Pending | None) -> tuple[Link, ...]:
    """Return the documents of ``build/<slug>/`` that exist, each named by its job's outputs or its act.

    The convention, each signed avenant or annex update (its PDF as built; the signed file is kept in
    ``registre/``), the pending avenant with its comparatif or the pending annex update, the consolidated version.
    """
    registre = acts.register(slug)
    convention = acts.convention(slug)
    candidates: list[tuple[str, str, Kind]] = [
        (convention.docx_name, "Convention (DOCX)", "acte"),
        (convention.pdf_name, "Convention (PDF)", "acte"),
    ]
    candidates += [(a.pdf, f"{a.name.capitalize()} (PDF)", "acte") for a in registre.actes[1:]]
    if pending is not None:
        name, job = act_name(pending.numero, pending.update), pending.job
        candidates += [
            (job.docx_name, f"{name.capitalize()} (DOCX)", "acte"),
            (job.pdf_name, f"{name.capitalize()} (PDF)", "acte"),
            *[(extra, f"Comparatif de l’{name} (DOCX)", "comparatif") for extra in job.extra_names.values()],
        ]
    consolidated = acts.consolidated(slug)
    if consolidated is not None:
        candidates.append((consolidated.pdf_name, "Version consolidée (PDF)", "consolidee"))
    folder = acts.root / "build" / slug
    return tuple(Link(label, f"{slug}/{name}", kind) for name, label, kind in candidates if (folder / name).is_file())


def row_of(acts: ProjectActs, slug: str) -> Row:
    """Return the row of one intercommunality, from the run's jobs (with their verdicts) and its register."""
    job = acts.convention(slug)
    registre = acts.register(slug)
    partial = registre.signature_en_cours
    last = registre.last
    actes = [act_line(a) for a in registre.actes]
    signataires = presidents(job.printed)
    pending: Pending | None = None
    state: State
    if last is None:
        deliberation = job.printed.epci_deliberation
        actes = [f"délibération de l’intercommunalité du {deliberation}"] if deliberation else []
        if partial is not None:
            state, statut = "incomplete", missing_line(partial, job.printed)
        else:
            readiness = status(job.verdict, acts.project.programme.fin, acts.today, feminine=True)
            state, statut = readiness.state, readiness.text
    else:
        statut = f"signée le {date_in_words(registre.actes[0].date_signature)}"
        state = "signee"
        try:
            plan = acts.plan(slug)
        except AmendError as error:
            plan = None
            state, statut = "a-revoir", f"{statut} ; à revoir : {error}"
        pending = acts.pending(slug) if plan is not None else None
        if plan is not None and pending is not None:
            job = pending.job
            signataires = presidents(job.printed, departement=not pending.update)
            numero = act_name(pending.numero, pending.update)
            readiness = status(job.verdict, plan.end, acts.today, feminine=pending.feminine)
            if partial is not None:
                state, statut = "incomplete", f"{statut} ; {numero} : {missing_line(partial, job.printed)}"
            elif readiness.state == "projet":
                state, statut = "avenant-projet", f"{statut} ; {numero} en projet — {job.verdict.describe()}"
            elif readiness.state == "terminee":
                state, statut = "avenant-terminee", f"{statut} ; {numero} : {readiness.text}"
            else:
                state, statut = "avenant-a-signer", f"{statut} ; {numero} à signer"
    links = documents(acts, slug, pending)
    shown = [link.href for link in links if link.href.endswith(".pdf") and link.kind == "acte"]
    return Row(
        slug=slug,
        nom=job.printed.epci_nom or slug,
        state=state,
        statut=french(statut),
        signataires=tuple(french(s) for s in (*signataires, *certificates(partial, last))),
        actes=tuple(french(a) for a in actes),
        documents=links,
        apercu_pdf=shown[-1] if shown else None,
        periode=period_label(acts.project.programme.debut, acts.project.programme.fin),
    )


def closed_rows(acts: ProjectActs) -> list[Row]:
    """Return one row per intercommunality and closed period, sorted by name: its acts, links to their kept bytes.

    The links lead to ``registre/`` (relative to ``build/``): the signed files, never rebuilt.
    """
    rows = []
    for slug in acts.slugs:
        registre = acts.register(slug)
        for periode in registre.periodes_closes:
            links = tuple(
                Link(f"{a.name.capitalize()} {a.signed_word} (PDF archivé)", f"../{kept}", "acte")
                for a in periode.actes
                if (acts.root / (kept := kept_file(slug, a))).is_file()
            )
            last = periode.actes[-1] if periode.actes else None
            rows.append(
                Row(
                    slug=slug,
                    nom=acts.convention(slug).printed.epci_nom or slug,
                    state="close",
                    statut=french(f"période close le {date_in_words(periode.fin)}"),
                    signataires=presidents_of(last) if last is not None else (),
                    actes=tuple(french(act_line(a)) for a in periode.actes),
                    documents=links,
                    apercu_pdf=None,
                    periode=periode.label,
                )
            )
    return sorted(rows, key=lambda row: (row.periode, sort_key(acts.project.epcis[row.slug].nom_court), row.slug))


def presidents_of(acte: Acte) -> tuple[str, ...]:
    """Return who signed an act, as its data name them (the intercommunality's president, the Département's)."""
    people = [acte.donnees.epci.president]
    if acte.donnees.departement is not None and not acte.update:  # an annex update: the intercommunality alone
        people.append(acte.donnees.departement.president)
    return tuple(f"{person.prenom} {upper_name(person.nom)}" for person in people)


def programme_status(acts: ProjectActs) -> list[Row]:
    """Return one row per intercommunality, sorted by name."""
    rows = [row_of(acts, slug) for slug in acts.slugs]
    return sorted(rows, key=lambda row: (sort_key(acts.project.epcis[row.slug].nom_court), row.slug))


# What a short name starts with before the name proper: the kind, « de », the article (« CC de l’Orée… » → « Orée… »).
_LEADING_WORDS = re.compile(
    r"^(?:(?:cc|ca|cu|communaute de communes|communaute d'agglomeration)\s+)?(?:(?:de|du|des)\s+)?(?:(?:la|le|les)\s+|l')?"
)


def sort_key(name: str) -> str:
    """Return a short name without its kind and article, accents or case: « CC de l’Orée de Bercé » sorts under O."""
    folded = "".join(c for c in unicodedata.normalize("NFD", name.casefold()) if not unicodedata.combining(c))
    folded = " ".join(folded.replace("\u2019", "'").split())
    return _LEADING_WORDS.sub("", folded, count=1)
