"""The JSON Schemas come from the models and the committed copies are up to date."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest

from convgen.data.schema import json_schema

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", ["epci", "departement"])
def test_committed_schema_is_up_to_date(kind: Literal["epci", "departement"]) -> None:
    committed = (REPO / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8")
    generated = json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
    assert committed == generated, (
        f"schema/{kind}.schema.json est périmé : régénérez avec `convgen schema {kind} > schema/{kind}.schema.json`"
    )


def test_epci_schema_is_draft_2020_12_in_french() -> None:
    schema = json_schema("epci")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:convgen:schema:epci"
    assert schema["title"] == "Intercommunalité"
    assert schema["additionalProperties"] is False
    assert schema["required"] == [
        "nom",
        "nom_court",
        "siren",
        "siege",
        "president",
        "referent",
        "suppleant",
        "ressources",
    ]
    assert schema["properties"]["siren"]["title"] == "SIREN"
    date = schema["properties"]["deliberation"]["anyOf"][0]
    assert (date["type"], date["format"]) == ("string", "date")
    assert date["patternErrorMessage"].startswith("date impossible ou mal écrite")
    assert schema["properties"]["deliberation"]["anyOf"][1] == {"type": "null"}
    assert schema["properties"]["siren"]["pattern"].startswith("^")
    contact = schema["$defs"]["Contact"]
    assert contact["properties"]["civilite"]["enum"] == ["Madame", "Monsieur"]
    assert contact["properties"]["telephone"]["title"] == "Téléphone"
    ressources = schema["$defs"]["Ressources"]
    assert ressources["properties"]["materiels"]["items"]["maxLength"] == 500
    assert ressources["properties"]["materiels"]["uniqueItems"] is True
    assert [part["required"] for part in ressources["anyOf"]] == [["materiels"], ["communication"]]


@pytest.mark.parametrize("kind", ["epci", "departement"])
def test_every_text_has_a_pattern_and_a_french_message(kind: Literal["epci", "departement"]) -> None:
    schema = json_schema(kind)
    for model in [schema, *schema["$defs"].values()]:
        for name, field in model["properties"].items():
            for leaf in [field.get("items", field), *field.get("anyOf", ())]:
                if leaf.get("type") == "string" and "enum" not in leaf:
                    assert leaf["pattern"].startswith("^") and leaf["pattern"].endswith("$"), name
                    assert leaf["patternErrorMessage"], name


def test_departement_schema_names_both_parts() -> None:
    schema = json_schema("departement")
    assert schema["$id"] == "urn:convgen:schema:departement"
    assert schema["required"] == ["departement", "programme"]
    assert schema["$defs"]["Programme"]["properties"]["fin"]["format"] == "date"


def test_no_english_left_in_descriptions() -> None:
    text = json.dumps([json_schema("epci"), json_schema("departement")], ensure_ascii=False)
    for word in ("The ", "Raised", "Return", "Base:", "A person", "Everything", "What the", "One "):
        assert word not in text


def test_data_files_point_to_the_schemas() -> None:
    assert (
        (REPO / "departement.yaml")
        .read_text(encoding="utf-8")
        .startswith("# yaml-language-server: $schema=schema/departement.schema.json\n")
    )
    for path in sorted((REPO / "epci").glob("*.yaml")):
        assert path.read_text(encoding="utf-8").startswith(
            "# yaml-language-server: $schema=../schema/epci.schema.json\n"
        ), path.name
