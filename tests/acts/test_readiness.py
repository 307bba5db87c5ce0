"""One readiness verdict per document, decided by ``acts/readiness.py``, and every surface saying the same.

For each reason a document can have, the build summary, ``check``, ``amend``, ``sign``, ``review``, ``suivi.csv``
and ``index.html`` give the same verdict with the same reasons (DOCX builds only: no LibreOffice). Hypothesis
then draws combinations of reasons and checks the verdict, the context, the title and the status agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convgen.acts.readiness import status
from convgen.acts.register import load_register
from convgen.acts.state import ProjectActs
from convgen.data.load import load_project
from convgen.documents.verdict import DRAFT_TITLE_PREFIX
from tests.amending import (
    SHA,
    edit_epci,
    read_epci,
    record,
    referents_by_avenant,
    set_departement_deliberation,
    write_epci,
)
from tests.projects import acts_of, cli, copy_project

SLUG = "cc-maine-saosnois"
NB = "\u00a0"
TODAY = dt.date(2026, 12, 6)  # the programme 2024–2026 ended on 2026-11-30


def run(root: Path, *args: str) -> tuple[int, str]:
    """Run ``convgen -C root …`` in-process; return its exit code and its whole output."""
    result = cli(root, *args)
    return result.exit_code, result.output


def git(root: Path, *args: str) -> None:
    """Run git in ``root``."""
    subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)


def project(tmp_path: Path, *, samples: bool = False) -> Path:
    """Return a git repository holding a copy of the project (figures final unless ``samples``)."""
    root = copy_project(tmp_path / "projet", samples=samples)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Service juridique")
    git(root, "config", "user.email", "juridique@exemple.fr")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def set_programme(root: Path, **values: str) -> None:
    """Replace ``programme`` keys of departement.yaml (``fin="2099-11-30"``)."""
    path = root / "departement.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        text, count = re.subn(rf"(?m)^(  {key}: )\S+", rf"\g<1>{value}", text)
        assert count == 1, key
    path.write_text(text, encoding="utf-8")


def suivi_status(root: Path, slug: str = SLUG) -> str:
    """Return the « Statut » of ``slug`` in build/suivi.csv."""
    text = (root / "build" / "suivi.csv").read_text(encoding="utf-8-sig")
    rows = {row["Identifiant"]: row for row in csv.DictReader(io.StringIO(text), delimiter=";")}
    return rows[slug]["Statut"]


def same(text: str) -> str:
    """Return ``text`` with the spaces every surface may set differently made one (« n° 1 », « : »)."""
    return re.sub(r"[\u00a0\u202f ]+", " ", text)


@dataclass(frozen=True)
class Case:
    """A reason for a PROJET: how to give a project that reason, and the words the verdict must contain."""

    name: str
    samples: bool
    setup: Callable[[Path], None]
    expected: str
    avenant: bool = False
    update: bool = False  # the pending act is an update of annex 3 (article 4.2)
    reviewed: bool = True  # the change is one of the data, which ``review`` compares (a figure file is not)


def _missing_deliberation(root: Path) -> None:
    data = read_epci(root)
    del data["deliberation"]
    write_epci(root, data)


def _future_deliberation(root: Path) -> None:
    set_programme(root, fin="2099-11-30")
    edit_epci(root, deliberation="2099-01-15")


def _missing_figure(root: Path) -> None:
    (root / "templates" / "figures" / "carte-offres.png").unlink()


def _signed_then(*changes: Callable[[Path], None], by_avenant: bool = True) -> Callable[[Path], None]:
    """Sign the convention, then change the referent's e-mail (by avenant, or an annex update) and ``changes``."""

    def setup(root: Path) -> None:
        if by_avenant:
            referents_by_avenant(root)
        record(root, SLUG, "2024-05-02")
        edit_epci(root, referent__courriel="a.prototype@exemple.fr")
        for change in changes:
            change(root)

    return setup


CASES = [
    Case(
        "figure d'exemple",
        True,
        lambda root: None,
        "figure d’exemple : templates/figures/nuage-de-mots.png",
        reviewed=False,  # a figure file is no data the review compares
    ),
    Case(
        "figure manquante",
        False,
        _missing_figure,
        "figure introuvable : templates/figures/carte-offres.png",
        reviewed=False,
    ),
    Case(
        "valeur à confirmer",
        False,
        lambda root: edit_epci(root, a_confirmer=["siege"]),
        "valeur à confirmer : siège",
        reviewed=False,  # ``a_confirmer`` is a note on the data, not a value the review compares
    ),
    Case("délibération manquante", False, _missing_deliberation, "délibération de l’intercommunalité à renseigner"),
    Case(
        "délibération à venir",
        False,
        _future_deliberation,
        "délibération de l’intercommunalité du 15 janvier 2099 à venir (nous sommes le",
    ),
    Case(
        "avenant sans délibérations",
        False,
        _signed_then(),
        "à renseigner : la délibération du conseil communautaire autorisant l’avenant",
        avenant=True,
    ),
    Case(
        "avenant : délibération à venir",
        False,
        _signed_then(
            lambda root: set_programme(root, fin="2099-11-30"),
            lambda root: edit_epci(root, deliberation_avenant="2099-01-15"),
            lambda root: set_departement_deliberation(root, "2025-01-10"),
        ),
        "(la date inscrite, 15 janvier 2099, est à venir : nous sommes le",
        avenant=True,
    ),
    Case(
        "avenant : délibération après la fin",
        False,
        _signed_then(
            lambda root: set_programme(root, fin="2027-11-30"),
            lambda root: edit_epci(root, deliberation_avenant="2026-12-03"),
            lambda root: set_departement_deliberation(root, "2025-01-10"),
        ),
        "(la date inscrite, 3 décembre 2026, est postérieure à la fin de la convention (30 novembre 2026) : il faut",
        avenant=True,
    ),
    Case(
        "avenant : valeur à confirmer",
        False,
        _signed_then(
            lambda root: edit_epci(root, deliberation_avenant="2025-01-12", a_confirmer=["siege"]),
            lambda root: set_departement_deliberation(root, "2025-01-10"),
        ),
        "valeur à confirmer : siège",
        avenant=True,
    ),
    Case(
        "mise à jour de l'annexe : valeur à confirmer",
        False,
        _signed_then(lambda root: edit_epci(root, a_confirmer=["siege"]), by_avenant=False),
        "valeur à confirmer : siège",
        update=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_surface_gives_the_same_verdict(tmp_path: Path, case: Case) -> None:
    root = project(tmp_path, samples=case.samples)
    case.setup(root)
    acts = acts_of(root)
    job = acts.avenant(SLUG) if case.avenant else acts.annex_update(SLUG) if case.update else acts.convention(SLUG)
    assert job is not None and job.draft
    reasons = job.verdict.describe()
    assert same(case.expected) in same(reasons)
    assert job.title.startswith(DRAFT_TITLE_PREFIX)
    amending = case.avenant or case.update

    register = root / "registre" / f"{SLUG}.yaml"
    before = register.read_bytes() if register.exists() else None
    code, built = run(root, "amend" if amending else "build", "--format", "docx", SLUG)
    assert code == 0, built
    label = "avenant n° 1" if case.avenant else "mise à jour n° 1 de l’annexe 3" if case.update else "convention"
    assert f"  - {SLUG} ({label}) : {reasons}" in built  # the summary of the run
    if amending:
        assert f"(projet — {reasons}){'.' if case.avenant else ' ;'}" in built  # amend's plan line
        assert (register.read_bytes() if register.exists() else None) == before  # no approval recorded
    code, checked = run(root, "check")
    assert code == 0, checked
    assert f"  - {SLUG} ({label}) : {reasons}" in checked
    statut = suivi_status(root)
    assert same(reasons) in same(statut)
    assert "à signer" not in statut.replace("ne pas signer", "")
    page = (root / "build" / "index.html").read_text(encoding="utf-8")
    assert same(reasons) in same(page.replace("&#x27;", "'").replace("’", "’"))

    date = "2025-06-01" if amending else "2024-05-02"
    code, signed = run(root, "sign", SLUG, "--date", date)
    assert code == 1
    article = "l’avenant n° 1" if case.avenant else f"la {label}"
    assert f"{SLUG} : {article} est un projet — {reasons}." in signed
    assert (register.read_bytes() if register.exists() else None) == before

    code, review = run(root, "review", "--base", "main")
    assert code == 0, review
    if amending:
        name = "avenant n° 1" if case.avenant else "mise à jour n° 1 de l’annexe 3"
        assert same(f"{name} sera à signer (en projet)") in same(review)
        produced = "l’avenant sera produit en projet" if case.avenant else "la mise à jour sera produite en projet"
        for reason in job.verdict.reasons:
            assert same(f"{reason} — {produced}.") in same(review)
        assert "prêt à signer" not in review and "prête à signer" not in review
    elif case.reviewed:
        for reason in job.verdict.reasons:
            assert same(f"convention en projet : {reason}.") in same(review)


def test_the_shipped_data_are_all_drafts_for_their_sample_figures() -> None:
    root = Path(__file__).resolve().parents[2]
    jobs = ProjectActs(load_project(root), root, TODAY).conventions()
    assert len(jobs) == 15 and all(job.draft for job in jobs)
    for job in jobs:
        assert "figure d’exemple : templates/figures/nuage-de-mots.png" in job.verdict.reasons
        assert "figure d’exemple : templates/figures/carte-offres.png" in job.verdict.reasons


def test_a_final_convention_after_the_end_of_its_period_is_not_to_sign(tmp_path: Path) -> None:
    root = project(tmp_path)
    job = acts_of(root, TODAY).convention(SLUG)
    assert job.verdict.final
    ended = status(job.verdict, dt.date(2026, 11, 30), TODAY, feminine=True)
    assert ended.state == "terminee"
    assert same(ended.text) == "période terminée le 30 novembre 2026 — non signée ; il faut une nouvelle convention"
    code, _ = run(root, "build", "--format", "docx")
    assert code == 0
    statut = suivi_status(root)
    assert same(statut) == same(ended.text)
    _, checked = run(root, "check")
    assert same(f"  - {SLUG} (convention) : {ended.text}") in same(checked)
    assert "Prêts à signer" not in checked
    # A signature made during the period is still recorded (a late registration); after it, refused.
    code, after = run(root, "sign", SLUG, "--date", "2026-12-01", "--attente", "0")
    assert code == 1 and "après la fin de la convention" in after


def test_a_draft_avenant_prints_no_deliberation_that_approved_another_text(tmp_path: Path) -> None:
    root = project(tmp_path)
    referents_by_avenant(root)
    record(root, SLUG, "2024-05-02")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2024-09-24")
    set_departement_deliberation(root, "2024-10-14")
    code, first = run(root, "amend", "--format", "docx", SLUG)
    assert code == 0, first
    assert load_register(root, SLUG).avenant_approuve is not None
    text = (root / "build" / SLUG / f"avenant-01-{SLUG}.docx").read_bytes()
    from convgen.documents.docxtext import docx_text

    assert "24 septembre 2024" in same(docx_text(text))
    edit_epci(root, referent__telephone="02 61 91 00 09")  # another text under the same deliberations
    code, second = run(root, "amend", "--format", "docx", SLUG)
    assert code == 0, second
    job = acts_of(root).avenant(SLUG)
    assert job is not None and job.draft
    assert "ont approuvé un autre texte" in job.verdict.describe()
    redrafted = docx_text(root / "build" / SLUG / f"avenant-01-{SLUG}.docx")
    assert "24 septembre 2024" not in same(redrafted) and "14 octobre 2024" not in same(redrafted)
    assert re.search(r"délibération[^.]{0,80}en date du\s*…", redrafted)


def test_the_consolidated_version_prints_only_what_the_signed_acts_say(tmp_path: Path) -> None:
    root = project(tmp_path)
    referents_by_avenant(root)
    record(root, SLUG, "2024-05-02")
    edit_epci(root, referent__courriel="a.prototype@exemple.fr", deliberation_avenant="2025-01-12")
    record(root, SLUG, "2025-02-01")  # avenant n° 1, signed with the new e-mail
    # Then, with no avenant yet: a new Département referent and a new EPCI deputy's phone.
    path = root / "departement.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("prenom: François", "prenom: Françoise"), "utf-8")
    edit_epci(root, suppleant__telephone="02 61 91 00 77")
    job = acts_of(root).consolidated(SLUG)
    assert job is not None and job.verdict.final
    context = job.context
    assert context["departement"]["referent"]["prenom"] == "François"  # as signed
    assert context["epci"]["referent"]["courriel"] == "a.prototype@exemple.fr"  # as amended by avenant n° 1
    assert "77" not in context["epci"]["suppleant"]["telephone"]  # not signed yet
    registre = load_register(root, SLUG)
    assert registre.actes[-1].pdf_sha256 == SHA


def test_a_one_slug_build_reads_each_register_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import convgen.acts.state as state

    root = project(tmp_path)
    calls: list[str] = []
    real = state.load_register

    def counted(folder: Path, slug: str) -> object:
        calls.append(slug)
        return real(folder, slug)

    monkeypatch.setattr(state, "load_register", counted)
    code, output = run(root, "build", "--format", "docx", SLUG)
    assert code == 0, output
    assert sorted(calls) == sorted(p.stem for p in (root / "epci").glob("*.yaml"))  # the dashboard's 15 rows


# --------------------------------------------------------------------------------------------- hypothesis
@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    """Return two copies of the project: with the sample figures (True) and with final ones (False)."""
    base = tmp_path_factory.mktemp("verdicts")
    return {samples: copy_project(base / str(samples), samples=samples) for samples in (True, False)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    samples=st.booleans(),
    confirm=st.sampled_from([(), ("siege",), ("nom", "siege")]),
    deliberation=st.sampled_from(["absente", "passée", "à venir"]),
)
def test_combinations_of_reasons(
    folders: dict[bool, Path], samples: bool, confirm: tuple[str, ...], deliberation: str
) -> None:
    root = folders[samples]
    loaded = load_project(root)
    programme = loaded.programme.model_copy(update={"fin": dt.date(2099, 11, 30)})
    dates = {"absente": None, "passée": dt.date(2024, 4, 9), "à venir": dt.date(2099, 1, 15)}
    epci = loaded.epcis[SLUG].model_copy(
        update={"deliberation": dates[deliberation], "a_confirmer": list(confirm) or None}
    )
    project_ = loaded.model_copy(update={"programme": programme, "epcis": {**loaded.epcis, SLUG: epci}})
    job = ProjectActs(project_, root, TODAY).convention(SLUG)
    expected = []
    if deliberation == "absente":
        expected.append("délibération de l’intercommunalité à renseigner")
    if deliberation == "à venir":
        expected.append("délibération de l’intercommunalité du 15 janvier 2099 à venir")
    if confirm:
        expected.append("valeur" + ("s" if len(confirm) > 1 else "") + " à confirmer")
    if samples:
        expected += [
            f"figure d’exemple : templates/figures/{name}" for name in ("nuage-de-mots.png", "carte-offres.png")
        ]
    reasons = [same(r) for r in job.verdict.reasons]
    assert len(reasons) == len(expected)
    for found, wanted in zip(reasons, expected, strict=True):
        assert found.startswith(same(wanted))
    assert job.draft == bool(expected) == job.context["projet"]
    assert [same(r) for r in job.context["raisons_projet"]] == reasons
    assert job.title.startswith(DRAFT_TITLE_PREFIX) == bool(expected)
    readiness = status(job.verdict, programme.fin, TODAY, feminine=True)
    assert readiness.state == ("projet" if expected else "prete")
