"""click's private code that convgen overrides (``convgen/overrides/click.py``) is still the one it was written for.

The overrides at work in the real command line are tested in ``tests/test_cli.py``: ``test_help_is_whole_and_french``
(the help of each command at 60, 80 and 120 columns: no « [1<=x<=64] », no ``PATH``, every help text whole, French
punctuation never at the start of a line), ``test_range_errors_in_french`` (the bounds in words),
``test_every_command_has_french_help`` and ``test_unknown_command_is_a_usage_error_in_french`` (click's messages).
The tests here check each override on its own, and that click still has what each one replaces.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import click
import click.formatting
import pytest
from click.testing import CliRunner

from convgen import clifr
from convgen.cli import main  # installs the overrides, as every run of the command line does
from convgen.overrides import Upstream, resolve
from convgen.overrides import click as overrides
from convgen.overrides.click import FloatRange, IntRange, KeepHyphenatedWords
from tests.overrides.upstream import check_overridden, check_upstream, check_version


def test_the_installed_click_is_the_pinned_version() -> None:
    check_version(overrides)


@pytest.mark.parametrize("upstream", overrides.UPSTREAM, ids=lambda upstream: upstream.symbol)
def test_the_upstream_code_is_the_one_the_overrides_were_written_for(upstream: Upstream) -> None:
    check_upstream(overrides, upstream)


@pytest.mark.parametrize("subclass", [IntRange, FloatRange])
def test_each_override_is_recorded(subclass: type) -> None:
    check_overridden(overrides, subclass, "_describe_range")


def test_the_wrapper_replaces_click_s_and_is_recorded() -> None:
    upstream = KeepHyphenatedWords.__wrapped__
    assert KeepHyphenatedWords.__bases__ == (upstream,)
    assert f"{upstream.__module__}:{upstream.__qualname__}" == "click._textwrap:TextWrapper"
    assert "click._textwrap:TextWrapper" in {recorded.symbol for recorded in overrides.UPSTREAM}
    assert resolve("click._textwrap:TextWrapper") is KeepHyphenatedWords
    assert click.formatting.wrap_text.__wrapped__ is resolve("click:wrap_text")  # type: ignore[attr-defined]


def test_the_command_line_uses_the_overrides() -> None:
    assert clifr.IntRange is IntRange and clifr.FloatRange is FloatRange
    assert isinstance(main, click.Group)
    types = {param.name: param.type for param in main.commands["build"].params}
    assert isinstance(types["jobs"], IntRange) and isinstance(types["attente"], FloatRange)


HYPHENATED = ("en-têtes", "Sablé-sur-Sarthe", "Bonnétable-Marolles")
TEXT = "Les en-têtes des conventions de Sablé-sur-Sarthe et de Bonnétable-Marolles : « deux » pages ; fin ?"


def _lines(width: int) -> list[str]:
    """Return ``TEXT`` wrapped by click's help formatter at ``width`` columns."""
    formatter = click.HelpFormatter(width=width)
    formatter.write_text(TEXT)
    return formatter.getvalue().splitlines()


@pytest.mark.parametrize("width", range(22, 60))
def test_help_keeps_hyphenated_words_whole_and_punctuation_with_its_word(width: int) -> None:
    lines = _lines(width)
    assert all(len(line) <= width for line in lines)
    words = [word for line in lines for word in line.replace("\u00a0", " ").split()]
    for word in HYPHENATED:
        assert word in words, (width, lines)
    for line in lines:
        assert not line.lstrip().startswith((":", ";", "?", "»")) and not line.rstrip().endswith("«"), (width, lines)


def test_click_s_own_wrapper_would_break_at_hyphens() -> None:
    """Without the override, click cuts hyphenated words: the override still has something to prevent."""
    wrapper = KeepHyphenatedWords.__wrapped__(26)
    assert any(line.endswith("-") for line in wrapper.wrap(TEXT))
    assert not any(line.endswith("-") for line in KeepHyphenatedWords(26).wrap(TEXT))


def test_bounds_are_said_in_words_where_click_writes_inequalities() -> None:
    assert (click.IntRange(1, 64)._describe_range(), IntRange(1, 64)._describe_range()) == ("1<=x<=64", "de 1 à 64")
    assert (click.FloatRange(0)._describe_range(), FloatRange(0)._describe_range()) == ("x>=0", "au moins 0")
    assert FloatRange(max=10)._describe_range() == "au plus 10"
    with pytest.raises(click.BadParameter, match=r"^0 est hors limites \(de 1 à 64\)\.$"):
        IntRange(1, 64).convert("0", None, None)


@cache
def _click_messages() -> dict[str, set[tuple[str, str]]]:
    """Return each message click passes to ``_`` or ``ngettext`` (the singular), with its module and the function."""
    messages: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(Path(click.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "ngettext")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                messages.setdefault(node.args[0].value, set()).add((path.stem, node.func.id))
    return messages


def _loaded_by_the_command_line() -> set[str]:
    """Return the modules of click that importing the command line loads (those present when it installs)."""
    code = "import sys, convgen.cli; print(*(m for m in sys.modules if m.startswith('click.')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return {name.removeprefix("click.") for name in done.stdout.split()}


def test_click_s_modules_ask_convgen_for_their_messages() -> None:
    callers = {(module, function) for found in _click_messages().values() for module, function in found}
    loaded = {module for module, _function in callers} & _loaded_by_the_command_line()
    assert loaded <= set(overrides.MESSAGE_MODULES), (
        f"des modules de click chargés par convgen traduisent des messages sans être dans MESSAGE_MODULES : "
        f"{sorted(loaded - set(overrides.MESSAGE_MODULES))}"
    )
    for module, function in callers:
        if module in overrides.MESSAGE_MODULES:
            replaced = getattr(sys.modules[f"click.{module}"], function)
            assert replaced is (clifr.gettext if function == "_" else clifr.ngettext), (module, function)


# « required » reaches ``_`` through a variable (``_(extra["required"])``): tested on the help below.
INDIRECT = {"required"}


@pytest.mark.parametrize("message", sorted(set(clifr.FRENCH) - INDIRECT))
def test_each_translated_message_is_one_click_asks_for(message: str) -> None:
    asked = {function for _module, function in _click_messages().get(message, set())}
    assert "_" in asked, (
        f"click ne demande plus le message {message!r} à _ : sa traduction dans convgen/clifr.py (FRENCH) ne sert "
        f"plus, le message est sans doute écrit autrement"
    )


@pytest.mark.parametrize("singular", sorted(clifr.FRENCH_PLURAL))
def test_each_translated_plural_is_one_click_asks_for(singular: str) -> None:
    asked = {function for _module, function in _click_messages().get(singular, set())}
    assert "ngettext" in asked, (
        f"click ne demande plus le message {singular!r} à ngettext : sa traduction dans convgen/clifr.py "
        f"(FRENCH_PLURAL, indexée par le singulier) ne sert plus"
    )


def test_messages_reached_indirectly_are_french() -> None:
    @click.command(context_settings={"help_option_names": ["-h", "--help"]})
    @click.option("--nom", cls=clifr.Option, required=True, help="Un nom.")
    @click.option("--nombre", cls=clifr.Option, type=IntRange(1, 3), nargs=2, help="Deux nombres.")
    def command(nom: str, nombre: tuple[int, int] | None) -> None:
        """Une commande."""

    assert "[obligatoire]" in CliRunner().invoke(command, ["--help"]).output
    missing = CliRunner().invoke(main, ["build", "-j"])
    assert missing.exit_code == 2 and "Erreur : L’option '-j' demande une valeur." in missing.output
    two = CliRunner().invoke(command, ["--nom", "a", "--nombre"])
    assert two.exit_code == 2 and "Erreur : L’option '--nombre' demande 2 valeurs." in two.output
