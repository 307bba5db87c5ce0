"""JSON Schema patterns for editors: ECMAScript regular expressions matching exactly what a validator accepts."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

ALLOWED_EDGE_SPACES = " \t\r\n\u00a0\u202f"
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}

# Editors check the data files against the JSON Schema generated from these models. Every rule that a
# regular expression can state is given there as a ``pattern`` (ECMA-262, the dialect of JSON Schema),
# built from the constants its validator uses; the patterns only reach the schema (``json_schema_extra``),
# so validation stays with the validators. Characters beyond U+FFFF are left to ``convgen check``.
BMP = range(0x10000)
_SURROGATES = range(0xD800, 0xE000)


def _ecma_char(point: int) -> str:
    """Return a code point as written in a character class: printable ASCII as itself, the rest escaped."""
    char = chr(point)
    if char in "\\[]^-":
        return "\\" + char
    return char if 0x20 <= point < 0x7F else f"\\u{point:04x}"


def ecma_literal(char: str) -> str:
    """Return a character as written outside a character class."""
    return "\\" + char if char in "^$\\.*+?()[]{}|/" else char


def ecma_class(points: Iterable[int]) -> str:
    """Return the inside of a character class matching exactly ``points`` (BMP code points)."""
    ranges: list[list[int]] = []
    for point in sorted(set(points)):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    parts: list[str] = []
    for first, last in ranges:
        if last == first:
            parts.append(_ecma_char(first))
        elif last == first + 1:
            parts.append(_ecma_char(first) + _ecma_char(last))
        else:
            parts.append(f"{_ecma_char(first)}-{_ecma_char(last)}")
    return "".join(parts)


def codes(text: str) -> set[int]:
    """Return the code points of ``text``."""
    return {ord(char) for char in text}


@functools.cache
def forbidden_points() -> frozenset[int]:
    """Return the BMP code points refused in any text: control, format, private-use, line separators."""
    return frozenset(
        point for point in BMP if point not in _SURROGATES and unicodedata.category(chr(point)) in FORBIDDEN_CATEGORIES
    )


def text_pattern(refused: frozenset[int]) -> str:
    """Return the pattern of a text as ``_clean_text`` reads it, refusing ``refused`` inside it."""
    edges = ecma_class(codes(ALLOWED_EDGE_SPACES))
    first = ecma_class(refused | codes(ALLOWED_EDGE_SPACES))
    return f"^[{edges}]*[^{first}][^{ecma_class(refused)}]*[{edges}]*$"


def schema_rule(pattern: Callable[[], str], message: str, expected: str) -> Callable[[dict[str, Any]], None]:
    """Return a ``json_schema_extra`` hook giving editors a rule's pattern and its French messages.

    ``message`` is shown when the text breaks the pattern, ``expected`` when the value is not a text
    (``errorMessage``, which VS Code also shows for a wrong type).
    """

    def extra(schema: dict[str, Any]) -> None:
        """Add the pattern and its messages to the JSON Schema of a field."""
        schema["pattern"] = pattern()
        schema["patternErrorMessage"] = message
        schema["errorMessage"] = expected

    return extra
