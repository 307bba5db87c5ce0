"""Markdown for the review: safe table cells and inline values, code fences, French lists."""

from __future__ import annotations

import re
from collections.abc import Sequence

from convgen.documents.french import typography
from convgen.review.gitdata import Revision

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def base_line(revision: Revision) -> str:
    """Return the line naming the revision compared with."""
    where = "point de départ de la branche depuis " if revision.merge_base else ""
    return typography(f"Base : {where}`{revision.name}` (commit `{revision.short}`), comparée au dossier de travail.")


def cell(value: str) -> str:
    """Return a value safe inside a Markdown table cell: ``|`` and newlines escaped, "—" when empty."""
    if not value.strip():
        return "—"
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"\r\n|\r|\n", "<br>", text)


def inline(value: str) -> str:
    """Return a value safe in a heading or a sentence (same escaping as a cell)."""
    return cell(value)


def fenced(text: str, language: str) -> list[str]:
    """Return ``text`` as a fenced code block whose fence is longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", *text.splitlines(), fence]


def slug_list(slugs: Sequence[str]) -> str:
    """Return the slugs as code spans separated by commas."""
    return ", ".join(f"`{slug}`" for slug in slugs)


def join(items: Sequence[str]) -> str:
    """Return "a", "a et b", "a, b et c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def trim(lines: list[str]) -> list[str]:
    """Return the lines without trailing blank lines."""
    while lines and not lines[-1]:
        lines.pop()
    return lines
