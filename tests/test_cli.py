"""The command line: French help for every command, exit codes, errors without traceback."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from convgen.cli import main
from tests.projects import copy_project

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


LEFTOVERS = re.compile(
    r"\b(PATH|TEXT|INTEGER|FLOAT|SLUG|default|required|range)\b|<=|>=|x>|(?<!\])\.\.\.|\S;|\S:(?=\s)"
)


def help_of(*args: str, width: int = 80) -> str:
    """Return the output of ``convgen ARGS --help`` at a terminal of ``width`` columns."""
    result = CliRunner().invoke(main, [*args, "--help"], prog_name="convgen", terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.output


def flat(text: str) -> str:
    """Return the text on one line, every run of spaces (non-breaking ones included) as one space."""
    return " ".join(text.replace("\u00a0", " ").split())


def first_paragraph(help_text: str) -> str:
    """Return the first paragraph of a docstring, flattened."""
    return flat(help_text.split("\n\n", 1)[0])


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("name", ["", "build", "watch", "check", "schema", "text", "review", "sign", "amend"])
def test_help_is_whole_and_french(name: str, width: int) -> None:
    output = help_of(*([name] if name else []), width=width)
    assert not LEFTOVERS.search(output), (name, LEFTOVERS.search(output))
    command = main.commands[name] if name else main
    assert first_paragraph(command.help or "") in flat(output)
    for param in command.params:
        if isinstance(param, click.Option) and param.help:
            assert flat(param.help) in flat(output), (name, param.name)
    if not name:
        for sub in main.commands.values():
            assert f"{sub.name} {first_paragraph(sub.help or '')}" in flat(output), sub.name


def test_the_intercommunality_argument_has_one_name() -> None:
    arguments = {
        name: [param for param in command.params if isinstance(param, click.Argument)]
        for name, command in main.commands.items()
    }
    slugs = {name: params[0] for name, params in arguments.items() if params and params[0].name in ("slug", "slugs")}
    assert set(slugs) == {"build", "watch", "sign", "amend", "verifier", "archiver"}
    assert {param.metavar for param in slugs.values()} == {"INTERCOMMUNALITÉ", "[INTERCOMMUNALITÉ]..."}
    assert "Utilisation : convgen sign [OPTIONS] INTERCOMMUNALITÉ\n" in help_of("sign")
    missing = CliRunner().invoke(main, ["sign"])
    assert missing.exit_code == 2 and "Argument manquant 'INTERCOMMUNALITÉ'." in missing.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "-j", "0"], "Valeur invalide pour '-j' / '--jobs' : 0 est hors limites (de 1 à 64)."),
        (["build", "--attente", "-1"], "Valeur invalide pour '--attente' : -1.0 est hors limites (au moins 0)."),
    ],
)
def test_range_errors_in_french(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output


def test_expected_commands_exist() -> None:
    assert {"check", "build", "schema", "text"} <= set(all_commands())


def test_unknown_command_is_a_usage_error_in_french() -> None:
    result = CliRunner().invoke(main, ["buil"])
    assert result.exit_code == 2
    assert "Commande inconnue : 'buil'. Vouliez-vous dire 'build' ?" in result.output


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
    result = CliRunner().invoke(
        main, ["-C", str(project), command, *(["--format", "docx"] if command == "build" else [])]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"epci/{first.name}:" in result.output
    assert f"epci/{second.name}:{siren_line + 1}:" in result.output
    assert "rien n’a été écrit" in result.output
    assert not (project / "build").exists()


def test_unknown_slug_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["-C", str(copy_project(tmp_path)), "build", "cc-inexistante", "--format", "docx"]
    )
    assert result.exit_code == 1
    assert "epci/cc-inexistante.yaml:1:1: intercommunalité inconnue — identifiants connus :" in result.output
    assert not (tmp_path / "build").exists()


def test_version_comes_from_the_package_metadata_and_matches_the_changelog() -> None:
    import importlib.metadata
    import subprocess
    import sys
    import tomllib

    import convgen

    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert importlib.metadata.version("convgen") == declared == convgen.__version__
    done = subprocess.run(
        [sys.executable, "-m", "convgen", "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout == f"convgen {declared}\n"
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] – (\d{4}-\d{2}-\d{2})$", changelog, re.M)
    assert changelog.index("## [Non publié]") < changelog.index(f"## [{released[0][0]}]")
    assert released[0][0] == declared  # the newest version released is the package's
    assert [version for version, _ in released] == sorted(
        (v for v, _ in released), key=lambda v: tuple(map(int, v.split("."))), reverse=True
    )
    assert [day for _, day in released] == sorted((d for _, d in released), reverse=True)


def test_an_unexpected_error_is_a_french_message_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from convgen.recipes import verify

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("état imprévu\ndeuxième ligne")

    monkeypatch.setattr(verify, "verify", broken)
    result = CliRunner().invoke(main, ["-C", str(copy_project(tmp_path)), "verifier"])
    assert result.exit_code == 1
    assert result.output.startswith("Erreur inattendue (RuntimeError : état imprévu). ")
    assert "Traceback" not in result.output and "deuxième ligne" not in result.output
    assert isinstance(result.exception, SystemExit)  # handled: click's runner saw a plain exit
