"""Each pattern of the JSON Schema states the same rule as the validator it comes from."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError

from convgen.data import fields as model
from convgen.data import patterns
from convgen.data.schema import json_schema
from tests.data.editor import EditorLoader

REPO = Path(__file__).resolve().parents[2]
SPACES = " \t\n\u00a0\u202f"


def schema_of(annotation: Any) -> Draft202012Validator:
    """Return a validator of the JSON Schema that pydantic generates for ``annotation``."""
    return Draft202012Validator(TypeAdapter(annotation).json_schema(mode="validation"))


def accepted(annotation: Any, value: str) -> bool:
    """Return True when the model accepts ``value`` for ``annotation``."""
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError:
        return False
    return True


SIREN, PHONE, EMAIL, DATE = (schema_of(t) for t in (model.Siren, model.Telephone, model.Courriel, model.Date))
TEXT, NAME = schema_of(model.ShortText), schema_of(model.PersonName)


def luhn_only(value: str) -> bool:
    """Return True when the only fault the model finds in a SIREN is its Luhn key."""
    try:
        TypeAdapter(model.Siren).validate_python(value)
    except ValidationError as exc:
        return "Luhn" in str(exc)
    return True


@settings(max_examples=400)
@given(st.text(alphabet="0123456789 \u00a0\u202f\t\nA-", max_size=20))
@example("200072676")
@example(" 200 072 676\u00a0")
@example("20007267")
@example("2000726760")
@example("20007267A")
def test_siren_pattern_is_the_rule_of_nine_digits(value: str) -> None:
    assert SIREN.is_valid(value) == luhn_only(value)


def phones() -> st.SearchStrategy[str]:
    """Return phone-like texts: digits, prefixes, separators and (0) in any order, near-valid ones often."""
    piece = st.sampled_from(["0", "2", "3", "4", "9", "+33", "0033", "+", "(0)", "(", ")", " ", ".", "-", "\u00a0"])
    digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
    near = st.tuples(st.sampled_from(["0", "+33", "0033", "+33 (0)", "+ 3 3", "00 33"]), digits).map("".join)
    spaced = near.flatmap(lambda text: st.lists(st.sampled_from(" .-(0)"), max_size=4).map(lambda s: "".join(s) + text))
    return st.one_of(st.lists(piece, max_size=14).map("".join), near, spaced)


@settings(max_examples=600)
@given(phones())
@example("02 43 12 34 56")
@example("+33 (0)2 43 12 34 56")
@example("( 0 )0243123456")
@example("(0(0))0243123456")
@example("0033 2 43 12 34 56")
@example("+44 20 7946 0958")
@example("\t02.43.12.34.56\n")
def test_phone_pattern_is_the_rule_of_normalise_phone(value: str) -> None:
    if len(value) <= 30:  # the schema counts the edge spaces too
        assert PHONE.is_valid(value) == accepted(model.Telephone, value)


def date_texts() -> st.SearchStrategy[str]:
    """Return texts shaped like AAAA-MM-JJ, with edge spaces, and free texts."""
    year = st.integers(0, 9999).map(lambda n: f"{n:04d}")
    two = st.integers(0, 39).map(lambda n: f"{n:02d}")
    iso = st.tuples(year, two, two).map("-".join)
    edge = st.text(alphabet=" \t\u2003\u00a0", max_size=2)
    return st.one_of(st.tuples(edge, iso, edge).map("".join), st.text(alphabet="0123456789-/ T:", max_size=12))


@settings(max_examples=800)
@given(date_texts())
@example("2024-02-29")
@example("2023-02-29")
@example("1900-02-29")
@example("2000-02-29")
@example("0000-01-01")
@example("2024-04-31")
@example("٢٠٢٤-٠٤-١١")
def test_date_pattern_is_the_calendar(value: str) -> None:
    assert DATE.is_valid(value) == accepted(model.Date, value)


def test_dates_need_ascii_digits_and_a_year() -> None:
    with pytest.raises(ValidationError, match="il n’y a pas d’année 0"):
        TypeAdapter(model.Date).validate_python("0000-01-01")
    with pytest.raises(ValidationError, match="mal écrite"):
        TypeAdapter(model.Date).validate_python("٢٠٢٤-٠٤-١١")


BMP = st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",))


@settings(max_examples=800)
@given(st.text(alphabet=st.one_of(BMP, st.sampled_from(SPACES + "\u200b\x0b\r")), max_size=60))
@example("   ")
@example("Di\tdier")
@example(" Coordinateur\nFrance Services ")
@example("Fac\u200btice")
def test_text_pattern_is_the_rule_of_clean_text(value: str) -> None:
    assert TEXT.is_valid(value) == accepted(model.ShortText, value)


NAME_CHECKED = st.sampled_from(
    sorted({chr(p) for block in model._NAME_CHECKED_BLOCKS for p in block if p > 0x1F} | set(SPACES))
)


@settings(max_examples=800)
@given(st.text(alphabet=NAME_CHECKED, max_size=40))
@example("Jean-Marie d’Aubigné")
@example("N'Diaye")
@example("Factice2")
@example("O.")
def test_name_pattern_is_the_rule_of_person_names_on_checked_blocks(value: str) -> None:
    assert NAME.is_valid(value) == accepted(model.PersonName, value)


@settings(max_examples=400)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40))
def test_name_pattern_never_refuses_a_name_check_accepts(value: str) -> None:
    if accepted(model.PersonName, value):
        assert NAME.is_valid(value)


def addresses() -> st.SearchStrategy[str]:
    """Return address-like texts: dotted atoms, an at sign, labels and a top-level domain, odd pieces included."""
    atom = st.one_of(
        st.text(alphabet="azZé0", min_size=1, max_size=4), st.text(alphabet="a_+'-/ж\u00a0 \"", max_size=3)
    )
    local = st.lists(atom, min_size=1, max_size=3).map(".".join)
    label = st.one_of(st.text(alphabet="azé0", min_size=1, max_size=4), st.text(alphabet="a0-_ж", max_size=3))
    dot = st.sampled_from([".", ".", ".", "。", "..", "-."])
    domain = st.tuples(dot, st.lists(label, min_size=1, max_size=3)).map(lambda parts: parts[0].join(parts[1]))
    tld = st.sampled_from(["fr", "com", "рф", "f1", "", "-fr", "fr-", "local"])
    return st.tuples(local, domain, tld).map(lambda parts: f"{parts[0]}@{parts[1]}.{parts[2]}")


@settings(max_examples=1000)
@given(addresses())
@example("prenom.nom@cc-exemple.fr")
@example("jean@mairie-évron.fr")
@example("a@exemple。fr")
def test_email_pattern_never_refuses_an_address_check_accepts(value: str) -> None:
    if accepted(model.Courriel, value):
        assert EMAIL.is_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        "olivier.esquisse@",
        "julien.fictif.exemple.fr",
        "@exemple.fr",
        "a..b@exemple.fr",
        ".a@exemple.fr",
        "a.@exemple.fr",
        "a b@exemple.fr",
        '"a"@exemple.fr',
        "a@exemple",
        "a@exemple.fr.",
        "a@-exemple.fr",
        "a@exemple-.fr",
        "a@exem_ple.fr",
        "a@exemple.f1",
        "a@[192.0.2.1]",
        "a@@exemple.fr",
    ],
)
def test_email_pattern_refuses_what_check_refuses(value: str) -> None:
    assert not accepted(model.Courriel, value)
    assert not EMAIL.is_valid(value)


def test_forbidden_characters_are_those_of_the_validator() -> None:
    for point in patterns.forbidden_points():
        assert unicodedata.category(chr(point)) in patterns.FORBIDDEN_CATEGORIES


def schema_patterns() -> list[str]:
    """Return every pattern of both JSON Schemas."""
    text = json.dumps([json_schema("epci"), json_schema("departement")])
    return sorted(set(re.findall(r'"pattern": ("(?:[^"\\]|\\.)*")', text)))


def sample_texts() -> list[str]:
    """Return the texts of every data file and corpus file, and a few made to probe the patterns."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in [REPO / "departement.yaml", *REPO.glob("epci/*.yaml"), *REPO.glob("tests/fixtures/*/**/*.yaml")]:
        try:
            walk(yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader))
        except yaml.YAMLError:
            continue
    return [
        *sorted(set(found)),
        "Zoë 😀",
        "a\U000e0001b",
        "\u00a0200 072 676",
        "+33 (0)2 43 12 34 56",
        "a@exemple。fr",
        "2000-02-29",
    ]


@pytest.mark.skipif(shutil.which("node") is None, reason="node absent : dialecte JavaScript des éditeurs non vérifié")
def test_patterns_mean_the_same_in_javascript() -> None:
    patterns = [json.loads(pattern) for pattern in schema_patterns()]
    texts = sample_texts()
    script = (
        "const {patterns, texts} = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(patterns.map(p => texts.map(t => new RegExp(p, 'u').test(t)))));"
    )
    run = subprocess.run(
        ["node", "-e", script], input=json.dumps({"patterns": patterns, "texts": texts}), capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    expected = [[re.search(pattern, text) is not None for text in texts] for pattern in patterns]
    assert json.loads(run.stdout) == expected
