"""YAML syntax errors are reported at their cause: the quote or bracket that opened and never closed."""

from __future__ import annotations

import pytest

from convgen.data.load import load_sources
from convgen.data.yamlsyntax import Opening, scan_openings
from convgen.errors import DataError
from tests.data.test_load import BASE, DEPARTEMENT

PATH = "epci/cc-a.yaml"
DQ_HINT = 'ajoutez le guillemet fermant « " » à la fin de la valeur'
SQ_HINT = "ajoutez l’apostrophe fermante « ' » à la fin de la valeur (une apostrophe dans le texte s’écrit « '' »)"
BR_HINT = "fermez la liste par « ] », ou écrivez un élément par ligne précédé de « - »"
MATERIELS = (
    "  materiels:\n"
    "    - Bureau d'accueil à la maison France Services de Marolles-les-Braults\n"
    "    - Imprimante multifonction du siège communautaire"
)
COMMUNICATION = (
    "  communication:\n"
    "    - Relais sur la page Facebook de la communauté de communes\n"
    "    - Encart dans le bulletin « Saosnois & Vous »"
)
PRESIDENT = "president:\n  civilite: Monsieur\n  prenom: Didier\n  nom: Factice"

# (case, text replaced in the valid file, replacement, the one message expected)
CASES = [
    (
        "double-quote-mid-file",
        'telephone: "02 43 97 30 41"',
        'telephone: "02 43 97 30 41',
        f'17:14: guillemet « " » ouvert ligne 17, colonne 14, jamais fermé — {DQ_HINT}',
    ),
    (
        "double-quote-on-a-key",
        "  nom: Modèle",
        '  "nom: Modèle',
        f'14:3: guillemet « " » ouvert ligne 14, colonne 3, jamais fermé — {DQ_HINT}',
    ),
    (
        "double-quote-last-line",
        "    - Encart dans le bulletin « Saosnois & Vous »",
        '    - "Encart dans le bulletin « Saosnois & Vous »',
        f'31:7: guillemet « " » ouvert ligne 31, colonne 7, jamais fermé — {DQ_HINT}',
    ),
    (
        "single-quote-mid-file",
        "siege: Marolles-les-Braults",
        "siege: 'Marolles-les-Braults",
        f"5:8: apostrophe « ' » ouvrant la valeur ligne 5, colonne 8, jamais fermée — {SQ_HINT}",
    ),
    (
        "single-quote-last-line",
        "    - Encart dans le bulletin « Saosnois & Vous »",
        "    - 'Encart dans le bulletin « Saosnois & Vous »",
        f"31:7: apostrophe « ' » ouvrant la valeur ligne 31, colonne 7, jamais fermée — {SQ_HINT}",
    ),
    (
        "bracket-then-keys",
        MATERIELS,
        "  materiels: [Bureau, Imprimante",
        f"26:14: crochet « [ » ouvert ligne 26, colonne 14, jamais fermé — {BR_HINT}",
    ),
    (
        "bracket-at-end-of-file",
        COMMUNICATION,
        "  communication: [Relais, Encart",
        f"29:18: crochet « [ » ouvert ligne 29, colonne 18, jamais fermé — {BR_HINT}",
    ),
    (
        "brace",
        PRESIDENT,
        "president: {civilite: Monsieur, prenom: Didier, nom: Factice",
        "6:12: accolade « { » ouverte ligne 6, colonne 12, jamais fermée — fermez par « } », ou écrivez une clé par ligne",
    ),
    (
        "quote-inside-a-bracket",
        MATERIELS,
        '  materiels: ["Bureau, Imprimante]',
        f'26:15: guillemet « " » ouvert ligne 26, colonne 15, jamais fermé — {DQ_HINT}',
    ),
    (
        "apostrophe-closes-the-value-early",
        "siege: Marolles-les-Braults",
        "siege: 'Marolles-l'es-Braults'",
        "5:20: texte après le guillemet fermant — une apostrophe dans une valeur entre apostrophes s’écrit « '' » ;"
        ' ou entourez la valeur de guillemets doubles « " »',
    ),
    (
        "tabulation",
        "  prenom: Sophie",
        "\tprenom: Sophie",
        "13:1: tabulation interdite — YAML n’accepte que des espaces pour décaler les lignes : remplacez la tabulation"
        " par des espaces",
    ),
    (
        "colon-in-a-plain-value",
        "siege: Marolles-les-Braults",
        "siege: Marolles: les Braults",
        "5:16: deux-points inattendu — si la valeur contient « : », entourez-la de guillemets ; sinon vérifiez le"
        " décalage de la ligne",
    ),
    (
        "two-documents",
        "president:",
        "---\npresident:",
        "6:1: plusieurs documents dans le même fichier — supprimez la ligne « --- » : un fichier décrit une seule"
        " intercommunalité",
    ),
    (
        # A quoted value may continue on the next line: the tabulation further down is the error.
        "multi-line-quote-then-tabulation",
        "  fonction: Directrice des services à la population\n  courriel: sophie.modele@exemple.fr",
        '  fonction: "Directrice des services\n    à la population"\n\tcourriel: sophie.modele@exemple.fr',
        "17:1: tabulation interdite — YAML n’accepte que des espaces pour décaler les lignes : remplacez la tabulation"
        " par des espaces",
    ),
    (
        # « l'accueil » inside a plain value opens nothing: the unclosed quote is the one after it.
        "apostrophe-in-plain-text-before",
        'telephone: "02 43 97 30 42"',
        'telephone: "02 43 97 30 42',
        f'24:14: guillemet « " » ouvert ligne 24, colonne 14, jamais fermé — {DQ_HINT}',
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_syntax_error_is_located_at_its_cause(old: str, new: str, expected: str) -> None:
    assert old in BASE
    source = BASE.replace(old, new, 1)
    with pytest.raises(DataError) as caught:
        load_sources({"departement.yaml": DEPARTEMENT, PATH: source.encode("utf-8")})
    assert [str(problem) for problem in caught.value.problems] == [f"{PATH}:{expected}"]


def test_the_error_pyyaml_gives_is_far_from_the_quote() -> None:
    """The case of the issue: without the scan, the error would be reported lines below the open quote."""
    import yaml

    source = BASE.replace('telephone: "02 43 97 30 41"', 'telephone: "02 43 97 30 41')
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        yaml.compose(source, Loader=yaml.SafeLoader)
    assert caught.value.problem_mark is not None
    assert caught.value.problem_mark.line + 1 > 17


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("nom: l'Orée de Bercé", []),
        ("nom: 'l''Orée de Bercé'", []),
        ('nom: "a \\" b"', []),
        ("nom: x # l'avis", []),
        ("# l'avis", []),
        ("- 'a", [Opening(0, 2, "'")]),
        ('liste: [a, "b, c]', [Opening(0, 7, "["), Opening(0, 11, '"')]),
        ("carte: {a: 'b'", [Opening(0, 7, "{")]),
        ("liste: [a, [b], c]", []),
    ],
)
def test_scan_finds_only_openings_of_values(line: str, found: list[Opening]) -> None:
    assert scan_openings([line]) == found
