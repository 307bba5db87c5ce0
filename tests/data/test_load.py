"""Reading the data files: shipped data, file-level checks, YAML safety and positions of errors."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from convgen.data.load import load_project, load_sources
from convgen.errors import DataError

DATA = Path(__file__).resolve().parents[1] / "fixtures"
VALID = DATA / "valid"
BASE = (VALID / "epci" / "cc-exemple.yaml").read_text(encoding="utf-8")
DEPARTEMENT = (VALID / "departement.yaml").read_bytes()

# SIREN of the 15 communautés de communes of the Sarthe on 1 January 2024.
# Source: BANATIC/DGCL list of intercommunalities (``epcicom`` file, Licence Ouverte / Etalab),
# cross-checked with two other public lists.
SHIPPED_SIRENS = {
    "cc-lbn-communaute": "200040475",
    "cc-maine-coeur-de-sarthe": "200068963",
    "cc-loir-luce-berce": "200070373",
    "cc-maine-saosnois": "200072676",
    "cc-le-gesnois-bilurien": "200072684",
    "cc-des-vallees-de-la-braye-et-de-l-anille": "200072692",
    "cc-haute-sarthe-alpes-mancelles": "200072700",
    "cc-de-la-champagne-conlinoise-et-du-pays-de-sille": "200072718",
    "cc-sud-sarthe": "200073112",
    "cc-du-pays-sabolien": "247200090",
    "cc-du-pays-flechois": "247200348",
    "cc-du-sud-est-manceau": "247200421",
    "cc-oree-de-berce-belinois": "247200447",
    "cc-du-val-de-sarthe": "247200629",
    "cc-du-pays-de-l-huisne-sarthoise": "247200686",
}


def make_project(root: Path, epcis: dict[str, str | bytes]) -> Path:
    """Write a project with the valid departement.yaml and the given EPCI files; return its root."""
    (root / "departement.yaml").write_bytes(DEPARTEMENT)
    (root / "epci").mkdir()
    for name, content in epcis.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (root / "epci" / name).write_bytes(data)
    return root


def problems_of(root: Path) -> list[str]:
    """Return the messages of the DataError raised while loading ``root``."""
    with pytest.raises(DataError) as caught:
        load_project(root)
    return [str(problem) for problem in caught.value.problems]


def source_problems(sources: dict[str, bytes]) -> list[str]:
    """Return the messages of the DataError raised while loading in-memory sources."""
    with pytest.raises(DataError) as caught:
        load_sources(sources)
    return [str(problem) for problem in caught.value.problems]


# Shipped data


def test_shipped_project_is_valid(project_dir: Path) -> None:
    project = load_project(project_dir)
    assert {slug: epci.siren for slug, epci in project.epcis.items()} == SHIPPED_SIRENS
    assert list(project.epcis) == sorted(SHIPPED_SIRENS)
    assert project.departement.president.nom == "Le Mèner"
    assert project.programme.debut.isoformat() == "2023-12-01"
    assert project.programme.fin.isoformat() == "2026-11-30"


def test_shipped_project_has_two_drafts(project_dir: Path) -> None:
    drafts = [slug for slug, epci in load_project(project_dir).epcis.items() if epci.deliberation is None]
    assert drafts == ["cc-du-val-de-sarthe", "cc-sud-sarthe"]


def test_shipped_people_are_fictitious(project_dir: Path) -> None:
    project = load_project(project_dir)
    contacts = [project.departement.referent, project.departement.suppleant]
    for epci in project.epcis.values():
        contacts += [epci.referent, epci.suppleant]
    assert all(contact.courriel.endswith("@exemple.fr") for contact in contacts)
    assert {contact.civilite for contact in contacts} == {"Madame", "Monsieur"}
    assert {epci.president.civilite for epci in project.epcis.values()} == {"Madame", "Monsieur"}


def test_shipped_uncertain_values_keep_their_comment() -> None:
    text = (Path(__file__).resolve().parents[2] / "epci" / "cc-du-val-de-sarthe.yaml").read_text(encoding="utf-8")
    assert "  - siege  # sources en désaccord avec Roëzé-sur-Sarthe\n" in text  # under a_confirmer


def test_load_sources_matches_load_project(project_dir: Path) -> None:
    sources = {"departement.yaml": (project_dir / "departement.yaml").read_bytes()}
    for path in (project_dir / "epci").glob("*.yaml"):
        sources[f"epci/{path.name}"] = path.read_bytes()
    sources["registre/cc-sud-sarthe.yaml"] = b"ignored: true\n"
    assert load_sources(sources) == load_project(project_dir)


def test_bom_is_accepted(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": b"\xef\xbb\xbf" + BASE.encode("utf-8")})
    assert load_project(root).epcis["cc-exemple"].siren == "200072676"


def test_windows_line_endings_are_accepted(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE.replace("\n", "\r\n")})
    assert load_project(root).epcis["cc-exemple"].nom == "Communauté de communes Maine Saosnois"


def test_symlink_inside_the_project_is_followed(tmp_path: Path) -> None:
    root = make_project(tmp_path, {})
    (root / "modeles").mkdir()
    (root / "modeles" / "base.yaml").write_text(BASE, encoding="utf-8")
    (root / "epci" / "cc-exemple.yaml").symlink_to(root / "modeles" / "base.yaml")
    assert list(load_project(root).epcis) == ["cc-exemple"]


# Positions and messages


def test_schema_error_points_at_the_value(tmp_path: Path) -> None:
    text = BASE.replace("sophie.modele@exemple.fr", "jean.dupont@")
    root = make_project(tmp_path, {"cc-sud.yaml": text})
    assert problems_of(root) == [
        "epci/cc-sud.yaml:16:13: referent.courriel : adresse invalide « jean.dupont@ » — "
        "exemple : prenom.nom@cc-exemple.fr"
    ]


def test_missing_key_points_at_its_mapping(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE.replace('  telephone: "02 43 97 30 41"\n', "")})
    assert problems_of(root) == [
        "epci/cc-exemple.yaml:12:3: referent.telephone : clé obligatoire manquante — "
        'ajoutez la ligne « telephone: "02 43 12 34 56" »'
    ]


def test_unknown_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE.replace("  communication:", "  comunication:")})
    assert problems_of(root) == [
        "epci/cc-exemple.yaml:29:3: ressources.comunication : clé inconnue — vouliez-vous dire « communication » ?"
    ]


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = BASE.replace("  prenom: Sophie\n", "  prenom: Sophie\n  prenom: Claire\n")
    root = make_project(tmp_path, {"cc-exemple.yaml": text})
    assert problems_of(root) == [
        "epci/cc-exemple.yaml:14:3: referent.prenom : clé en double (lignes 13 et 14) — "
        "gardez une seule des deux ; la seconde est ignorée"
    ]


def test_impossible_date_is_reported_at_its_line(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE.replace("2024-04-11", "2024-02-30")})
    assert problems_of(root) == [
        "epci/cc-exemple.yaml:10:15: deliberation : date impossible « 2024-02-30 » : février 2024 compte 29 jours"
        " — vérifiez le jour et le mois"
    ]


@pytest.mark.parametrize("word", ["NO", "no", "off", "On", "yes", "y", "n", "True"])
def test_yaml_booleans_are_explained(tmp_path: Path, word: str) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE.replace("  nom: Factice", f"  nom: {word}")})
    assert problems_of(root) == [
        f"epci/cc-exemple.yaml:9:8: president.nom : la valeur {word} non entourée de guillemets est lue comme "
        f'un booléen (vrai/faux) — écrivez "{word}" entre guillemets'
    ]


def test_quoted_yaml_booleans_are_text(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE.replace("  nom: Factice", '  nom: "NO"')})
    assert load_project(root).epcis["cc-exemple"].president.nom == "NO"


@pytest.mark.parametrize(
    ("source", "lost"),
    [("0243123456", " (le zéro initial serait perdu)"), ("243123456", ""), ("1e3", ""), ("2.5", ""), ("12:30", "")],
)
def test_numbers_where_text_is_expected_are_explained(tmp_path: Path, source: str, lost: str) -> None:
    text = BASE.replace('"02 43 97 30 41"', source)
    if source == "1e3":
        text = BASE.replace('"02 43 97 30 41"', "1.0e+3")
        source = "1.0e+3"
    root = make_project(tmp_path, {"cc-exemple.yaml": text})
    assert problems_of(root) == [
        f"epci/cc-exemple.yaml:17:14: referent.telephone : la valeur {source} non entourée de guillemets est lue "
        f'comme un nombre{lost} — écrivez "{source}" entre guillemets'
    ]


def test_all_errors_of_all_files_are_reported_at_once(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "cc-a.yaml": BASE.replace('"200072676"', "200072676").replace("  civilite: Madame", "  civilite: Mme"),
            "cc-b.yaml": BASE.replace('"200072676"', '"247200090"').replace("referent:", "referant:"),
            "cc-c.yaml": "nom: [\n",
            "cc-d.yml": BASE,
        },
    )
    (root / "departement.yaml").write_text(
        DEPARTEMENT.decode("utf-8").replace("fin: 2026-11-30", "fin: 2023-01-01"), encoding="utf-8"
    )
    assert problems_of(root) == [
        "departement.yaml:27:8: programme.fin : la fin du programme (2023-01-01) n’est pas postérieure à son début"
        " (2023-12-01) — vérifiez les dates « debut » et « fin »",
        "epci/cc-a.yaml:4:8: siren : la valeur 200072676 non entourée de guillemets est lue comme un nombre"
        ' — écrivez "200072676" entre guillemets',
        "epci/cc-a.yaml:12:13: referent.civilite : valeur « Mme » non reconnue — écrivez « Madame » ou « Monsieur »",
        "epci/cc-b.yaml:2:1: referent : clé obligatoire manquante — ajoutez « referent: » avec en dessous les clés"
        " civilite, prenom, nom, fonction, courriel, telephone",
        "epci/cc-b.yaml:11:1: referant : clé inconnue — vouliez-vous dire « referent » ?",
        "epci/cc-c.yaml:1:6: crochet « [ » ouvert ligne 1, colonne 6, jamais fermé — fermez la liste par « ] »,"
        " ou écrivez un élément par ligne précédé de « - »",
        "epci/cc-d.yml:1:1: extension .yml — renommez le fichier en « cc-d.yaml »",
    ]


def test_same_siren_in_two_files_names_both(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-a.yaml": BASE, "cc-b.yaml": BASE})
    assert problems_of(root) == [
        "epci/cc-a.yaml:4:8: siren : SIREN 200072676 déjà utilisé par epci/cc-b.yaml"
        " — chaque intercommunalité a son propre fichier : supprimez le doublon",
        "epci/cc-b.yaml:4:8: siren : SIREN 200072676 déjà utilisé par epci/cc-a.yaml"
        " — chaque intercommunalité a son propre fichier : supprimez le doublon",
    ]


def test_departement_errors_are_located(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE})
    text = DEPARTEMENT.decode("utf-8").replace("deliberation: 2024-02-23", "deliberation: 23/02/2024")
    text = text.replace("    prenom: Laetitia\n    nom: Modèle", "    prenom: françois\n    nom: EXEMPLE")
    (root / "departement.yaml").write_text(text, encoding="utf-8")
    assert problems_of(root) == [
        "departement.yaml:8:17: departement.deliberation : date « 23/02/2024 » mal écrite"
        " — format attendu AAAA-MM-JJ, par exemple 2024-02-23",
    ]
    (root / "departement.yaml").write_text(text.replace("23/02/2024", "2024-02-23"), encoding="utf-8")
    assert problems_of(root) == [
        "departement.yaml:19:5: departement.suppleant : le suppléant est la même personne que le référent"
        " — désignez comme suppléant une autre personne",
    ]


def test_epci_deliberation_after_the_programme_is_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE.replace("2024-04-11", "2026-12-01")})
    assert problems_of(root) == [
        "epci/cc-exemple.yaml:10:15: deliberation : la délibération du 2026-12-01 est postérieure à la fin du"
        " programme (2026-11-30) — vérifiez l’année"
    ]


def test_deliberation_on_the_last_day_is_accepted(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE.replace("2024-04-11", "2026-11-30")})
    assert load_project(root).epcis["cc-exemple"].deliberation is not None


# YAML safety


def test_python_tags_are_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    text = BASE.replace("siege: Marolles-les-Braults", f"siege: !!python/object/apply:os.system ['touch {marker}']")
    (tmp_path / "p").mkdir()
    root = make_project(tmp_path / "p", {"cc-exemple.yaml": text})
    problems = problems_of(root)
    assert not marker.exists()
    assert problems == [
        "epci/cc-exemple.yaml:5:8: siege : étiquette YAML « !!python/object/apply:os.system » refusée"
        " — retirez l’étiquette : seuls le texte, les dates et les listes sont acceptés"
    ]


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    root = make_project(tmp_path, {"cc-bombe.yaml": "\n".join(lines) + "\n"})
    start = time.perf_counter()
    problems = problems_of(root)
    assert time.perf_counter() - start < 0.5
    assert (
        "epci/cc-bombe.yaml:1:4: ancre « &a » refusée — les ancres (&) et alias (*) ne sont pas acceptés :"
        " recopiez la valeur" in problems
    )
    assert (
        "epci/cc-bombe.yaml:9:8: alias « *h » refusé — les ancres (&) et alias (*) ne sont pas acceptés :"
        " recopiez la valeur" in problems
    )


def test_very_deep_nesting_is_refused_without_recursion_error(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": "nom: " + "[" * 5000 + "]" * 5000 + "\n"})
    assert problems_of(root) == ["epci/cc-exemple.yaml:1:25: imbrication trop profonde (plus de 20 niveaux)"]


def test_twenty_levels_are_accepted_by_the_parser(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE + "autre: " + "[" * 19 + "]" * 19 + "\n"})
    assert problems_of(root)[-1].startswith("epci/cc-exemple.yaml:32:1: autre : clé inconnue")


def test_raw_control_character_is_reported_with_its_line(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE.replace("Marolles-les-Braults", "Marolles\x1b", 1)})
    assert problems_of(root) == [
        "epci/cc-exemple.yaml:5:16: caractère interdit (U+001B) — supprimez ce caractère invisible"
        " (retapez la ligne au clavier)"
    ]


def test_not_utf8_reports_the_line(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE.encode("cp1252")})
    assert problems_of(root) == [
        "epci/cc-exemple.yaml:2:15: fichier non encodé en UTF-8 (octet 0xE9 à la position 82)"
        " — enregistrez-le en UTF-8 depuis votre éditeur"
    ]


# Files and folders


def test_too_big_file_is_refused_before_parsing(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE + "#" * 1_000_001})
    size = len(BASE.encode("utf-8")) + 1_000_001
    expected = (
        f"epci/cc-exemple.yaml:1:1: fichier trop volumineux ({size} octets, 1000000 au plus)"
        " — une fiche ne dépasse pas quelques kilo-octets : vérifiez son contenu"
    )
    assert problems_of(root) == [expected]
    big = {"departement.yaml": DEPARTEMENT, "epci/cc-exemple.yaml": (root / "epci" / "cc-exemple.yaml").read_bytes()}
    assert source_problems(big) == [expected]


def test_missing_departement_file(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE})
    (root / "departement.yaml").unlink()
    assert problems_of(root) == [
        "departement.yaml:1:1: fichier introuvable — il doit se trouver à la racine du projet, à côté de epci/"
    ]


def test_missing_epci_folder(tmp_path: Path) -> None:
    (tmp_path / "departement.yaml").write_bytes(DEPARTEMENT)
    assert problems_of(tmp_path) == [
        "epci/:1:1: dossier introuvable — créez le dossier epci/ à côté de departement.yaml"
    ]


def test_empty_epci_folder(tmp_path: Path) -> None:
    root = make_project(tmp_path, {".gitkeep": ""})
    expected = [
        "epci/:1:1: aucun fichier d’intercommunalité — ajoutez un fichier <slug>.yaml par communauté de communes"
    ]
    assert problems_of(root) == expected
    assert source_problems({"departement.yaml": DEPARTEMENT}) == expected


def test_empty_departement_file(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE})
    (root / "departement.yaml").write_text("# à remplir\n", encoding="utf-8")
    assert problems_of(root) == [
        "departement.yaml:1:1: fichier vide — copiez le contenu d’un fichier existant et adaptez-le"
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "CC_Sud.yaml",
            "nom de fichier « CC_Sud.yaml » invalide : minuscules sans accent, chiffres et tirets"
            " seulement — renommez-le en « cc-sud.yaml »",
        ),
        (
            "cc-pays-fléchois.yaml",
            "nom de fichier « cc-pays-fléchois.yaml » invalide : minuscules sans accent,"
            " chiffres et tirets seulement — renommez-le en « cc-pays-flechois.yaml »",
        ),
        (
            "cc sud.yaml",
            "nom de fichier « cc sud.yaml » invalide : minuscules sans accent, chiffres et tirets"
            " seulement — renommez-le en « cc-sud.yaml »",
        ),
        ("cc-sud.yml", "extension .yml — renommez le fichier en « cc-sud.yaml »"),
        ("notes.txt", "fichier inattendu dans epci/ — seuls les fichiers <slug>.yaml y sont acceptés"),
    ],
)
def test_file_names_must_be_slugs(tmp_path: Path, name: str, message: str) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE.replace('"200072676"', '"247200090"'), name: BASE})
    assert problems_of(root) == [f"epci/{name}:1:1: {message}"]


def test_other_files_are_not_parsed(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE, "convention.docx": b"PK\x03\x04\xff\xfe"})
    assert problems_of(root) == [
        "epci/convention.docx:1:1: fichier inattendu dans epci/ — seuls les fichiers <slug>.yaml y sont acceptés"
    ]


def test_hidden_files_are_ignored(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE, ".cc-exemple.yaml.swp": b"\x00\xff"})
    assert list(load_project(root).epcis) == ["cc-exemple"]


def test_directory_named_like_a_data_file(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE})
    (root / "epci" / "cc-autre.yaml").mkdir()
    assert problems_of(root) == [
        "epci/cc-autre.yaml:1:1: est un dossier, pas un fichier"
        " — placez les fichiers <slug>.yaml directement dans epci/"
    ]


def test_subfolder_in_sources(tmp_path: Path) -> None:
    sources = {"departement.yaml": DEPARTEMENT, "epci/cc-exemple.yaml": BASE.encode(), "epci/old/cc-x.yaml": b""}
    assert source_problems(sources) == [
        "epci/old:1:1: est un dossier, pas un fichier — placez les fichiers <slug>.yaml directement dans epci/"
    ]


def test_symlink_outside_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "ailleurs.yaml"
    outside.write_text(BASE, encoding="utf-8")
    (tmp_path / "projet").mkdir()
    root = make_project(tmp_path / "projet", {})
    (root / "epci" / "cc-exemple.yaml").symlink_to(outside)
    assert problems_of(root) == [
        "epci/cc-exemple.yaml:1:1: lien symbolique vers un fichier extérieur au projet refusé"
        " — copiez le fichier dans le projet au lieu d’un lien"
    ]


def test_epci_folder_linked_outside_the_project_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ailleurs").mkdir()
    (tmp_path / "ailleurs" / "cc-exemple.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "projet").mkdir()
    (tmp_path / "projet" / "departement.yaml").write_bytes(DEPARTEMENT)
    (tmp_path / "projet" / "epci").symlink_to(tmp_path / "ailleurs")
    assert problems_of(tmp_path / "projet") == [
        "epci/:1:1: lien symbolique vers un dossier extérieur au projet refusé"
        " — placez les fichiers dans le dossier epci/ du projet"
    ]


def test_broken_symlink_is_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE})
    (root / "epci" / "cc-autre.yaml").symlink_to(root / "absent.yaml")
    assert problems_of(root) == ["epci/cc-autre.yaml:1:1: lien symbolique cassé — remplacez-le par le fichier lui-même"]


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"cc-exemple.yaml": BASE})
    (root / "departement.yaml").write_text("- departement\n- programme\n", encoding="utf-8")
    assert problems_of(root) == [
        "departement.yaml:1:1: le fichier doit contenir des clés (nom: …), pas une liste"
        " — écrivez une clé par ligne, sans « - » en début de ligne"
    ]


def test_shipped_tree_copy_is_independent(project_dir: Path) -> None:
    shutil.rmtree(project_dir / "epci")
    assert (Path(__file__).resolve().parents[2] / "epci" / "cc-sud-sarthe.yaml").exists()
