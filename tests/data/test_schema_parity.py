"""The editor's JSON Schema refuses every fault of the invalid corpus that JSON Schema can express.

Each file of ``tests/fixtures/invalid/`` is classified here, and the classification is checked both ways:
- ``Refused``: the schema refuses the file as the editor reads it (YAML 1.2), with that keyword at that key;
- ``CheckOnly``: the editor reads a document the schema accepts; only ``convgen check`` refuses it;
- ``NotYaml``: the editor's YAML reader reports the file itself (syntax, duplicate key, tag, no single document).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError

from convgen.data.schema import json_schema
from tests.data.editor import editor_view, schema_errors

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "invalid"


@dataclass(frozen=True)
class Refused:
    """The schema refuses the file: ``keyword`` fails at the key path ``at``."""

    at: tuple[str | int, ...]
    keyword: str


@dataclass(frozen=True)
class CheckOnly:
    """The schema accepts what the editor reads; ``reason`` says why JSON Schema cannot tell."""

    reason: str


@dataclass(frozen=True)
class NotYaml:
    """The editor's YAML reader reports the file before any schema applies."""

    reason: str


Verdict = Refused | CheckOnly | NotYaml

CLASSIFICATION: dict[str, Verdict] = {
    "alias-bombe": Refused((), "additionalProperties"),  # keys a, b, c, d; the anchors themselves: check
    "ancre-et-alias": CheckOnly("anchors and aliases: the editor expands them into a valid document"),
    "aucune-ressource": Refused(("ressources",), "anyOf"),
    "booleen-no": CheckOnly("YAML 1.1 reads NO as a boolean; the editor's YAML 1.2 reads a text, as a quoted NO"),
    "booleen-off": CheckOnly("YAML 1.1 reads off as a boolean; the editor's YAML 1.2 reads a text"),
    "booleen-y": CheckOnly("YAML 1.1 reads y as a boolean; the editor's YAML 1.2 reads a text"),
    "caractere-de-controle": Refused(("president", "nom"), "pattern"),
    "caractere-echappement": Refused(("president", "nom"), "pattern"),
    "caractere-invisible": Refused(("president", "nom"), "pattern"),
    "caractere-nul": Refused(("president", "nom"), "pattern"),
    "civilite-abregee": Refused(("referent", "civilite"), "enum"),
    "civilite-point": Refused(("president", "civilite"), "enum"),
    "cle-accentuee": Refused((), "additionalProperties"),
    "cle-de-fusion": CheckOnly("merge key <<: the editor merges it, and the merged keys are valid"),
    "cle-en-double": NotYaml("duplicate key: the editor's YAML parser reports it (Map keys must be unique)"),
    "cle-inconnue-imbriquee": Refused(("president",), "additionalProperties"),
    "cle-inconnue": Refused((), "additionalProperties"),
    "cle-manquante-imbriquee": Refused(("suppleant",), "required"),
    "cle-manquante": Refused((), "required"),
    "courriel-sans-arobase": Refused(("suppleant", "courriel"), "pattern"),
    "courriel-tronque": Refused(("referent", "courriel"), "pattern"),
    "crochet-non-ferme": NotYaml("YAML syntax error"),
    "date-au-lieu-de-texte": CheckOnly("YAML 1.1 reads an unquoted 2024-01-01 as a date; YAML 1.2 as a text"),
    "date-avec-heure": Refused(("deliberation",), "pattern"),
    "date-booleen": Refused(("deliberation",), "pattern"),
    "date-francaise": Refused(("deliberation",), "pattern"),
    "date-impossible": Refused(("deliberation",), "pattern"),
    "date-mois-13": Refused(("deliberation",), "pattern"),
    "date-nombre": Refused(("deliberation",), "type"),
    "deliberation-apres-programme": CheckOnly("a date compared with the programme of departement.yaml"),
    "deux-points-dans-valeur": NotYaml("YAML syntax error"),
    "element-en-double": CheckOnly("repeats compared without case or accents; uniqueItems only sees exact ones"),
    "element-guillemets-vides": Refused(("ressources", "materiels", 1), "pattern"),
    "element-trop-long": Refused(("ressources", "materiels", 1), "maxLength"),
    "element-vide": Refused(("ressources", "materiels", 1), "type"),
    "fichier-vide": NotYaml("no document: the editor validates nothing"),
    "imbrication-profonde": Refused((), "additionalProperties"),  # under an unknown key; the depth limit: check
    "liste-au-lieu-de-texte": Refused(("siege",), "type"),
    "liste-sans-valeur": Refused(("ressources", "communication"), "type"),
    "meme-personne-accents": CheckOnly("referent and deputy compared without case or accents"),
    "meme-personne": CheckOnly("referent and deputy compared with each other"),
    "nombre-au-lieu-de-texte": Refused(("siege",), "type"),
    "plusieurs-documents": NotYaml(
        "two YAML documents: the $schema comment of the first one leaves the second unchecked"
    ),
    "plusieurs-erreurs": Refused(("referent", "courriel"), "pattern"),
    "racine-liste": Refused((), "type"),
    "racine-texte": Refused((), "type"),
    "retour-a-la-ligne": Refused(("suppleant", "fonction"), "pattern"),
    "siren-court": Refused(("siren",), "pattern"),
    "siren-lettre": Refused(("siren",), "pattern"),
    "siren-luhn": CheckOnly("the Luhn key of the SIREN"),
    "siren-nombre": Refused(("siren",), "type"),
    "tabulation-dans-valeur": Refused(("president", "prenom"), "pattern"),
    "tabulation-indentation": NotYaml("YAML syntax error: a tabulation in the indentation"),
    "tag-inconnu": NotYaml("unknown YAML tag: the editor's YAML reader warns about it"),
    "tag-python": NotYaml("unknown YAML tag: the editor's YAML reader warns about it"),
    "telephone-etranger": Refused(("suppleant", "telephone"), "pattern"),
    "telephone-incomplet": Refused(("referent", "telephone"), "pattern"),
    "telephone-octal": Refused(("referent", "telephone"), "type"),  # YAML 1.2 reads an integer too
    "texte-au-lieu-de-cles": Refused(("president",), "type"),
    "texte-au-lieu-de-liste": Refused(("ressources", "communication"), "type"),
    "texte-trop-long": Refused(("nom",), "maxLength"),
    "valeur-guillemets-vides": Refused(("nom_court",), "minLength"),
    "valeur-vide": Refused(("siege",), "type"),
}
CASES = sorted(CORPUS.glob("*.yaml"))
VALID = [
    REPO / "departement.yaml",
    *sorted((REPO / "epci").glob("*.yaml")),
    *sorted((REPO / "tests" / "fixtures" / "valid").rglob("*.yaml")),
]


def keywords_at(errors: list[ValidationError]) -> set[tuple[tuple[str | int, ...], str]]:
    """Return every (key path, keyword) pair of ``errors``, those inside anyOf/oneOf included."""
    found: set[tuple[tuple[str | int, ...], str]] = set()
    for error in errors:
        found.add((tuple(error.absolute_path), str(error.validator)))
        found |= keywords_at(list(error.context or ()))
    return found


def test_every_corpus_file_is_classified() -> None:
    assert sorted(CLASSIFICATION) == sorted(case.stem for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_schema_verdict_matches_the_classification(case: Path) -> None:
    verdict = CLASSIFICATION.get(case.stem)
    assert verdict is not None, f"{case.name} n'est pas classé dans CLASSIFICATION"
    try:
        data = editor_view(case)
    except yaml.YAMLError:
        assert isinstance(verdict, NotYaml), f"{case.name} : l'éditeur ne peut pas lire ce YAML"
        return
    if data is None:
        assert isinstance(verdict, NotYaml), f"{case.name} : aucun document à valider"
        return
    assert not isinstance(verdict, NotYaml), f"{case.name} est lu par l'éditeur : reclassez-le"
    errors = schema_errors("epci", data)
    if isinstance(verdict, CheckOnly):
        assert not errors, f"{case.name} est refusé par le schéma : classez-le Refused"
        return
    assert errors, f"{case.name} : le schéma accepte une faute qu'il sait exprimer"
    assert (verdict.at, verdict.keyword) in keywords_at(errors), sorted(keywords_at(errors), key=str)


def test_most_of_the_corpus_is_caught_by_the_editor() -> None:
    refused = [name for name, verdict in CLASSIFICATION.items() if isinstance(verdict, Refused)]
    assert len(refused) >= 44, len(refused)


@pytest.mark.parametrize("path", VALID, ids=[str(path.relative_to(REPO)) for path in VALID])
def test_valid_files_are_accepted_by_the_schema(path: Path) -> None:
    kind = "departement" if path.name == "departement.yaml" else "epci"
    assert schema_errors(kind, editor_view(path)) == []


def examples_in(schema: Any) -> list[tuple[Any, dict[str, Any]]]:
    """Return every (example, schema it illustrates) pair found in a JSON Schema."""
    found: list[tuple[Any, dict[str, Any]]] = []
    if isinstance(schema, dict):
        found += [(example, schema) for example in schema.get("examples", ())]
        for value in schema.values():
            found += examples_in(value)
    elif isinstance(schema, list):
        for value in schema:
            found += examples_in(value)
    return found


@pytest.mark.parametrize("kind", ["epci", "departement"])
def test_examples_follow_the_schema(kind: Literal["epci", "departement"]) -> None:
    schema = json_schema(kind)
    pairs = examples_in(schema)
    assert len(pairs) > 20
    for example, illustrated in pairs:
        alone = {**illustrated, "$defs": schema["$defs"]}  # the $ref of a key resolves in the whole schema
        assert [error.message for error in Draft202012Validator(alone).iter_errors(example)] == [], example
