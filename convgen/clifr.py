"""French messages for click's own texts (usage, help, usage errors), which click only ships in English."""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from typing import Any

import click

FRENCH = {
    "Usage:": "Utilisation :",
    # click appends ":" to section titles; French wants a space before it.
    "Options": "Options ",
    "Commands": "Commandes ",
    "Positional arguments": "Arguments ",
    "Show this message and exit.": "Affiche cette aide.",
    "Show the version and exit.": "Affiche la version.",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing command.": "Commande manquante.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "Aborted!": "Abandon.",
    "default: {default}": "par défaut : {default}",
    "required": "obligatoire",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} est hors limites ({range}).",
    "{name} {filename!r} does not exist.": "{name} {filename!r} introuvable.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "file": "Fichier",
    "directory": "Dossier",
    "path": "Chemin",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Option {name!r} requires an argument.": "L'option {name!r} demande une valeur.",
}

FRENCH_PLURAL = {
    "Did you mean {possibility}?": (
        "Vouliez-vous dire {possibility} ?",
        "(Vouliez-vous dire l'une de : {possibilities} ?)",
    ),
    "{value!r} is not {choice}.": ("{value!r} n'est pas {choice}.", "{value!r} n'est pas l'un de {choices}."),
    "Got unexpected extra argument ({args})": (
        "Argument en trop ({args})",
        "Arguments en trop ({args})",
    ),
    "Option {name!r} requires {nargs} arguments.": (
        "L'option {name!r} demande {nargs} valeurs.",
        "L'option {name!r} demande {nargs} valeurs.",
    ),
}


def gettext(message: str) -> str:
    """Return the French text of one of click's messages (the English one when unknown)."""
    return FRENCH.get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Return the French singular or plural of one of click's messages (the rule of ``documents/french.plural``)."""
    from convgen.documents.french import plural as french_plural  # imported late: the no-op build reads no data

    if singular in FRENCH_PLURAL:
        one, many = FRENCH_PLURAL[singular]
        return french_plural(count, one, many)
    return french_plural(count, singular, plural)


NBSP = "\u00a0"


def no_break(text: str) -> str:
    """Return the text with non-breaking spaces before « ; : ? ! » » and after « «: never a line starting with them."""
    return re.sub(r" ([;:?!»])", NBSP + r"\1", text).replace("« ", "«" + NBSP)


def _wrapping_in_french(wrap: Callable[..., str]) -> Callable[..., str]:
    """Return click's ``wrap_text`` made to keep French punctuation with the word before it."""

    def wrap_text(text: str, *args: Any, **kwargs: Any) -> str:
        return wrap(no_break(text), *args, **kwargs)

    return wrap_text


def _never_break_on_hyphens() -> None:
    """Make click's help wrapper keep hyphenated words whole (« en-têtes », « Sablé-sur-Sarthe »).

    Private click symbol: ``click._textwrap.TextWrapper``, which ``click.formatting.wrap_text`` imports at each
    call; the subclass only changes ``break_on_hyphens``' default. ``tests/test_cli.py`` fails if click changes.
    """
    import click._textwrap as click_textwrap

    base = click_textwrap.TextWrapper
    if getattr(base, "french", False):
        return

    class FrenchWrapper(base):  # type: ignore[misc,valid-type]
        french = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("break_on_hyphens", False)
            super().__init__(*args, **kwargs)

    click_textwrap.TextWrapper = FrenchWrapper  # type: ignore[misc]


def install() -> None:
    """Make click print its own messages in French, help texts wrapped as French is."""
    formatting = sys.modules["click.formatting"]
    _never_break_on_hyphens()
    if formatting.wrap_text.__name__ == "wrap_text" and formatting.wrap_text.__module__ == "click.formatting":
        formatting.wrap_text = _wrapping_in_french(formatting.wrap_text)  # type: ignore[attr-defined]
    for name in ("core", "exceptions", "formatting", "decorators", "types", "parser", "termui"):
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


class Command(click.Command):
    """A command whose line in ``convgen --help`` is its first paragraph whole, never cut with « ... »."""

    def get_short_help_str(self, limit: int = 45) -> str:
        """Return the first paragraph of the help (the formatter wraps it when it is long)."""
        if self.short_help:
            return inspect.cleandoc(self.short_help)
        return " ".join(inspect.cleandoc(self.help or "").split("\n\n", 1)[0].split())


class Group(click.Group):
    """The ``convgen`` group: its commands are :class:`Command`."""

    command_class = Command


class Option(click.Option):
    """An option whose bounds are said in its help text, in words, instead of click's « [1<=x<=64] »."""

    def get_help_extra(self, ctx: click.Context) -> Any:
        """Return click's extras (default, required) without the range."""
        extra = super().get_help_extra(ctx)
        extra.pop("range", None)
        return extra


def _bounds(low: float | None, high: float | None) -> str:
    """Return bounds in French: « de 1 à 64 », « au moins 0 », « au plus 10 »."""
    if low is not None and high is not None:
        return f"de {low:g} à {high:g}"
    return f"au moins {low:g}" if low is not None else f"au plus {high:g}"


class IntRange(click.IntRange):
    """click's integer range, described in French in its error message."""

    def _describe_range(self) -> str:
        return _bounds(self.min, self.max)


class FloatRange(click.FloatRange):
    """click's number range, described in French in its error message."""

    def _describe_range(self) -> str:
        return _bounds(self.min, self.max)
