"""The readiness verdict of a document, as a value: final (its text can be signed) or a PROJET, with its reasons.

The verdict is decided in one place, ``acts/readiness.py``; everything else (the template context, the
document's title and marks, the build summary, ``check``, ``amend``, ``sign``, ``review``, ``watch`` and the
dashboard) reads it and decides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT_TITLE_PREFIX = "PROJET – "
"""How the title of a draft begins, in the DOCX core properties and in the PDF."""


@dataclass(frozen=True)
class Verdict:
    """Whether a document's text can be signed as it stands: final when it has no reason to be a PROJET.

    ``reasons`` are complete French phrases, in the order they are told (deliberations, values to confirm,
    figures, prefectoral order, approved text).
    """

    reasons: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        """Return True when nothing keeps the text from being signed."""
        return not self.reasons

    def describe(self) -> str:
        """Return the reasons joined as the commands print them: « a ; b »."""
        return " ; ".join(self.reasons)

    def title(self, title: str) -> str:
        """Return the document title, with « PROJET – » first for a draft (the one place it is added)."""
        return title if self.final else DRAFT_TITLE_PREFIX + title
