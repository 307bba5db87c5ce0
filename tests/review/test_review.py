"""Tests of the pull-request review: real temporary git repositories, data edited on a branch or in place."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from convgen.acts.register import dump_register, empty_register, new_act
from convgen.cli import main
from convgen.data.load import load_project
from convgen.errors import GitError, SetupError
from convgen.recipes.amend import plan_amendments
from convgen.review.gitdata import read_revision, resolve_base
from convgen.review.markdown import cell
from convgen.review.summary import NO_CHANGE, review
from tests.projects import acts_of, cli

# LibreOffice runs here: the module's first test also pays for its builds (limit per test, in seconds).
pytestmark = pytest.mark.timeout(180)

PROJECT = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"
EPCI_FILE = f"epci/{SLUG}.yaml"


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` and return its standard output."""
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return result.stdout


def commit_all(root: Path, message: str) -> None:
    """Commit every file of the working tree."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def plain(markdown: str) -> str:
    """Return the Markdown with non-breaking spaces made ordinary, for readable assertions."""
    return markdown.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Return a git repository holding a copy of the project's data and templates, on branch « proposition »."""
    root = tmp_path / "depot"
    root.mkdir()
    shutil.copy2(PROJECT / "departement.yaml", root / "departement.yaml")
    shutil.copytree(PROJECT / "epci", root / "epci")
    shutil.copytree(PROJECT / "templates", root / "templates")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Service juridique")
    git(root, "config", "user.email", "juridique@exemple.fr")
    git(root, "config", "commit.gpgsign", "false")
    commit_all(root, "Données initiales")
    git(root, "checkout", "-q", "-b", "proposition")
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    """Replace ``old`` (which must be present once) by ``new`` in a file of the repository."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} introuvable dans {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def signed_on_main(root: Path, message: str) -> None:
    """Sign the convention of SLUG in the register and commit it as ``main``, the base of the review."""
    sign_convention(root, SLUG)
    commit_all(root, message)
    git(root, "branch", "-f", "main")


def sign_convention(root: Path, slug: str, *avenants: int) -> None:
    """Write ``registre/<slug>.yaml`` as ``convgen sign`` would: the convention, then the avenants given."""
    project = load_project(root)
    registre = empty_register(slug)
    for numero in (0, *avenants):
        act = new_act(slug, numero, dt.date(2024, 5, 2 + numero), "0" * 64, project.epcis[slug], project.programme)
        registre = registre.with_act(act)
    (root / "registre").mkdir(exist_ok=True)
    (root / "registre" / f"{slug}.yaml").write_bytes(dump_register(registre))


def test_no_change(repo: Path) -> None:
    markdown, code = review(repo, None)
    assert code == 0
    assert NO_CHANGE in markdown
    assert "| Champ |" not in markdown


def test_comment_only_change_is_no_change(repo: Path) -> None:
    edit(repo, EPCI_FILE, "siege: Marolles-les-Braults", "siege: Marolles-les-Braults  # siège")
    markdown, code = review(repo, None)
    assert code == 0
    assert NO_CHANGE in markdown
    assert f"`{EPCI_FILE}` : commentaires ou mise en forme seulement." in plain(markdown)


def test_referent_changed_on_unsigned_convention(repo: Path) -> None:
    edit(repo, EPCI_FILE, "antoine.prototype@exemple.fr", "a.prototype@exemple.fr")
    commit_all(repo, "Nouvelle adresse du référent")
    markdown, code = review(repo, None)
    text = plain(markdown)
    assert code == 0
    assert f"### Communauté de communes Maine Saosnois — `{SLUG}`" in text
    assert "| Champ | Avant | Après |" in text
    assert (
        "| Courriel du référent de l’intercommunalité | antoine.prototype@exemple.fr | a.prototype@exemple.fr |"
    ) in text
    assert "referent.courriel" not in text
    assert "La convention n’est pas encore signée : elle sera produite avec ces données." in text
    assert (
        f"**Documents modifiés** : l’annexe de la convention (`build/{SLUG}/convention-{SLUG}.docx` et `.pdf`)" in text
    )
    assert NO_CHANGE not in text
    assert "cc-sud-sarthe" not in text  # only the intercommunality that changed


def test_referent_changed_on_signed_convention_needs_an_annex_update(repo: Path) -> None:
    """Article 4.2: a new e-mail of the referent is a notified update of annex 3, not an avenant."""
    signed_on_main(repo, "Signature de la convention")
    edit(repo, EPCI_FILE, "antoine.prototype@exemple.fr", "a.prototype@exemple.fr")
    markdown, code = review(repo, "main")
    text = plain(markdown)
    assert code == 0
    assert (
        f"**Documents produits** : la mise à jour n° 1 de l’annexe 3 (`build/{SLUG}/annexe-3-mise-a-jour-01-{SLUG}.docx` "
        "et `.pdf`), à signer par l’exécutif de l’intercommunalité seul ; la convention signée est conservée telle "
        f"quelle (`build/{SLUG}/convention-{SLUG}.pdf`)" in text
    )
    assert "Une mise à jour n° 1 de l’annexe 3 sera à signer" in text
    assert "sans avenant ni délibération (article 4.2 de la convention)" in text
    assert "avenant n° 1" not in text
    assert "deliberation_avenant" not in text  # no deliberation is asked for


def test_referent_changed_on_signed_convention_needs_an_avenant_when_so_chosen(repo: Path) -> None:
    """``programme.changement_referents: avenant``: the same change is made by avenant, with its deliberations."""
    edit(repo, "departement.yaml", "changement_referents: mise_a_jour_annexe", "changement_referents: avenant")
    signed_on_main(repo, "Signature de la convention")
    edit(repo, EPCI_FILE, "antoine.prototype@exemple.fr", "a.prototype@exemple.fr")
    markdown, code = review(repo, "main")
    text = plain(markdown)
    assert code == 0
    assert "Un avenant n° 1 sera à signer (en projet) : il modifiera l’annexe" in text
    assert (
        f"**Documents produits** : l’avenant n° 1 (`build/{SLUG}/avenant-01-{SLUG}.docx` et `.pdf`, en projet) et son "
        f"comparatif (`avenant-01-{SLUG}-comparatif.docx`) ; la convention signée est conservée telle quelle "
        f"(`build/{SLUG}/convention-{SLUG}.pdf`)" in text
    )
    assert "Documents modifiés" not in text  # the signed convention is never rebuilt
    assert "pas encore signée" not in text
    # The avenant is a draft until both deliberations are dated: each is named with its file and key.
    assert (
        "à renseigner : la délibération du conseil communautaire autorisant l’avenant, postérieure à la convention "
        f"signée le 2 mai 2024 (clé « deliberation_avenant » de epci/{SLUG}.yaml) — l’avenant sera produit en projet."
        in text
    )
    assert (
        "à renseigner : la délibération de la Commission permanente autorisant l’avenant, postérieure à la "
        "convention signée le" in text
    )


def test_review_and_amend_agree_on_a_stale_deliberation(repo: Path) -> None:
    """Avenant 1 signed under a deliberation; a resource added later needs a new one: both commands say so."""
    edit(repo, EPCI_FILE, "deliberation: 2024-04-11\n", "deliberation: 2024-04-11\ndeliberation_avenant: 2025-01-10\n")
    sign_convention(repo, SLUG, 1)
    commit_all(repo, "Convention et avenant signés")
    git(repo, "branch", "-f", "main")
    edit(repo, EPCI_FILE, "  communication:\n", "  communication:\n    - Affiche dans les mairies\n")
    markdown, _ = review(repo, "main")
    text = plain(markdown)
    assert "Un avenant n° 2 sera à signer (en projet)" in text
    stale = (
        "la délibération du conseil communautaire autorisant l’avenant, postérieure à l’avenant n° 1 signé le "
        f"3 mai 2024 (la date inscrite, 10 janvier 2025, est celle d’un avenant déjà signé) (clé « deliberation_avenant » de epci/{SLUG}.yaml)"
    )
    assert stale in text
    plan = plan_amendments(acts_of(repo), [SLUG])
    assert plan.avenants == 1
    assert any("avenant n° 2 à rédiger" in note and stale in note for note in plan.notes), plan.notes


def test_next_avenant_number_comes_from_the_register(repo: Path) -> None:
    sign_convention(repo, SLUG, 1, 2)
    commit_all(repo, "Convention et deux avenants signés")
    git(repo, "branch", "-f", "main")
    edit(repo, EPCI_FILE, "    - Imprimante multifonction du siège communautaire\n", "")
    markdown, _ = review(repo, "main")
    text = plain(markdown)
    assert "Un avenant n° 3 sera à signer" in text
    assert "| Ressource matérielle mise à disposition (annexe) (supprimé) " in text


def test_change_without_avenant_is_explained(repo: Path) -> None:
    signed_on_main(repo, "Signature")
    edit(repo, EPCI_FILE, "siege: Marolles-les-Braults", "siege: Mamers")
    markdown, _ = review(repo, "main")
    text = plain(markdown)
    assert "Aucun avenant n’est nécessaire : la convention signée le 2 mai 2024 reste valable en l’état." in text
    assert "> **Attention** : sans avenant — Siège de l’intercommunalité : le siège n’est pas une stipulation" in text


def test_siren_change_of_signed_convention_needs_a_new_convention(repo: Path) -> None:
    signed_on_main(repo, "Signature")
    edit(repo, EPCI_FILE, 'siren: "200072676"', 'siren: "200072601"')
    markdown, code = review(repo, "main")
    text = plain(markdown)
    assert code == 0
    assert "Une nouvelle convention sera à signer" in text
    assert "une nouvelle convention est nécessaire" in text
    assert "Un avenant" not in text


def test_resources_reordered_are_said_reordered(repo: Path) -> None:
    edit(
        repo,
        EPCI_FILE,
        "    - Bureau d'accueil à la maison France Services de Marolles-les-Braults\n"
        "    - Imprimante multifonction du siège communautaire\n",
        "    - Imprimante multifonction du siège communautaire\n"
        "    - Bureau d'accueil à la maison France Services de Marolles-les-Braults\n",
    )
    markdown, code = review(repo, None)
    text = plain(markdown)
    assert code == 0
    assert "| Ordre des ressources matérielles (annexe) (réordonné) |" in text
    assert "(supprimé)" not in text
    assert "(ajouté)" not in text


def test_draft_without_deliberation_is_flagged(repo: Path) -> None:
    edit(repo, EPCI_FILE, "deliberation: 2024-04-11\n", "")
    markdown, _ = review(repo, None)
    text = plain(markdown)
    assert "| Date de la délibération autorisant la convention (supprimé) | 11 avril 2024 | — |" in text
    assert "> **Attention** : convention en projet : délibération de l’intercommunalité à renseigner." in text


def test_invalid_change_prints_the_errors_of_check(repo: Path) -> None:
    edit(repo, EPCI_FILE, "antoine.prototype@exemple.fr", "antoine.prototype@")
    markdown, code = review(repo, None)
    expected = (
        f"{EPCI_FILE}:16:13: referent.courriel : adresse invalide « antoine.prototype@ » "
        "— exemple : prenom.nom@cc-exemple.fr"
    )
    check = cli(repo, "check")
    assert code == 1
    assert check.exit_code == 1
    assert check.output.splitlines()[0] == expected
    assert f"```text\n{expected}\n```" in markdown
    assert "| Champ |" not in markdown


def test_template_change_is_listed_for_every_convention(repo: Path) -> None:
    from docx import Document

    path = repo / "templates" / "convention.docx"
    document = Document(str(path))
    paragraph = next(p for p in document.paragraphs if len(p.text.split()) > 6 and "{" not in p.text)
    old_words = paragraph.text
    for run in paragraph.runs[1:]:
        run.text = ""
    paragraph.runs[0].text = "Clause nouvelle relue par le service juridique."
    document.save(str(path))
    markdown, code = review(repo, None)
    text = plain(markdown)
    assert code == 0
    assert "### Toutes les conventions" in text
    assert "Ces changements touchent les 15 conventions" in text
    assert "Modèle modifié : `templates/convention.docx`" in text
    assert "```diff\n--- a/templates/convention.docx\n+++ b/templates/convention.docx\n" in text
    assert "+Clause nouvelle relue par le service juridique." in text
    assert f"\n-{old_words}\n" in markdown


def test_departement_change_touches_every_convention(repo: Path) -> None:
    signed_on_main(repo, "Signature")
    edit(repo, "departement.yaml", "fin: 2026-11-30", "fin: 2026-12-31")
    markdown, _ = review(repo, "main")
    text = plain(markdown)
    assert "### Toutes les conventions" in text
    assert "| Fin de la période du dispositif (article 7 – Durée) | 30 novembre 2026 | 31 décembre 2026 |" in text
    assert (
        "- **Avenant** : un avenant sera à signer pour chaque convention signée ; il modifiera l’article 7 (durée)."
        in text
    )
    assert f"  - `{SLUG}` : avenant n° 1, en projet — à renseigner : la délibération du conseil communautaire" in text
    assert f"— `{SLUG}`" not in text  # its own data did not change


def test_added_and_removed_intercommunalities(repo: Path) -> None:
    (repo / "epci" / "cc-sud-sarthe.yaml").rename(repo / "epci" / "cc-du-sud-sarthe.yaml")
    markdown, code = review(repo, None)
    text = plain(markdown)
    assert code == 0
    assert "### Intercommunalité ajoutée : " in text and "`cc-du-sud-sarthe`" in text
    assert "### Intercommunalité retirée : " in text and "`cc-sud-sarthe`" in text
    assert "même SIREN que `cc-sud-sarthe`" in text


def test_signature_recorded_in_the_register(repo: Path) -> None:
    sign_convention(repo, SLUG)
    markdown, code = review(repo, "main")
    text = plain(markdown)
    assert code == 0
    assert "### Registre des actes signés" in text
    assert f"- `registre/{SLUG}.yaml` : la convention signée le 2 mai 2024 est enregistrée." in text


def test_invalid_base_lists_the_changed_files(repo: Path) -> None:
    edit(repo, EPCI_FILE, 'siren: "200072676"', 'siren: "2000"')
    commit_all(repo, "Erreur de saisie")
    git(repo, "branch", "-f", "main")
    edit(repo, EPCI_FILE, 'siren: "2000"', 'siren: "200072676"')
    markdown, code = review(repo, "main")
    text = plain(markdown)
    assert code == 0
    assert "Les données de la base n’étaient pas valides (1 erreur) : comparaison champ par champ impossible." in text
    assert f"- `{EPCI_FILE}`" in text


def test_dirty_working_tree_is_read_without_checkout(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    head = git(repo, "rev-parse", "HEAD")
    edit(repo, EPCI_FILE, "antoine.prototype@exemple.fr", "a.prototype@exemple.fr")
    (repo / "brouillon.txt").write_text("notes", encoding="utf-8")
    markdown, code = review(repo, "HEAD")
    assert code == 0
    assert "a.prototype@exemple.fr" in markdown
    assert git(repo, "rev-parse", "HEAD") == head
    assert "a.prototype@" in (repo / EPCI_FILE).read_text(encoding="utf-8")
    assert git(repo, "status", "--porcelain").splitlines() == [f" M {EPCI_FILE}", "?? brouillon.txt"]


def test_read_revision_returns_the_data_of_the_commit(repo: Path) -> None:
    edit(repo, EPCI_FILE, "antoine.prototype@exemple.fr", "a.prototype@exemple.fr")
    files = read_revision(repo, resolve_base(repo, "main").commit)
    assert b"antoine.prototype@exemple.fr" in files[EPCI_FILE]
    assert "departement.yaml" in files
    assert "templates/convention.docx" in files
    assert len([path for path in files if path.startswith("epci/")]) == 15


def test_default_base_prefers_origin_main(repo: Path) -> None:
    edit(repo, EPCI_FILE, "siege: Marolles-les-Braults", "siege: Mamers")
    commit_all(repo, "Siège")
    assert resolve_base(repo, None).commit == git(repo, "rev-parse", "main").strip()
    git(repo, "update-ref", "refs/remotes/origin/main", "proposition")
    revision = resolve_base(repo, None)
    assert revision.commit == git(repo, "rev-parse", "proposition").strip()
    assert (revision.name, revision.merge_base) == ("origin/main", True)


def test_project_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    top = tmp_path / "depot"
    root = top / "conventions"
    shutil.copytree(PROJECT / "epci", root / "epci")
    shutil.copy2(PROJECT / "departement.yaml", root / "departement.yaml")
    git(top, "init", "-q", "-b", "main")
    git(top, "config", "user.name", "Service juridique")
    git(top, "config", "user.email", "juridique@exemple.fr")
    git(top, "config", "commit.gpgsign", "false")
    commit_all(top, "Données")
    files = read_revision(root, "main")
    assert EPCI_FILE in files and "departement.yaml" in files


def test_unknown_base_and_missing_repository(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(GitError) as unknown:
        review(repo, "origin/inexistante")
    outside = tmp_path / "hors-depot"
    outside.mkdir()
    with pytest.raises(GitError) as no_repo:
        review(outside, None)
    assert str(unknown.value).startswith("révision « origin/inexistante » introuvable dans le dépôt git")
    assert "n’est pas dans un dépôt git" in str(no_repo.value)


def test_missing_git_is_a_setup_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo))
    with pytest.raises(SetupError) as excinfo:
        review(repo, "main")
    assert str(excinfo.value).startswith("git est introuvable : installez-le")


def test_no_main_branch_asks_for_base(repo: Path) -> None:
    git(repo, "branch", "-q", "-D", "main")
    with pytest.raises(GitError) as excinfo:
        resolve_base(repo, None)
    assert "précisez la révision de référence avec --base" in str(excinfo.value)


def test_cell_escapes_pipes_newlines_and_markup() -> None:
    assert cell("a | b\nc") == "a \\| b<br>c"
    assert cell("") == "—"
    assert cell("<script>*x*_y_") == "&lt;script&gt;\\*x\\*\\_y\\_"


def test_cli_review(repo: Path) -> None:
    edit(repo, EPCI_FILE, "antoine.prototype@exemple.fr", "a.prototype@exemple.fr")
    runner = CliRunner()
    result = runner.invoke(main, ["-C", str(repo), "review", "--base", "main"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("## Effet sur les conventions\n")
    assert "a.prototype@exemple.fr" in result.output
    unknown = runner.invoke(main, ["-C", str(repo), "review", "--base", "nulle-part"])
    assert unknown.exit_code == 1
    assert "révision « nulle-part » introuvable" in unknown.output
    assert "Traceback" not in unknown.output


def test_cli_review_exit_code_on_invalid_data(repo: Path) -> None:
    edit(repo, EPCI_FILE, 'siren: "200072676"', 'siren: "20007267"')
    result = cli(repo, "review")
    assert result.exit_code == 1
    assert f"{EPCI_FILE}:4:8: siren : SIREN « 20007267 » invalide" in result.output


def test_git_diff_of_templates_shows_words(repo: Path) -> None:
    from docx import Document

    shutil.copy2(PROJECT / ".gitattributes", repo / ".gitattributes")
    convgen = Path(sys.executable).with_name("convgen")
    git(repo, "config", "diff.convgen-docx.textconv", f"{convgen} text")
    path = repo / "templates" / "annexe.docx"
    document = Document(str(path))
    document.add_paragraph("Paragraphe ajouté pour la relecture.")
    document.save(str(path))
    diff = git(repo, "diff", "--", "templates/annexe.docx")
    assert "Binary files" not in diff
    assert "+Paragraphe ajouté pour la relecture." in diff


def test_review_says_when_a_change_moves_the_text_its_deliberations_approved(repo: Path) -> None:
    """Avenant 1 is approved by both deliberations (recorded on main); a pull request extends the programme."""
    edit(repo, EPCI_FILE, "deliberation: 2024-04-11\n", "deliberation: 2024-04-11\ndeliberation_avenant: 2025-01-12\n")
    edit(
        repo,
        "departement.yaml",
        "  # deliberation_avenant: AAAA-MM-JJ",
        "  deliberation_avenant: 2025-01-10  #",
    )
    sign_convention(repo, SLUG)
    edit(repo, EPCI_FILE, "  communication:\n", "  communication:\n    - Affiche dans les mairies\n")
    plan, job = plan_amendments(acts_of(repo), [SLUG]).plans[SLUG]
    approval = plan.approval_to_record(job.verdict.final)
    assert approval is not None
    (repo / "registre" / f"{SLUG}.yaml").write_bytes(dump_register(plan.registre.with_approval(approval)))
    commit_all(repo, "Avenant 1 approuvé par les deux délibérations")
    git(repo, "branch", "-f", "main")
    edit(
        repo,
        "departement.yaml",
        "fin: 2026-11-30",
        "fin: 2027-11-30\n  prolongation_etat: {date: 2026-10-15, reference: 2026-CNFS-072}",
    )
    markdown, _ = review(repo, "main")
    text = plain(markdown)
    assert (
        f"- `{SLUG}` : avenant n° 1, en projet — le contenu de l’avenant a changé depuis les délibérations du " in text
    )
    assert (
        "12 janvier 2025 (conseil communautaire) et du 10 janvier 2025 (Commission permanente), qui ont approuvé un "
        "autre texte" in text
    )
