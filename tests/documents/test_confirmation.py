"""Values still to confirm (``a_confirmer``): real keys of the file, a draft while the list is not empty."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from convgen.data.load import load_sources
from convgen.data.project import Project
from convgen.documents.checks import check_rendered
from convgen.documents.context import key_label
from convgen.documents.docxtext import docx_text
from convgen.documents.render import render_convention, render_document
from convgen.errors import DataError
from tests.documents.test_render import TEMPLATES, header_text
from tests.projects import judged_context

ROOT = TEMPLATES.parent
SLUG = "cc-maine-saosnois"


def load_with(extra: str, slug: str = SLUG) -> Project:
    """Return the project of the shipped data, the EPCI file of ``slug`` with ``extra`` lines appended."""
    sources = {"departement.yaml": (ROOT / "departement.yaml").read_bytes()}
    sources[f"epci/{slug}.yaml"] = ((ROOT / "epci" / f"{slug}.yaml").read_text(encoding="utf-8") + extra).encode()
    return load_sources(sources)


def problem_of(extra: str) -> str:
    """Return the one problem found in the EPCI file with ``extra`` appended."""
    with pytest.raises(DataError) as caught:
        load_with(extra)
    (problem,) = caught.value.problems
    return str(problem)


def test_values_to_confirm_make_a_draft_that_says_which() -> None:
    project = load_with("a_confirmer: [siege, nom]\n")
    epci = project.epcis[SLUG]
    assert epci.a_confirmer == ("siege", "nom")
    context = judged_context(project.departement, project.programme, epci)
    assert context["projet"] is True
    assert context["raisons_projet"] == ["valeurs à confirmer\u00a0: siège, nom"]
    assert context["epci"]["a_confirmer"] == ["siège", "nom"]
    data = render_convention(TEMPLATES, context)
    assert "PROJET" in header_text(data)
    assert check_rendered(data, allow_fill_in=True, context=context) == []


def test_one_value_to_confirm_is_singular_and_an_empty_list_is_no_draft() -> None:
    project = load_with("a_confirmer:\n  - president.nom\n")
    context = judged_context(project.departement, project.programme, project.epcis[SLUG])
    assert context["raisons_projet"] == ["valeur à confirmer\u00a0: nom (président ou présidente)"]
    empty = load_with("a_confirmer: []\n")
    assert judged_context(empty.departement, empty.programme, empty.epcis[SLUG])["projet"] is False


def test_a_key_that_is_not_in_the_file_is_an_error_at_its_line() -> None:
    base = (ROOT / "epci" / f"{SLUG}.yaml").read_text(encoding="utf-8").count("\n")
    assert problem_of("a_confirmer:\n  - siege\n  - sige\n") == (
        f"epci/{SLUG}.yaml:{base + 3}:5: a_confirmer[1] : « sige » n’est pas une clé de ce fichier — "
        "clés voisines : siege, siren"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("a_confirmer: [siege, siege]\n", "clé « siege » en double"),
        ("a_confirmer: [deliberation_avenant]\n", "« deliberation_avenant » n’est pas une clé de ce fichier"),
        ("a_confirmer: [a_confirmer]\n", "« a_confirmer » n’est pas une clé de ce fichier"),
        ("a_confirmer: [Siège]\n", "« Siège » n’est pas une clé"),
        ("a_confirmer: [president.prenoms]\n", "« president.prenoms » n’est pas une clé de ce fichier"),
    ],
)
def test_keys_to_confirm_are_keys_of_the_file(extra: str, message: str) -> None:
    assert message in problem_of(extra)


def test_labels_come_from_the_fields_titles() -> None:
    from convgen.data.model import Epci

    assert [key_label(Epci, k) for k in ("siege", "siren", "nom_court", "referent.telephone")] == [
        "siège",
        "SIREN",
        "nom court",
        "téléphone (référent)",
    ]


def test_the_shipped_files_list_their_doubts_as_data_not_comments() -> None:
    for path in sorted((ROOT / "epci").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        comments = [line for line in text.splitlines() if "#" in line and "confirmer" in line.split("#", 1)[1]]
        assert all(line.startswith("a_confirmer:") for line in comments), (path.name, comments)
    listed = {
        p.stem: yaml.safe_load(p.read_text(encoding="utf-8")).get("a_confirmer")
        for p in sorted((ROOT / "epci").glob("*.yaml"))
    }
    assert {slug: keys for slug, keys in listed.items() if keys} == {
        "cc-des-vallees-de-la-braye-et-de-l-anille": ["siege"],
        "cc-du-val-de-sarthe": ["siege"],
        "cc-lbn-communaute": ["nom", "siege"],
        "cc-oree-de-berce-belinois": ["nom", "siege"],
    }


def test_an_avenant_is_a_draft_while_values_are_to_confirm() -> None:
    from convgen.acts.avenant import avenant_context
    from convgen.acts.plan import plan_avenant
    from convgen.acts.readiness import avenant_verdict
    from convgen.acts.register import empty_register, new_act

    project = load_with("a_confirmer: [siege]\n")
    epci = project.epcis[SLUG]
    signed = dt.date(2024, 4, 15)
    registre = empty_register(SLUG).with_act(new_act(SLUG, 0, signed, "0" * 64, epci, project.programme))
    departement = project.departement.model_copy(update={"deliberation_avenant": dt.date(2025, 3, 10)})
    changed = epci.model_copy(update={"deliberation_avenant": dt.date(2025, 3, 11)})
    plan = plan_avenant(
        SLUG, registre, changed, project.programme, departement.deliberation_avenant, today=dt.date(2025, 4, 1)
    )
    assert plan is not None and plan.missing == []  # both deliberations known
    verdict = avenant_verdict(plan)
    assert verdict.reasons == ("valeur à confirmer : siège",)
    context = avenant_context(departement, plan, verdict)
    data = render_document(TEMPLATES / "avenant.docx", {**context, "annexe": ""})
    assert header_text(data) == "PROJET"
    assert re.search(r"^PROJET$", docx_text(data), re.M)


def test_schema_documents_the_key() -> None:
    from convgen.data.schema import json_schema

    schema = json_schema("epci")
    assert "a_confirmer" in schema["properties"]
    assert "a_confirmer" not in schema["required"]
