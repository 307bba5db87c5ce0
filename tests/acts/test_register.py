"""The register of signed acts: deterministic YAML, safe reading, clear errors for a hand-edited file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from convgen.acts.register import (
    HEADER,
    Registre,
    dump_register,
    empty_register,
    load_register,
    new_act,
    parse_register,
    pdf_name,
    write_register,
)
from convgen.data.load import load_project
from convgen.data.project import Project
from convgen.errors import DataError

REPO = Path(__file__).resolve().parents[2]
SLUG = "cc-maine-saosnois"
SHA = "0123456789abcdef" * 4


@pytest.fixture(scope="module")
def project() -> Project:
    """Return the shipped data."""
    return load_project(REPO)


def two_acts(project: Project) -> Registre:
    """Return a register with the convention and avenant 1."""
    epci = project.epcis[SLUG]
    registre = empty_register(SLUG).with_act(new_act(SLUG, 0, dt.date(2024, 4, 12), SHA, epci, project.programme))
    changed = epci.model_copy(update={"deliberation_avenant": dt.date(2025, 3, 11)})
    return registre.with_act(new_act(SLUG, 1, dt.date(2025, 3, 20), SHA, changed, project.programme))


def test_round_trip_is_exact_and_deterministic(project: Project) -> None:
    registre = two_acts(project)
    data = dump_register(registre)
    assert parse_register(f"registre/{SLUG}.yaml", data, SLUG) == registre
    assert dump_register(parse_register("r.yaml", data, SLUG)) == data


def test_yaml_is_readable_like_a_lock_file(project: Project) -> None:
    text = dump_register(two_acts(project)).decode("utf-8")
    assert text.startswith(HEADER.format(slug=SLUG))
    assert "ne le modifiez pas à la main" in text
    assert "intercommunalite: cc-maine-saosnois\nactes:\n- type: convention\n  numero: 0\n" in text
    assert "  date_signature: 2024-04-12\n  pdf: convention-cc-maine-saosnois.pdf\n" in text
    assert "- type: avenant\n  numero: 1\n  date_signature: 2025-03-20\n" in text
    assert "pdf: avenant-01-cc-maine-saosnois.pdf" in text
    assert "Élodie" in text  # UTF-8, not \u escapes
    assert "siren: '200072676'" in text  # a string stays a string
    assert "deliberation_avenant: 2025-03-11" in text
    assert "null" not in text


def test_missing_register_is_empty(tmp_path: Path) -> None:
    registre = load_register(tmp_path, SLUG)
    assert registre.actes == ()
    assert registre.next_numero == 0
    assert registre.last is None


def test_write_is_atomic_and_reloads(tmp_path: Path, project: Project) -> None:
    path = write_register(tmp_path, two_acts(project))
    assert path == tmp_path / "registre" / f"{SLUG}.yaml"
    assert [p.name for p in path.parent.iterdir()] == [f"{SLUG}.yaml"]
    assert load_register(tmp_path, SLUG).next_numero == 2


def test_pdf_names() -> None:
    assert pdf_name(SLUG, 0) == "convention-cc-maine-saosnois.pdf"
    assert pdf_name(SLUG, 12) == "avenant-12-cc-maine-saosnois.pdf"


def problems(data: bytes) -> list[str]:
    """Return the problems reported for a register file."""
    with pytest.raises(DataError) as info:
        parse_register(f"registre/{SLUG}.yaml", data, SLUG)
    return [str(p) for p in info.value.problems]


def test_a_register_that_does_not_parse_is_reported_with_its_line(project: Project) -> None:
    text = dump_register(two_acts(project)).decode("utf-8")
    broken = text.replace("  numero: 1\n", "  numero: 1\n numero: 2\n", 1)
    line = broken.splitlines().index(" numero: 2") + 1
    (message,) = problems(broken.encode("utf-8"))
    assert message == (
        f"registre/{SLUG}.yaml:{line}:2: décalage de ligne incohérent — alignez cette ligne sur les clés de même "
        "niveau (mêmes espaces en début de ligne) ; sinon, le registre est écrit par convgen : "
        "restaurez-le depuis git"
    )


def test_invalid_data_in_a_register_is_located(project: Project) -> None:
    text = dump_register(two_acts(project)).decode("utf-8")
    lines = text.splitlines()
    line = next(i for i, item in enumerate(lines) if "courriel: antoine" in item) + 1
    broken = text.replace("antoine.prototype@exemple.fr", "antoine.prototype@", 1)
    (message,) = problems(broken.encode("utf-8"))
    assert message == (
        f"registre/{SLUG}.yaml:{line}:19: actes[0].donnees.epci.referent.courriel : adresse invalide "
        "« antoine.prototype@ » — exemple : prenom.nom@cc-exemple.fr ; sinon, le registre est écrit par "
        "convgen : restaurez-le depuis git"
    )


def test_acts_out_of_order_are_refused(project: Project) -> None:
    text = dump_register(two_acts(project)).decode("utf-8")
    lines = text.splitlines()
    line = next(i for i, item in enumerate(lines) if item == "  numero: 1") + 1
    broken = text.replace("  numero: 1\n", "  numero: 2\n").replace("avenant-01-", "avenant-02-")
    (message,) = problems(broken.encode("utf-8"))
    assert message.startswith(f"registre/{SLUG}.yaml:{line}:11: actes[1].numero : acte n° 2 à la place 2 : ")
    assert "l’avenant n° 1 est attendu ici" in message


def test_dates_going_back_are_refused(project: Project) -> None:
    text = dump_register(two_acts(project)).decode("utf-8")
    broken = text.replace("date_signature: 2025-03-20", "date_signature: 2024-01-20")
    (message,) = problems(broken.encode("utf-8"))
    assert "actes[1].date_signature : l’avenant n° 1 est daté du 2024-01-20, avant l’acte précédent" in message


def test_a_bad_checksum_and_a_foreign_register_are_refused(project: Project) -> None:
    text = dump_register(two_acts(project)).decode("utf-8")
    (message,) = problems(text.replace(SHA, "X" * 64, 1).encode("utf-8"))
    assert "actes[0].pdf_sha256 : empreinte sha256 invalide" in message
    with pytest.raises(DataError) as info:
        parse_register("registre/cc-sud-sarthe.yaml", text.encode("utf-8"), "cc-sud-sarthe")
    assert "registre de « cc-maine-saosnois » rangé dans le fichier de « cc-sud-sarthe »" in str(info.value)


def test_unknown_key_in_a_register(project: Project) -> None:
    text = dump_register(two_acts(project)).decode("utf-8")
    broken = text.replace("  pdf_sha256:", "  signataire: X\n  pdf_sha256:", 1)
    (message,) = problems(broken.encode("utf-8"))
    assert "actes[0].signataire : clé inconnue" in message
