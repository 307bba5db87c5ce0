"""The command line: French help for every command, exit codes, errors without traceback."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from convgen.cli import main
from tests import projects

REPO = Path(__file__).resolve().parent.parent
ENGLISH = ("Show this message", "Usage:", "Options:", "Commands:", "the ", " and ")


def all_commands() -> list[str]:
    """Return the names of every subcommand."""
    assert isinstance(main, click.Group)
    return sorted(main.commands)


def test_every_command_has_french_help() -> None:
    runner = CliRunner()
    for name in [*all_commands(), ""]:
        args = [name, "--help"] if name else ["--help"]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (name, result.output)
        assert "Utilisation :" in result.output, name
        assert "Affiche cette aide." in result.output, name
        for word in ENGLISH:
            assert word not in result.output, (name, word)
        command = main.commands.get(name) if name else main
        assert command is not None and command.help, f"la commande {name!r} n'a pas d'aide"


def test_expected_commands_exist() -> None:
    assert {"check", "build", "schema", "text"} <= set(all_commands())


def test_unknown_command_is_a_usage_error_in_french() -> None:
    result = CliRunner().invoke(main, ["buil"])
    assert result.exit_code == 2
    assert "Commande inconnue : 'buil'. Vouliez-vous dire 'build' ?" in result.output


def copy_project(dest: Path) -> Path:
    """Copy the repository's data and templates to ``dest``."""
    projects.copy_project(dest)
    return dest


def test_check_accepts_the_shipped_data(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["-C", str(copy_project(tmp_path)), "check"])
    assert result.exit_code == 0, result.output
    assert "Données valides : 15 intercommunalités" in result.output
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize("command", ["check", "build"])
def test_invalid_data_lists_every_error_and_writes_nothing(tmp_path: Path, command: str) -> None:
    project = copy_project(tmp_path)
    first, second = sorted((project / "epci").glob("*.yaml"))[:2]
    text = first.read_text(encoding="utf-8")
    first.write_text(re.sub(r"(?m)^(  courriel: ).*$", r"\1sans-arobase", text, count=1), "utf-8")
    lines = second.read_text(encoding="utf-8").splitlines()
    siren_line = next(i for i, line in enumerate(lines) if line.startswith("siren:"))
    lines[siren_line] = 'siren: "123456789"'
    second.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["-C", str(project), command])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"epci/{first.name}:" in result.output
    assert f"epci/{second.name}:{siren_line + 1}:" in result.output
    assert "rien n'a été écrit" in result.output
    assert not (project / "build").exists()


def test_unknown_slug_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["-C", str(copy_project(tmp_path)), "build", "cc-inexistante"])
    assert result.exit_code == 1
    assert "epci/cc-inexistante.yaml:1:1: intercommunalité inconnue — identifiants connus :" in result.output
    assert not (tmp_path / "build").exists()
