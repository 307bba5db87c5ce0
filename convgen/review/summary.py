"""Tell the reviewer of a pull request, in French, what a change of the data does to which convention.

The data at a git revision (read without checkout, see ``gitdata``) is compared with the working tree:
per intercommunality, the fields that change (labels, not YAML paths), the documents that change and
what must be signed next (from ``registre/``); then what touches every convention (Département,
programme, templates). The new data is validated first: errors are printed as ``convgen check``
prints them and the exit code is 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from convgen.acts.diff import Change, amended, diff_departement, diff_epci, diff_programme
from convgen.acts.names import avenant_stem, comparatif_stem, consolidated_stem, convention_stem
from convgen.acts.plan import AvenantPlan
from convgen.acts.readiness import TEXT_ONLY, status
from convgen.acts.register import REGISTER_DIR, Registre, act_name, load_register, parse_register
from convgen.acts.state import Pending, ProjectActs
from convgen.data.load import load_sources
from convgen.data.model import Epci
from convgen.data.project import Project
from convgen.documents.context import convention_context
from convgen.documents.docxtext import read_parts
from convgen.documents.french import NBSP, date_in_words, typography
from convgen.documents.render import render_annexe, render_convention
from convgen.errors import AmendError, ConvgenError, DataError, Problem, TemplateError
from convgen.recipes.checking import check_project
from convgen.review.gitdata import read_revision, read_working_tree, resolve_base, select
from convgen.review.markdown import base_line, cell, fenced, inline, join, slug_list, trim
from convgen.review.pages import TEMPLATES_DIR, annex_pages_section
from convgen.review.registers import register_changes, renewal_section
from convgen.review.templates import template_changes

NO_CHANGE = "Aucun changement des données des conventions."
TITLE = "## Effet sur les conventions"
NUMERO = f"n°{NBSP}"

_AMENDED_WORDS = {
    "nom": "la dénomination de l’intercommunalité",
    "article 7": "l’article 7 (durée)",
    "annexe": "l’annexe (référents, ressources mises à disposition)",
}
_KIND_SUFFIX = {"modifié": "", "ajouté": " (ajouté)", "supprimé": " (supprimé)", "réordonné": " (réordonné)"}


@dataclass
class _Side:
    """One state of the project: its files, and its validated model when the data is valid."""

    files: dict[str, bytes]
    project: Project | None = None
    problems: list[Problem] = field(default_factory=list)


def review(root: Path, base: str | None, *, pages: Path | None = None) -> tuple[str, int]:
    """Return the Markdown summary of the changes since ``base`` and the exit code (1: invalid new data)."""
    revision = resolve_base(root, base)
    old = _Side(read_revision(root, revision.commit))
    new = _Side(read_working_tree(root))
    head = [TITLE, "", base_line(revision), ""]

    # 1. The new data must be valid, exactly as ``convgen check`` says; otherwise nothing else is said.
    errors = _validate_working_tree(root, new)
    if errors is not None:
        return _join_sections([head, errors]), 1
    assert new.project is not None
    registers = _registers(root, new)
    acts = ProjectActs(new.project, root)  # the verdicts and plans of ``build``, ``amend`` and ``sign``

    # 2. The base data, when it was valid, is compared field by field; otherwise the changed files are listed.
    old.project, old.problems = _load_quietly(old.files)
    if old.project is None:
        effects = [_invalid_base(old, new)]
        notes: list[list[str]] = []
    else:
        effects = [
            renewal_section(old.project, new.project, registers),
            _common_changes(old, new, registers, acts),
            *(
                _epci_section(root, slug, old.project, acts)
                for slug in sorted(set(old.project.epcis) & set(new.project.epcis))
            ),
            _added_and_removed(old.project, new.project, registers),
        ]
        notes = [_format_only(old, new)]
    effects.append(register_changes(old.files, new.files))

    # 3. On request, images of the annex pages before and after.
    if pages is not None and old.project is not None:
        assert old.project is not None and new.project is not None
        notes.append(annex_pages_section(root, pages, old.files, old.project, new.project))

    if not any(effects):
        effects = [[NO_CHANGE]]
    return _join_sections([head, *effects, *notes]), 0


def _join_sections(sections: Iterable[list[str]]) -> str:
    """Return the non-empty sections separated by a blank line, ending with one newline."""
    return "\n\n".join("\n".join(trim(list(section))) for section in sections if section) + "\n"


# --- validation -------------------------------------------------------------------------------------------


def _validate_working_tree(root: Path, new: _Side) -> list[str] | None:
    """Return the Markdown of the errors of the new data and registers, or None when all is valid."""

    try:
        new.project = check_project(root)
    except DataError as exc:
        count = len(exc.problems)
        return _error_block(str(exc), f"{count} erreur{'s' if count > 1 else ''}")
    except TemplateError as exc:
        return _error_block(str(exc), "modèles non conformes")
    problems: list[Problem] = []
    for path, data in select(new.files, REGISTER_DIR).items():
        try:
            parse_register(path, data, Path(path).stem)
        except DataError as exc:
            problems += exc.problems
    if problems:
        error = DataError(problems)
        count = len(error.problems)
        return _error_block(str(error), f"{count} erreur{'s' if count > 1 else ''} dans les registres")
    return None


def _error_block(message: str, count: str) -> list[str]:
    """Return the errors as ``convgen check`` prints them, in a code block."""
    return [
        typography("**Les données modifiées ne sont pas valides** : `convgen check` signale :"),
        "",
        *fenced(message, "text"),
        "",
        typography(
            f"{count} : corrigez les fichiers aux lignes et colonnes indiquées ; la revue sera refaite ensuite."
        ),
    ]


def _load_quietly(files: Mapping[str, bytes]) -> tuple[Project | None, list[Problem]]:
    """Return the project of the base files, or None and the problems when the base data was invalid."""

    data = {path: content for path, content in files.items() if not path.startswith((REGISTER_DIR, TEMPLATES_DIR))}
    try:
        return load_sources(data), []
    except DataError as exc:
        return None, list(exc.problems)


def _registers(root: Path, new: _Side) -> dict[str, Registre]:
    """Return the register of every intercommunality and of every register file (empty when nothing is signed)."""

    assert new.project is not None
    slugs = set(new.project.epcis) | {Path(path).stem for path in select(new.files, REGISTER_DIR)}
    return {slug: load_register(root, slug) for slug in sorted(slugs)}


# --- what touches every convention ------------------------------------------------------------------------


def _common_changes(old: _Side, new: _Side, registers: Mapping[str, Registre], acts: ProjectActs) -> list[str]:
    """Return the section on the Département, the programme and the templates, which touch every convention."""
    assert old.project is not None and new.project is not None
    changes = diff_departement(old.project.departement, new.project.departement)
    changes += diff_programme(old.project.programme, new.project.programme)
    templates = template_changes(old.files, new.files)
    if not changes and not templates:
        return []
    count = len(new.project.epcis)
    signed = [slug for slug in new.project.epcis if registers[slug].convention is not None]
    lines = [
        "### Toutes les conventions",
        "",
        typography(f"Ces changements touchent les {count} conventions (departement.yaml, templates/)."),
        "",
    ]
    if changes:
        lines += [*_table(changes), ""]
        what = [_AMENDED_WORDS[element] for element in amended(changes)]
        if what and signed:
            lines.append(
                typography(
                    f"- **Avenant** : un avenant sera à signer pour chaque convention signée ; il modifiera {join(what)}."
                )
            )
            for slug in signed:
                lines.append(_pending_line(slug, acts))
        elif what:
            lines.append(
                typography("- Aucune convention n’est encore signée : elles seront produites avec ces données.")
            )
        for change in changes:
            if signed and not change.needs_avenant and change.reason:
                lines.append(typography(f"- Sans avenant — {change.label} : {change.reason}."))
        lines.append("")
    if templates:
        lines += templates
        if signed:
            lines.append(
                typography(
                    f"Conventions déjà signées ({slug_list(signed)}) : le texte signé ne change pas ; "
                    "si ce changement de modèle modifie une stipulation, un avenant est à rédiger."
                )
            )
    return trim(lines)


def _pending_of(slug: str, acts: ProjectActs) -> tuple[AvenantPlan | None, Pending | None]:
    """Return the plan of ``slug`` and its pending avenant or annex update, as ``convgen amend`` sees them."""
    plan = acts.plan(slug)
    return plan, acts.pending(slug) if plan is not None else None


def _pending_line(slug: str, acts: ProjectActs) -> str:
    """Return « `slug` : avenant n° N, en projet — reasons » from the same plan and verdict as ``convgen amend``."""
    try:
        plan, pending = _pending_of(slug, acts)
    except AmendError as exc:
        return typography(f"  - `{slug}` : {exc}")
    if plan is None or pending is None:
        return typography(f"  - `{slug}` : aucun avenant")
    state = _pending_state(acts, plan, pending, reasons=True)
    return typography(f"  - `{slug}` : {act_name(pending.numero, pending.update)}, {state}").replace("n° ", NUMERO)


def _pending_state(acts: ProjectActs, plan: AvenantPlan, pending: Pending, *, reasons: bool = False) -> str:
    """Return « en projet » (« — reasons » if asked), « prêt à signer » or « période terminée le … »."""
    readiness = status(pending.job.verdict, plan.end, acts.today, feminine=pending.feminine)
    if readiness.state == "projet":
        return f"en projet — {pending.job.verdict.describe()}" if reasons else "en projet"
    return readiness.text


def _epci_section(root: Path, slug: str, old: Project, acts: ProjectActs) -> list[str]:
    """Return the section of one intercommunality present on both sides, or [] when its data did not change."""
    new = acts.project
    registre = acts.register(slug)
    before, after = old.epcis[slug], new.epcis[slug]
    changes = diff_epci(before, after)
    if not changes:
        return []
    lines = [f"### {inline(after.nom)} — `{slug}`", "", *_table(changes), ""]
    signed = registre.convention is not None
    lines.append(_signed_documents_line(slug, acts) if signed else _documents_line(root, slug, new, before, after))
    lines.append("")
    lines += _next_act(slug, acts, changes)
    return trim(lines)


def _table(changes: Sequence[Change]) -> list[str]:
    """Return the Markdown table ``Champ | Avant | Après`` of the changes."""
    rows = ["| Champ | Avant | Après |", "|---|---|---|"]
    for change in changes:
        label = cell(change.label) + _KIND_SUFFIX[change.kind]
        rows.append(f"| {label} | {cell(change.before)} | {cell(change.after)} |")
    return rows


def _documents_line(root: Path, slug: str, project: Project, before: Epci, after: Epci) -> str:
    """Return which parts of the produced convention change, found by rendering both states."""
    try:
        body, annexe = _changed_documents(root / TEMPLATES_DIR, project, before, after)
    except ConvgenError as exc:
        return typography(f"**Documents** : non déterminés (rendu impossible : {exc}).")
    files = f"`build/{slug}/{convention_stem(slug)}.docx` et `.pdf`"
    if body and annexe:
        return typography(f"**Documents modifiés** : la convention et son annexe ({files}).")
    if body:
        return typography(f"**Documents modifiés** : la convention ({files}) ; son annexe est inchangée.")
    if annexe:
        return typography(
            f"**Documents modifiés** : l’annexe de la convention ({files}) ; le corps de la convention est inchangé."
        )
    return typography("**Documents** : le texte produit ne change pas (donnée non imprimée).")


def _signed_documents_line(slug: str, acts: ProjectActs) -> str:
    """Return the documents a change of a signed convention produces or keeps, from the plan ``amend`` uses."""
    kept = f"`build/{slug}/{convention_stem(slug)}.pdf`"
    try:
        plan, pending = _pending_of(slug, acts)
    except AmendError:
        plan = pending = None
    if plan is None or pending is None:
        return typography(f"**Documents** : la convention signée est conservée telle quelle ({kept}) ; aucun avenant.")
    consolidated = consolidated_stem(slug)
    draft = ", en projet" if pending.job.draft else ""
    if pending.update:
        return typography(
            f"**Documents produits** : la mise à jour {NUMERO}{pending.numero} de l’annexe 3 "
            f"(`build/{slug}/{pending.job.stem}.docx` et `.pdf`{draft}), à signer par l’exécutif de "
            f"l’intercommunalité seul ; la convention signée est conservée telle quelle ({kept}) ; la version "
            f"consolidée (`{consolidated}.docx` et `.pdf`) sera refaite une fois la mise à jour signée."
        )
    stem = avenant_stem(slug, plan.numero)
    return typography(
        f"**Documents produits** : l’avenant {NUMERO}{plan.numero} (`build/{slug}/{stem}.docx` et `.pdf`{draft}) "
        f"et son comparatif (`{comparatif_stem(slug, plan.numero)}.docx`) ; "
        f"la convention signée est conservée telle quelle ({kept}) ; la version consolidée (`{consolidated}.docx` "
        "et `.pdf`) sera refaite une fois l’avenant signé."
    )


def _changed_documents(templates_dir: Path, project: Project, before: Epci, after: Epci) -> tuple[bool, bool]:
    """Return whether the text of the convention outside its annex, and of the annex, differs between states."""

    def texts(epci: Epci) -> tuple[list[str], list[str]]:
        context = convention_context(project.departement, project.programme, epci, verdict=TEXT_ONLY)
        convention = _lines(render_convention(templates_dir, context))
        annexe = render_annexe(templates_dir, context)
        return _without(convention, _lines(annexe, body=True)), _lines(annexe)

    body_before, annexe_before = texts(before)
    body_after, annexe_after = texts(after)
    return body_before != body_after, annexe_before != annexe_after


def _lines(docx: bytes, *, body: bool = False) -> list[str]:
    """Return the non-empty paragraphs of a DOCX, each story introduced by its label (only the body if asked)."""

    lines: list[str] = []
    for part in read_parts(docx):
        if body and part.name != "word/document.xml":
            continue
        if not body:
            lines.append(f"[{part.label}]")
        lines += [text for text in part.paragraphs if text.strip()]
    return lines


def _without(lines: list[str], block: list[str]) -> list[str]:
    """Return ``lines`` without the first occurrence of ``block`` (unchanged when it does not occur)."""
    size = len(block)
    for start in range(len(lines) - size + 1):
        if size and lines[start : start + size] == block:
            return lines[:start] + lines[start + size :]
    return lines


def _next_act(slug: str, acts: ProjectActs, changes: Sequence[Change]) -> list[str]:
    """Return what must be signed next, and the warnings a jurist needs (no avenant needed, new party, draft)."""
    registre = acts.register(slug)
    signed = registre.convention
    lines: list[str] = []
    warnings: list[str] = []
    if signed is None:
        lines.append(typography("La convention n’est pas encore signée : elle sera produite avec ces données."))
        convention = acts.convention(slug)
        warnings += [f"convention en projet : {reason}." for reason in convention.verdict.reasons]
        readiness = status(convention.verdict, acts.project.programme.fin, acts.today, feminine=True)
        if readiness.state == "terminee":
            warnings.append(f"convention {readiness.text}.")
        return _with_warnings(lines, warnings)
    signed_on = f"signée le {date_in_words(signed.date_signature)}"
    try:
        plan, pending = _pending_of(slug, acts)  # the same plan as ``convgen amend``
    except AmendError:
        plan = pending = None
    if plan is None:
        lines.append(
            typography(
                f"Une nouvelle convention sera à signer : la convention {signed_on} lie une autre personne morale."
            )
        )
        warnings += [f"{c.label} : {c.reason}." for c in changes if c.amends == "nouvelle convention"]
    elif pending is not None and pending.update:
        state = _pending_state(acts, plan, pending)
        lines.append(
            typography(
                f"Une mise à jour {NUMERO}{pending.numero} de l’annexe 3 sera à signer ({state}) : elle remplacera "
                "l’annexe 3 pour le référent et son suppléant, sans avenant ni délibération (article 4.2 de la "
                "convention) ; elle est signée par l’exécutif de l’intercommunalité et notifiée au Département."
            )
        )
        for reason in pending.job.verdict.reasons:
            warnings.append(typography(f"{reason} — la mise à jour sera produite en projet."))
    elif pending is not None:
        what = join([_AMENDED_WORDS[element] for element in amended(plan.amending)])
        state = _pending_state(acts, plan, pending)
        lines.append(typography(f"Un avenant {NUMERO}{plan.numero} sera à signer ({state}) : il modifiera {what}."))
        for reason in pending.job.verdict.reasons:
            warnings.append(typography(f"{reason} — l’avenant sera produit en projet."))
    else:
        lines.append(typography(f"Aucun avenant n’est nécessaire : la convention {signed_on} reste valable en l’état."))
    for change in changes:
        if not change.needs_avenant and change.amends != "nouvelle convention" and change.reason:
            warnings.append(f"sans avenant — {change.label} : {change.reason}.")
    return _with_warnings(lines, warnings)


def _with_warnings(lines: list[str], warnings: Iterable[str]) -> list[str]:
    """Return the lines followed by the warnings, each as a quoted « Attention » line."""
    out = list(lines)
    for warning in warnings:
        out += ["", typography(f"> **Attention** : {warning}")]
    return out


# --- intercommunalities added or removed, registers, files without effect ---------------------------------


def _added_and_removed(old: Project, new: Project, registers: Mapping[str, Registre]) -> list[str]:
    """Return the sections of intercommunalities added to or removed from the data."""
    lines: list[str] = []
    added = sorted(set(new.epcis) - set(old.epcis))
    removed = sorted(set(old.epcis) - set(new.epcis))
    by_siren = {old.epcis[slug].siren: slug for slug in removed}
    for slug in added:
        epci = new.epcis[slug]
        lines += [f"### Intercommunalité ajoutée : {inline(epci.nom)} — `{slug}`", ""]
        lines.append(
            typography(
                f"Une nouvelle convention sera produite (`build/{slug}/{convention_stem(slug)}.docx` et `.pdf`) "
                "avec ces données."
            )
        )
        if epci.deliberation is None:
            lines += [
                "",
                typography("> **Attention** : convention en projet : la date de délibération n’est pas renseignée."),
            ]
        if epci.siren in by_siren:
            lines += [
                "",
                typography(
                    f"> **Attention** : même SIREN que `{by_siren[epci.siren]}`, retirée : s’agit-il d’un fichier "
                    "renommé ? Le registre des actes signés suit l’identifiant (le nom du fichier)."
                ),
            ]
        lines.append("")
    for slug in removed:
        epci = old.epcis[slug]
        lines += [f"### Intercommunalité retirée : {inline(epci.nom)} — `{slug}`", ""]
        lines.append(typography("Sa convention ne sera plus produite."))
        registre = registers.get(slug)
        if registre is not None and registre.convention is not None:
            lines += [
                "",
                typography(
                    f"> **Attention** : sa convention a été signée le {date_in_words(registre.convention.date_signature)} : "
                    "retirer ses données ne la résilie pas (voir ses clauses de résiliation)."
                ),
            ]
        lines.append("")
    return trim(lines)


def _format_only(old: _Side, new: _Side) -> list[str]:
    """Return the data files that changed without changing the data (comments, quotes, spacing)."""
    assert old.project is not None and new.project is not None
    paths: list[str] = []
    if old.files.get("departement.yaml") != new.files.get("departement.yaml"):
        same = (old.project.departement, old.project.programme) == (new.project.departement, new.project.programme)
        if same:
            paths.append("departement.yaml")
    for slug in sorted(set(old.project.epcis) & set(new.project.epcis)):
        path = f"epci/{slug}.yaml"
        if old.files.get(path) != new.files.get(path) and old.project.epcis[slug] == new.project.epcis[slug]:
            paths.append(path)
    if not paths:
        return []
    return [
        "### Sans effet sur les documents",
        "",
        *[typography(f"- `{path}` : commentaires ou mise en forme seulement.") for path in paths],
    ]


def _invalid_base(old: _Side, new: _Side) -> list[str]:
    """Return the notice shown when the base data was invalid: only the list of changed files."""
    changed = sorted(
        path
        for path in set(old.files) | set(new.files)
        if not path.startswith(REGISTER_DIR) and old.files.get(path) != new.files.get(path)
    )
    count = len(old.problems)
    lines = [
        typography(
            f"Les données de la base n’étaient pas valides ({count} erreur{'s' if count > 1 else ''}) : "
            "comparaison champ par champ impossible. Fichiers modifiés :"
        ),
        "",
    ]
    lines += [f"- `{path}`" for path in changed] or ["- aucun"]
    return lines
