"""YAML syntax errors in French, located at their cause.

PyYAML reports where it got lost, which for an unclosed quote is often lines below: the quote pairs with the next
one, and the parser stops at the first line that no longer fits. Before translating its message, the text is
scanned for the quotes left open at the end of their line and the brackets never closed; a candidate is the cause
when closing it makes the error vanish or move further down the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from convgen.errors import Problem

SYNTAX_MESSAGES: tuple[tuple[str, str, str], ...] = (
    (
        "found character '\\t' that cannot start any token",
        "tabulation interdite",
        "YAML n’accepte que des espaces pour décaler les lignes : remplacez la tabulation par des espaces",
    ),
    (
        "expected ',' or ']'",
        "crochet « [ » non fermé",
        "fermez la liste par « ] », ou écrivez un élément par ligne précédé de « - »",
    ),
    (
        "expected ',' or '}'",
        "accolade « { » non fermée",
        "fermez par « } », ou écrivez une clé par ligne",
    ),
    (
        "mapping values are not allowed here",
        "deux-points inattendu",
        "si la valeur contient « : », entourez-la de guillemets ; sinon vérifiez le décalage de la ligne",
    ),
    (
        "could not find expected ':'",
        "deux-points attendu après la clé",
        "écrivez « clé: valeur », ou entourez la valeur de guillemets si elle continue sur la ligne suivante",
    ),
    (
        "found unexpected end of stream",
        "guillemet ou crochet non fermé",
        "fermez le guillemet ou le crochet ouvert plus haut",
    ),
    (
        "expected a single document in the stream",
        "plusieurs documents dans le même fichier",
        "supprimez la ligne « --- » : un fichier décrit une seule intercommunalité",
    ),
    (
        "found unknown escape character",
        "séquence d’échappement inconnue après « \\ »",
        "doublez la barre oblique inverse (\\\\) ou entourez la valeur d’apostrophes",
    ),
    (
        "expected <block end>",
        "décalage de ligne incohérent",
        "alignez cette ligne sur les clés de même niveau (mêmes espaces en début de ligne)",
    ),
    (
        "did not find expected key",
        "décalage de ligne incohérent",
        "alignez cette ligne sur les clés de même niveau (mêmes espaces en début de ligne)",
    ),
    (
        "did not find expected '-' indicator",
        "décalage de ligne incohérent dans une liste",
        "alignez chaque élément « - » de la liste",
    ),
    (
        "'<stream end>'",
        "fin de fichier inattendue",
        "un crochet, une accolade ou un guillemet ouvert plus haut n’est pas fermé",
    ),
    (
        "found character '@' that cannot start any token",
        "une valeur ne peut pas commencer par « @ »",
        "entourez la valeur de guillemets",
    ),
    (
        "found character '`' that cannot start any token",
        "une valeur ne peut pas commencer par « ` »",
        "entourez la valeur de guillemets",
    ),
)

_CLOSING = {"[": "]", "{": "}", '"': '"', "'": "'"}

# What each opening character is called, and how to close it.
_UNCLOSED = {
    '"': ('guillemet « " » ouvert', "jamais fermé", 'ajoutez le guillemet fermant « " » à la fin de la valeur'),
    "'": (
        "apostrophe « ' » ouvrant la valeur",
        "jamais fermée",
        "ajoutez l’apostrophe fermante « ' » à la fin de la valeur (une apostrophe dans le texte s’écrit « '' »)",
    ),
    "[": (
        "crochet « [ » ouvert",
        "jamais fermé",
        "fermez la liste par « ] », ou écrivez un élément par ligne précédé de « - »",
    ),
    "{": ("accolade « { » ouverte", "jamais fermée", "fermez par « } », ou écrivez une clé par ligne"),
}

# What may stand before a quote that opens a value: indentation, list dashes, a key and its colon.
_VALUE_START = re.compile(r"\s*(?:-\s+)*(?:[^\s#\"'][^#]*?:\s+)?")

_FLOW_CONTEXTS = ("while scanning a quoted scalar", "while parsing a flow sequence", "while parsing a flow mapping")


@dataclass(frozen=True, order=True)
class Opening:
    """A quote or bracket that opened at ``line``, ``column`` (0-based) and that the scan found unclosed."""

    line: int
    column: int
    char: str


def syntax_problem(path: str, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """Return the French problem for a YAML syntax error, at its cause when it is an unclosed quote or bracket."""
    mark = exc.problem_mark or exc.context_mark
    cause = _mispaired_quote(text) or _cause(text, mark.line if mark else len(text.splitlines()))
    if cause is None and exc.context in _FLOW_CONTEXTS and exc.context_mark is not None:
        start = exc.context_mark
        cause = Opening(start.line, start.column, text.splitlines()[start.line][start.column])
    if cause is not None:
        what, never, hint = _UNCLOSED[cause.char]
        line, column = cause.line + 1, cause.column + 1
        return Problem(path, line, column, "", f"{what} ligne {line}, colonne {column}, {never}", hint)
    if mark is not None and _after_closing_quote(text, mark):
        return Problem(
            path,
            mark.line + 1,
            mark.column + 1,
            "",
            "texte après le guillemet fermant",
            "une apostrophe dans une valeur entre apostrophes s’écrit « '' » ; ou entourez la valeur de guillemets"
            ' doubles « " »',
        )
    english = f"{exc.context or ''} {exc.problem or ''}"
    message, hint = next(
        ((message, hint) for needle, message, hint in SYNTAX_MESSAGES if needle in english),
        ("erreur de syntaxe YAML", "vérifiez le décalage, les deux-points et les guillemets de la ligne"),
    )
    if mark is None:
        return Problem(path, 1, 1, "", message, hint)
    return Problem(path, mark.line + 1, mark.column + 1, "", message, hint)


def _after_closing_quote(text: str, mark: yaml.Mark) -> bool:
    """Return whether the error is on text glued to a quote, as in « 'l'Orée' » (the value closed early)."""
    lines = text.split("\n")
    if mark.line >= len(lines) or not 0 < mark.column < len(lines[mark.line]):
        return False
    line = lines[mark.line]
    return line[mark.column - 1] in "\"'" and line[mark.column] not in " \t:,]}#"


def _mispaired_quote(text: str) -> Opening | None:
    """Return the first quote that PyYAML closed with the quote opening a value on a later line.

    A quoted value may go on over several lines, but its closing quote then ends text; one standing where a value
    starts (« telephone: "02… ») is the opening quote of the next value, so the first one was never closed.
    """
    lines = text.split("\n")
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if not isinstance(token, yaml.ScalarToken) or token.plain:
                continue
            start, end = token.start_mark, token.end_mark
            if end.line > start.line and _VALUE_START.fullmatch(lines[end.line][: end.column - 1]):
                return Opening(start.line, start.column, lines[start.line][start.column])
    except yaml.MarkedYAMLError as exc:
        # A quoted key that runs over lines, until the scanner gives up looking for its colon.
        start, end = exc.context_mark, exc.problem_mark
        if exc.context == "while scanning a simple key" and start and end and end.line > start.line:
            char = lines[start.line][start.column]
            if char in "\"'":
                return Opening(start.line, start.column, char)
    return None


def _cause(text: str, error_line: int) -> Opening | None:
    """Return the first unclosed opening whose closing makes the error vanish or move further down."""
    lines = text.split("\n")
    for opening in scan_openings(lines):
        if opening.line > error_line:
            break
        fixed = list(lines)
        fixed[opening.line] = fixed[opening.line].rstrip() + _CLOSING[opening.char]
        after = _error_line("\n".join(fixed))
        if after is None or after > error_line:
            return opening
    return None


def _error_line(text: str) -> int | None:
    """Return the 0-based line of the first syntax error of ``text``, or None when it parses.

    Only events are produced (no node is composed): the parser is iterative, whatever the nesting.
    """
    try:
        for _ in yaml.parse(text, Loader=yaml.SafeLoader):
            pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark.line if mark else 0
    return None


def scan_openings(lines: list[str]) -> list[Opening]:
    """Return the quotes left open at the end of their line and the brackets never closed, in file order.

    A quote opens a value only where a value starts (line start, after « - », « : », « [ », « { » or « , »):
    the apostrophe of « l'Orée » inside a plain value is text. A quote left open is taken as closed at the end of
    its line, the hypothesis that the caller checks by parsing again.
    """
    found: list[Opening] = []
    stack: list[Opening] = []
    for number, line in enumerate(lines):
        at_start, plain, index = True, False, 0
        while index < len(line):
            char = line[index]
            after = line[index + 1] if index + 1 < len(line) else " "
            if plain:
                if char == "#" and line[index - 1] in " \t":
                    break
                if char == ":" and after in " \t":
                    plain, at_start = False, True
                elif stack and char in ",]}":
                    plain = False
                    continue
                index += 1
                continue
            if char in " \t":
                index += 1
                continue
            if char == "#":
                break
            if char in "\"'" and at_start:
                end = _closing_quote(line, index)
                if end is None:
                    found.append(Opening(number, index, char))
                    break
                index, at_start = end + 1, False
                continue
            if char in "[{":
                stack.append(Opening(number, index, char))
                at_start = True
            elif char in "]}":
                if stack:
                    stack.pop()
                at_start = False
            elif (stack and char in ",:") or (char in "-?:" and after in " \t"):
                at_start = True
            else:
                plain, at_start = True, False
            index += 1
    return sorted(found + stack)


def _closing_quote(line: str, start: int) -> int | None:
    """Return the index of the quote closing the one at ``start`` on the same line, or None."""
    quote, index = line[start], start + 1
    while index < len(line):
        char = line[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and line[index + 1 : index + 2] == "'":
                index += 2
                continue
            return index
        index += 1
    return None
