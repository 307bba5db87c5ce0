"""French messages for click's own texts (usage, help, usage errors), which click only ships in English.

The replacements of click's private code that bring them in (``_``, ``click._textwrap.TextWrapper``,
``_describe_range``) are in ``convgen/overrides/click.py``: ``install`` applies them, :class:`IntRange` and
:class:`FloatRange` come from there.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import click

from convgen.overrides import click as overrides
from convgen.overrides.click import FloatRange as FloatRange  # click's ranges, described in French
from convgen.overrides.click import IntRange as IntRange

FRENCH = {
    "Usage:": "Utilisation :",
    # click appends ":" to section titles; French wants a space before it.
    "Options": "Options ",
    "Commands": "Commandes ",
    "Positional arguments": "Arguments ",
    "Show this message and exit.": "Affiche cette aide.",
    "Show the version and exit.": "Affiche la version.",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l’aide.",
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
    "{value!r} is not a valid {number_type}.": "{value!r} n’est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} est hors limites ({range}).",
    "{name} {filename!r} does not exist.": "{name} {filename!r} introuvable.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "file": "Fichier",
    "directory": "Dossier",
    "path": "Chemin",
    "Option {name!r} does not take a value.": "L’option {name!r} ne prend pas de valeur.",
}

FRENCH_PLURAL = {
    "Did you mean {possibility}?": (
        "Vouliez-vous dire {possibility} ?",
        "(Vouliez-vous dire l’une de : {possibilities} ?)",
    ),
    "{value!r} is not {choice}.": ("{value!r} n’est pas {choice}.", "{value!r} n’est pas l’un de {choices}."),
    "Got unexpected extra argument ({args})": (
        "Argument en trop ({args})",
        "Arguments en trop ({args})",
    ),
    # keyed by the singular click passes to ngettext, as every entry here
    "Option {name!r} requires an argument.": (
        "L’option {name!r} demande une valeur.",
        "L’option {name!r} demande {nargs} valeurs.",
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


def install() -> None:
    """Make click print its own messages in French, help texts wrapped as French is (``overrides/click.py``)."""
    overrides.wrap_help(no_break)
    overrides.translate_messages(gettext, ngettext)


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
