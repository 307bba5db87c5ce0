"""French messages for click's own texts (usage, help, usage errors), which click only ships in English."""

from __future__ import annotations

import sys

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
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
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
    """Return the French singular or plural of one of click's messages."""
    if singular in FRENCH_PLURAL:
        one, many = FRENCH_PLURAL[singular]
        return one if count == 1 else many
    return singular if count == 1 else plural


def install() -> None:
    """Make click print its own messages in French."""
    import click  # noqa: F401  (ensures click's modules are loaded)

    for name in ("core", "exceptions", "formatting", "decorators", "types", "parser", "termui"):
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
