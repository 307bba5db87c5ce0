"""A template with the annex's template composed in, where it says ``{{p annexe }}``: made once per process.

A convention, an avenant that replaces the annex and an update of annex 3 print the annex where their template
has the paragraph ``{{p annexe }}``. Rendering the annex on its own and composing the rendered annex into every
document (docxtpl's sub-document, whose docxcompose maps the annex's styles into the document's) cost about
40 ms per document. The annex's *template* is composed into the document's template instead, by the same
sub-document, once per rendering process; its Jinja tags are then rendered with the rest of the document, in
one pass. The documents are the same, byte for byte (checked on the 15 conventions, an avenant and an update).
"""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path

from convgen.documents.ooxml import w
from convgen.errors import TemplateError

__all__ = ["composed_template"]

_TEXT = w("t")


def composed_template(template: Path, annex: Path, field: str, labels: tuple[str, str]) -> bytes:
    """Return the DOCX bytes of ``template`` with ``annex``'s template in place of its ``{{p field }}`` paragraph.

    ``labels`` name both templates in messages.
    """
    return _composed(template.read_bytes(), annex.read_bytes(), field, *labels)


@functools.lru_cache(maxsize=8)
def _composed(template: bytes, annex: bytes, field: str, label: str, annex_label: str) -> bytes:
    """Return the composed template (cached: a pure function of both templates' bytes)."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(template))
    tpl.init_docx()
    # Brings the annex's styles, numbering and parts into the document, as the rendered annex was brought before.
    sub = tpl.new_subdoc(io.BytesIO(annex))
    tag = re.compile(r"\{\{p\s*" + re.escape(field) + r"\s*\}\}")
    body = tpl.docx.element.body
    places = [p for p in body.iter(w("p")) if tag.search("".join(t.text or "" for t in p.iter(_TEXT)))]
    if len(places) != 1:
        raise TemplateError(
            f"{label} : le paragraphe {{{{p {field} }}}} doit y être une fois exactement "
            f"(trouvé {len(places)} fois) pour y mettre {annex_label}"
        )
    place = places[0]
    parent = place.getparent()
    index = parent.index(place)
    parent.remove(place)
    moved = [element for element in sub.subdocx.element.body if element.tag != w("sectPr")]
    for offset, element in enumerate(moved):
        parent.insert(index + offset, element)
    out = io.BytesIO()
    tpl.docx.save(out)
    return out.getvalue()
