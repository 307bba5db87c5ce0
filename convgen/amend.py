"""Avenants: compare the data with the last signed act, draft the avenant it requires, record signatures.

The recipe of ``convgen amend``: validate the data, the templates and every register; for each
intercommunality with a signed act, list what changed since (``diff``); changes that need no avenant are
reported, a SIREN change is refused (another legal person); the others are drafted as ``avenant-NN-<slug>``
with its comparatif (Word tracked changes from the signed text to the new one). The consolidated
convention (current text, informative) is rebuilt for every intercommunality with a signed avenant.

The recipe of ``convgen sign``: check that the pending act (the convention, or the next avenant) can be
signed on that date, build its PDF if it is missing or stale, then append the act, its data and the sha256
of that PDF to ``registre/<slug>.yaml``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from convgen import __version__
from convgen.build import Job, Report, Runner, SignatureSpec, project_lock, sha256_file, source_epoch
from convgen.comparatif import ANNEX_TITLE, ARTICLE_7, NEXT_ARTICLE, docx_blocks, render_comparatif, save_docx, wtag
from convgen.diff import Change, amended, amending, diff_epci, diff_programme
from convgen.errors import AmendError, DataError, Problem
from convgen.french import date_in_words, typography
from convgen.model import Departement, Epci, Programme, Project
from convgen.register import (
    Acte,
    Registre,
    act_label,
    empty_register,
    load_register,
    new_act,
    pdf_name,
    register_path,
    signed_word,
    write_register,
)

Echo = Callable[[str], None]

AVENANT_TEMPLATES = ("convention.docx", "annexe.docx", "avenant.docx")
FILL_IN = "……………"


# --------------------------------------------------------------------------------------------------------
# Planning: what changed since the last signed act
# --------------------------------------------------------------------------------------------------------


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
    def deliberation(self) -> dt.date | None:
        """Return the deliberation authorising this avenant; one already used by a signed avenant is stale."""
        date = self.epci.deliberation_avenant
        used = {a.donnees.epci.deliberation_avenant for a in self.registre.avenants}
        return None if date is None or date in used else date

    @property
    def departement_authorisation(self) -> dt.date | None:
        """Return the Commission permanente's deliberation authorising this avenant, if it follows the last act."""
        date = self.departement_deliberation
        return date if date is not None and date > self.last.date_signature else None

    @property
    def draft(self) -> bool:
        """Return True while a deliberation authorising the avenant (either party's) is unknown (PROJET)."""
        return self.deliberation is None or self.departement_authorisation is None

    @property
    def stem(self) -> str:
        """Return the file stem of the avenant: ``avenant-01-<slug>``."""
        return f"avenant-{self.numero:02d}-{self.slug}"


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


# --------------------------------------------------------------------------------------------------------
# Documents: avenant context, jobs, consolidated convention
# --------------------------------------------------------------------------------------------------------


def avenant_context(departement: Departement, plan: AvenantPlan) -> dict[str, Any]:
    """Return the context of the avenant: the convention's (current data) plus ``avenant``."""
    from convgen.context import convention_context, with_article_de

    context = convention_context(departement, plan.programme, plan.epci)
    convention = plan.registre.convention
    assert convention is not None
    elements = amended(plan.amending)
    numbers: dict[str, int] = {}
    count = 0
    for key, element in (("nom", "nom"), ("duree", "article 7"), ("annexe", "annexe")):
        count += element in elements
        numbers[key] = count if element in elements else 0
    numbers["autres"], numbers["vigueur"] = count + 1, count + 2
    signed_name = convention.donnees.epci.nom
    deliberation = plan.deliberation
    context["projet"] = plan.draft
    context["avenant"] = {
        "numero": plan.numero,
        "numero_2": f"{plan.numero:02d}",
        "projet": plan.draft,
        "deliberation": date_in_words(deliberation) if deliberation else "",
        "deliberation_departement": (
            date_in_words(plan.departement_authorisation) if plan.departement_authorisation else ""
        ),
        "convention_signee_le": date_in_words(convention.date_signature),
        "de_nom_signe": typography(with_article_de(signed_name)),
        "ancien_nom": typography(plan.last.donnees.epci.nom),
        "precedents": [
            {"numero": acte.numero, "date": date_in_words(acte.date_signature)} for acte in plan.registre.avenants
        ],
        "articles": numbers,
        "annexe_titre": ANNEX_TITLE,
        "article_7": [],
    }
    return context


def lint_context(project: Project) -> dict[str, Any]:
    """Return a context naming every field a template may use: the convention's, ``avenant`` and ``annexe``.

    ``lint_templates`` checks every template against one known context; the avenant template needs
    ``avenant`` (and the ``annexe`` sub-document) besides the convention's fields.
    """
    from convgen.context import convention_context
    from convgen.render import ANNEXE_FIELD

    slug, epci = next(iter(project.epcis.items()))
    signed = dt.date(2024, 4, 12)
    registre = empty_register(slug).with_act(new_act(slug, 0, signed, "0" * 64, epci, project.programme))
    registre = registre.with_act(new_act(slug, 1, signed, "0" * 64, epci, project.programme))
    plan = AvenantPlan(slug, registre, epci, project.programme, ())
    context = convention_context(project.departement, project.programme, epci)
    context["avenant"] = avenant_context(project.departement, plan)["avenant"]
    context["avenant"]["article_7"] = ["…"]
    context[ANNEXE_FIELD] = ""
    return context


def article_7_text(templates_dir: Path, context: Mapping[str, Any]) -> list[str]:
    """Return the paragraphs of Article 7 – Durée as the convention template words them for ``context``."""
    from convgen.render import render_convention

    blocks = [b.text for b in docx_blocks(render_convention(templates_dir, dict(context)))]
    fin = str(context["programme"]["fin"])
    starts = [i for i, text in enumerate(blocks) if ARTICLE_7.match(text)]
    for start in starts:
        end = start + 1
        while end < len(blocks) and not NEXT_ARTICLE.match(blocks[end]):
            end += 1
        body = [text for text in blocks[start + 1 : end] if text.strip()]
        if any(fin in text for text in body):
            return body
    programme = context["programme"]
    return [
        typography(
            f"La durée prévue du contrat de travail est de {programme['duree']} du {programme['debut']} "
            f"au {programme['fin']}."
        )
    ]


def quoted(paragraphs: Sequence[str]) -> list[str]:
    """Return paragraphs quoted as one citation: « opens the first, » closes the last."""
    if not paragraphs:
        return []
    result = list(paragraphs)
    result[0] = "«\u00a0" + result[0]
    result[-1] = result[-1] + "\u00a0»"
    return result


def signed_baseline(plan: AvenantPlan) -> tuple[Epci, Programme]:
    """Return the signed data with the changes that need no avenant applied, to compare only what is amended."""
    signed = plan.last.donnees.epci
    keep = ("nom_court", "siege", "president", "deliberation", "deliberation_avenant")
    baseline = signed.model_copy(update={key: getattr(plan.epci, key) for key in keep})
    programme = plan.last.donnees.programme.model_copy(
        update={
            "convention_etat": plan.programme.convention_etat,
            "convention_etat_coordinateur": plan.programme.convention_etat_coordinateur,
        }
    )
    return baseline, programme


def render_avenant(templates_dir: Path, context: dict[str, Any], epoch: dt.datetime | None = None) -> bytes:
    """Return the DOCX of the avenant, with the new annex attached when the annex is replaced."""
    from convgen.render import ANNEXE_FIELD, render_annexe, render_document

    template = templates_dir / "avenant.docx"
    if not context["avenant"]["articles"]["annexe"]:
        return render_document(template, {**context, ANNEXE_FIELD: ""}, epoch=epoch)
    annex = render_annexe(templates_dir, context, epoch=epoch)
    return render_document(template, context, subdocs={ANNEXE_FIELD: annex}, epoch=epoch)


def avenant_job(project: Project, root: Path, plan: AvenantPlan) -> Job:
    """Return the job of the pending avenant of ``plan``, with its comparatif as an extra output."""
    from convgen.context import convention_context, document_metadata
    from convgen.conventions import context_digest, epci_dates, template_digests

    templates_dir = root / "templates"
    context = avenant_context(project.departement, plan)
    baseline, old_programme = signed_baseline(plan)
    old_context = convention_context(project.departement, old_programme, baseline)
    if context["avenant"]["articles"]["duree"]:
        context["avenant"]["article_7"] = quoted(article_7_text(templates_dir, context))
    dates = [*epci_dates(project.departement, project.programme, plan.epci), plan.last.date_signature]
    if plan.deliberation is not None:
        dates.append(plan.deliberation)
    epoch = source_epoch(dates)
    metadata = dict(document_metadata(project.departement, plan.programme, plan.epci))
    metadata["Title"] = typography(
        f"Avenant n° {plan.numero} à la convention de partenariat — conseiller numérique — {plan.epci.nom}"
    )
    inputs = {
        "donnees": context_digest(context),
        "donnees_signees": context_digest(old_context),
        "outil": f"convgen {__version__}",
        **template_digests(templates_dir, AVENANT_TEMPLATES),
    }
    comparatif = partial(render_comparatif, templates_dir, old_context, context, epoch)
    return Job(
        slug=plan.slug,
        stem=plan.stem,
        label=f"avenant n° {plan.numero}",
        render=partial(render_avenant, templates_dir, context, epoch),
        context=context,
        inputs=inputs,
        metadata=metadata,
        expect_text=context["epci"]["nom"],
        draft=plan.draft,
        epoch=epoch,
        signatures=(
            SignatureSpec(
                "signature_intercommunalite",
                context["epci"]["president"]["signature"],
                "SignatureIntercommunalite",
            ),
            SignatureSpec(
                "signature_departement",
                context["departement"]["president"]["signature"],
                "SignatureDepartement",
            ),
        ),
        extras={f"{plan.stem}-comparatif": comparatif},
    )


def consolidated_notice(count: int) -> str:
    """Return "Version consolidée intégrant l’avenant n° 1" or "… les avenants n° 1 à 3"."""
    if count == 1:
        return typography("Version consolidée intégrant l'avenant n° 1")
    return typography(f"Version consolidée intégrant les avenants n° 1 à {count}")


def render_consolidated(
    templates_dir: Path, context: dict[str, Any], notice: str, epoch: dt.datetime | None = None
) -> bytes:
    """Return the convention rendered for ``context`` with ``notice`` as its first paragraph."""
    import docx

    from convgen.render import render_convention

    document = docx.Document(io.BytesIO(render_convention(templates_dir, context, epoch=epoch)))
    body = document.element.body
    paragraph = body.makeelement(wtag("p"), {})
    properties = paragraph.makeelement(wtag("pPr"), {})
    properties.append(properties.makeelement(wtag("jc"), {wtag("val"): "center"}))
    paragraph.append(properties)
    run = paragraph.makeelement(wtag("r"), {})
    run_properties = run.makeelement(wtag("rPr"), {})
    for tag in ("b", "i"):
        run_properties.append(run_properties.makeelement(wtag(tag), {}))
    run_properties.append(run_properties.makeelement(wtag("color"), {wtag("val"): "C00000"}))
    run.append(run_properties)
    text = run.makeelement(wtag("t"), {})
    text.text = notice
    run.append(text)
    paragraph.append(run)
    body.insert(0, paragraph)
    return save_docx(document, epoch)


def consolidated_job(project: Project, root: Path, slug: str, registre: Registre) -> Job:
    """Return the job of the consolidated convention: the text as amended by the signed avenants."""
    from convgen.context import convention_context, document_metadata
    from convgen.conventions import context_digest, epci_dates, template_digests

    last = registre.last
    assert last is not None and registre.avenants
    templates_dir = root / "templates"
    epci, programme = last.donnees.epci, last.donnees.programme
    context = convention_context(project.departement, programme, epci)
    notice = consolidated_notice(len(registre.avenants))
    epoch = source_epoch([*epci_dates(project.departement, project.programme, epci), last.date_signature])
    metadata = dict(document_metadata(project.departement, programme, epci))
    metadata["Title"] = typography(f"{metadata['Title']} — {notice}")
    return Job(
        slug=slug,
        stem=f"convention-{slug}-consolidee",
        label="convention consolidée",
        render=partial(render_consolidated, templates_dir, context, notice, epoch),
        context=context,
        inputs={
            "donnees": context_digest(context),
            "mention": notice,
            "outil": f"convgen {__version__}",
            **template_digests(templates_dir),
        },
        metadata=metadata,
        expect_text=context["epci"]["nom"],
        draft=False,
        epoch=epoch,
    )


# --------------------------------------------------------------------------------------------------------
# Recipes: amend and sign
# --------------------------------------------------------------------------------------------------------


def load_registers(root: Path, slugs: Sequence[str]) -> dict[str, Registre]:
    """Return the register of every slug; raise one DataError listing the problems of all of them."""
    registres: dict[str, Registre] = {}
    problems: list[Problem] = []
    for slug in slugs:
        try:
            registres[slug] = load_register(root, slug)
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    return registres


@dataclass
class AmendPlan:
    """What ``convgen amend`` will build, and what it tells the user first."""

    jobs: list[Job]
    notes: list[str]
    avenants: int
    signed: int


def plan_amendments(project: Project, root: Path, slugs: Sequence[str] = ()) -> AmendPlan:
    """Return the avenant and consolidated-convention jobs; AmendError listing every SIREN change."""
    from convgen.conventions import select

    selected = select(project, slugs)
    registres = load_registers(root, list(selected))
    jobs: list[Job] = []
    notes: list[str] = []
    refused: list[str] = []
    avenants = signed = 0
    for slug, epci in selected.items():
        registre = registres[slug]
        try:
            plan = plan_avenant(slug, registre, epci, project.programme, project.departement.deliberation_avenant)
        except AmendError as exc:
            refused.append(str(exc))
            continue
        signed += plan is not None
        if plan is None:
            if slugs:
                notes.append(f"{slug} : aucune convention signée (registre/{slug}.yaml absent) — rien à amender.")
            continue
        for change in reportable(plan.informative):
            notes.append(f"{slug} : sans avenant — {change.describe()}")
        if plan.amending:
            avenants += 1
            elements = ", ".join(amended(plan.amending))
            draft = (
                " (projet : délibérations à renseigner — « deliberation_avenant » de epci/ et de departement.yaml)"
                if plan.draft
                else ""
            )
            notes.append(f"{slug} : avenant n° {plan.numero} à rédiger — modifie : {elements}{draft}.")
            jobs.append(avenant_job(project, root, plan))
        elif not plan.informative and slugs:
            notes.append(f"{slug} : aucune modification depuis {plan.last.signed} — rien à amender.")
        if registre.avenants:
            jobs.append(consolidated_job(project, root, slug, registre))
    if refused:
        raise AmendError("\n".join(refused))
    return AmendPlan(jobs, notes, avenants, signed)


def build_avenants(
    root: Path,
    *,
    slugs: Sequence[str] = (),
    formats: Sequence[str] = ("docx", "pdf"),
    jobs: int | None = None,
    force: bool = False,
    wait: float = 600,
    echo: Echo = print,
    converter_factory: Callable[[int], Any] | None = None,
) -> Report:
    """Validate everything, then draft the avenants the changes require; return the report."""
    from convgen.orchestrate import check_project, run_jobs

    project = check_project(root, cached=True)
    plan = plan_amendments(project, root, slugs)
    for note in plan.notes:
        echo(note)
    if not plan.avenants:
        echo(
            "Aucun avenant à rédiger : aucune modification à faire par avenant depuis les derniers actes signés."
            if plan.signed
            else "Aucun avenant à rédiger : aucun acte n’est encore enregistré comme signé (dossier registre/)."
        )
    if not plan.jobs:
        return Report()
    return run_jobs(
        root,
        plan.jobs,
        formats=formats,
        jobs=jobs,
        force=force,
        wait=wait,
        echo=echo,
        converter_factory=converter_factory,
    )


def parse_date(text: str) -> dt.date:
    """Return the date of ``--date``; AmendError in French when it is not AAAA-MM-JJ."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise AmendError(
            f"date de signature « {text} » invalide — format attendu AAAA-MM-JJ, par exemple 2024-04-02"
        ) from None


@dataclass(frozen=True)
class Pending:
    """The act about to be signed, checked, with the job that builds its PDF."""

    slug: str
    numero: int
    epci: Epci
    programme: Programme
    job: Job
    registre: Registre


def pending_act(project: Project, root: Path, slug: str, date_signature: dt.date, today: dt.date) -> Pending:
    """Return the act of ``slug`` to sign on ``date_signature``; AmendError in French when it cannot be."""
    from convgen.conventions import convention_jobs, select

    epci = select(project, [slug])[slug]
    registre = load_register(root, slug)
    numero = registre.next_numero
    what = f"{act_label(numero)} ne peut pas être {signed_word(numero)}"
    if date_signature > today:
        raise AmendError(
            f"{slug} : date de signature {date_words(date_signature)} dans le futur (nous sommes le "
            f"{date_words(today)}) — enregistrez la signature le jour où elle a eu lieu."
        )
    last = registre.last
    if last is not None and date_signature < last.date_signature:
        raise AmendError(f"{slug} : {what} le {date_words(date_signature)}, avant {last.signed} — vérifiez la date.")
    if numero == 0:
        if epci.deliberation is None:
            raise AmendError(
                f"{slug} : la convention est un projet — la délibération autorisant sa signature n’est pas "
                f"renseignée (clé « deliberation » de epci/{slug}.yaml)."
            )
        _not_before_deliberation(slug, what, date_signature, epci.deliberation)
        job = convention_jobs(project, root, [slug])[0]
        return Pending(slug, 0, epci, project.programme, job, registre)
    plan = plan_avenant(slug, registre, epci, project.programme, project.departement.deliberation_avenant)
    assert plan is not None
    if not plan.amending:
        extra = "".join(f"\n  - {c.describe()}" for c in reportable(plan.informative))
        raise AmendError(
            f"{slug} : rien à signer — aucune modification à faire par avenant depuis {plan.last.signed}."
            + (f" Modifications sans avenant :{extra}" if extra else "")
        )
    if plan.deliberation is None:
        stale = epci.deliberation_avenant is not None
        raise AmendError(
            f"{slug} : l’avenant n° {numero} est un projet — la délibération autorisant sa signature n’est pas "
            f"renseignée (clé « deliberation_avenant » de epci/{slug}.yaml"
            + (", qui porte encore la date de la délibération d’un avenant déjà signé)." if stale else ").")
        )
    if plan.departement_authorisation is None:
        raise AmendError(
            f"{slug} : l’avenant n° {numero} est un projet — la délibération de la Commission permanente qui "
            "l’autorise n’est pas renseignée (clé « deliberation_avenant » de departement.yaml, "
            f"postérieure à {plan.last.signed})."
        )
    _not_before_deliberation(slug, what, date_signature, max(plan.deliberation, plan.departement_authorisation))
    return Pending(slug, numero, epci, project.programme, avenant_job(project, root, plan), registre)


def _not_before_deliberation(slug: str, what: str, date_signature: dt.date, deliberation: dt.date) -> None:
    """Refuse a signature before the deliberation that authorises it."""
    if date_signature < deliberation:
        raise AmendError(
            f"{slug} : {what} le {date_words(date_signature)}, avant la délibération "
            f"qui l’autorise ({date_words(deliberation)}) — vérifiez la date."
        )


def date_words(date: dt.date) -> str:
    """Return "2 avril 2024"."""
    return date_in_words(date)


def sign(
    root: Path,
    slug: str,
    date_signature: dt.date,
    *,
    today: dt.date | None = None,
    wait: float = 600,
    echo: Echo = print,
    converter_factory: Callable[[int], Any] | None = None,
) -> Acte:
    """Record that the pending act of ``slug`` was signed on ``date_signature``; return the act recorded."""
    from convgen.build import check_writable
    from convgen.orchestrate import WAITING, check_project, progress_printer

    project = check_project(root, cached=True)
    pending = pending_act(project, root, slug, date_signature, today or dt.date.today())
    build_dir = root / "build"
    runner = Runner(
        build_dir, formats=("docx", "pdf"), jobs=1, progress=progress_printer(echo), converter_factory=converter_factory
    )
    check_writable(build_dir)
    with project_lock(build_dir, timeout=wait, on_wait=partial(echo, WAITING)):
        report = runner.run([pending.job])
        if report.failed:
            raise AmendError(f"{slug} : le PDF de l’acte à signer n’a pas pu être produit — {report.failed[0].error}")
        pdf = build_dir / slug / pdf_name(slug, pending.numero)
        acte = new_act(
            slug,
            pending.numero,
            date_signature,
            sha256_file(pdf),
            pending.epci,
            pending.programme,
            project.departement,
        )
        registre = pending.registre.with_act(acte)
        write_register(root, registre)
        echo(
            f"Signature enregistrée : {acte.label} de {slug}, signée le {date_words(date_signature)} "
            f"({acte.pdf}, sha256 {acte.pdf_sha256[:12]}…) dans {register_path(root, slug).relative_to(root)}."
        )
        if registre.avenants:
            consolidated = runner.run([consolidated_job(project, root, slug, registre)])
            if consolidated.failed:
                echo(f"Attention : la convention consolidée n’a pas pu être produite — {consolidated.failed[0].error}")
    return acte
