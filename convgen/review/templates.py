"""What a pull request changes in the templates: the words of each DOCX before and after."""

from __future__ import annotations

import difflib
import zipfile
from collections.abc import Mapping

from convgen.documents.docxtext import docx_text
from convgen.documents.french import typography
from convgen.errors import ConvgenError
from convgen.review.gitdata import select
from convgen.review.markdown import fenced
from convgen.review.pages import TEMPLATES_DIR


def template_changes(old_files: Mapping[str, bytes], new_files: Mapping[str, bytes]) -> list[str]:
    """Return the list of templates added, removed or changed, with the diff of the words of each change."""
    old = select(old_files, TEMPLATES_DIR)
    new = select(new_files, TEMPLATES_DIR)
    lines: list[str] = []
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        if before is None:
            lines += [f"- Modèle ajouté : `{path}`", ""]
            continue
        if after is None:
            lines += [f"- Modèle supprimé : `{path}`", ""]
            continue
        old_text, new_text = _words(before), _words(after)
        if old_text is None or new_text is None:
            lines += [typography(f"- Modèle modifié : `{path}` (texte illisible : fichier DOCX endommagé ?)"), ""]
            continue
        diff = list(
            difflib.unified_diff(
                old_text.splitlines(),
                new_text.splitlines(),
                fromfile=f"a/{path}",
                tofile=f"b/{path}",
                lineterm="",
            )
        )
        if not diff:
            lines += [typography(f"- Modèle modifié : `{path}` — mise en forme seulement, le texte est inchangé."), ""]
            continue
        lines += [typography(f"- Modèle modifié : `{path}` — texte :"), "", *fenced("\n".join(diff), "diff"), ""]
    return lines


def _words(docx: bytes) -> str | None:
    """Return the text of a DOCX, or None when it cannot be read."""

    try:
        return docx_text(docx)
    except (ConvgenError, KeyError, ValueError, OSError, SyntaxError, zipfile.BadZipFile):
        return None


# --- one intercommunality ---------------------------------------------------------------------------------
