"""Comparatif of an avenant: the replaced annex (or amended article) with Word tracked changes.

From the signed text to the new one, word by word (``w:ins``/``w:del`` by ``convgen``, dated from the data):
accepting every change gives the new text, rejecting every change gives the signed text.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convgen.documents.french import typography
from convgen.documents.render import ANNEXE_FIELD, normalize_docx, render_annexe, render_convention, render_document

AUTHOR = "convgen"
ANNEX_TITLE = "Ressources mises à disposition et référents désignés"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
ARTICLE_7 = re.compile(r"^\s*article\s*7\b", re.IGNORECASE)
NEXT_ARTICLE = re.compile(r"^\s*(article\s*(?:[89]|1\d)\b|annexe\b)", re.IGNORECASE)
_TOKENS = re.compile(r"\s+|[^\s]+")


def wtag(tag: str) -> str:
    """Return the Clark name of a WordprocessingML tag."""
    return f"{{{_W}}}{tag}"


# --------------------------------------------------------------------------------------------------------
# Comparatif: Word tracked changes from the signed text to the new one
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A paragraph of a document body (a table row is one block, its cells joined by « | »)."""

    text: str
    properties: Any = None  # w:pPr to copy, or None
    run_properties: Any = None  # w:rPr of the first run, or None


def docx_blocks(data: bytes) -> list[Block]:
    """Return the paragraphs of a DOCX body in reading order, table rows flattened to one block each."""
    import docx

    body = docx.Document(io.BytesIO(data)).element.body
    return list(_blocks(body))


def _blocks(element: Any) -> Iterator[Block]:
    """Yield the blocks below ``element``."""
    for child in element:
        if child.tag == wtag("p"):
            yield Block(_paragraph_text(child), child.find(wtag("pPr")), _first_run_properties(child))
        elif child.tag == wtag("tbl"):
            for row in child.iter(wtag("tr")):
                cells = [
                    " ".join(_paragraph_text(p) for p in cell.iter(wtag("p"))).strip() for cell in row.iter(wtag("tc"))
                ]
                first = next(row.iter(wtag("p")), None)
                yield Block(" | ".join(cells), None, _first_run_properties(first) if first is not None else None)
        elif child.tag == wtag("sdt"):
            content = child.find(wtag("sdtContent"))
            if content is not None:
                yield from _blocks(content)


def _paragraph_text(paragraph: Any) -> str:
    """Return the visible text of a paragraph (deleted text excluded, tabs and breaks as spaces)."""
    parts: list[str] = []
    for node in paragraph.iter(wtag("t"), wtag("tab"), wtag("br")):
        if any(ancestor.tag == wtag("del") for ancestor in node.iterancestors()):
            continue
        parts.append(node.text or "" if node.tag == wtag("t") else " ")
    return "".join(parts)


def _first_run_properties(paragraph: Any) -> Any:
    """Return the w:rPr of the first run of a paragraph, or None."""
    run = next(paragraph.iter(wtag("r")), None)
    return None if run is None else run.find(wtag("rPr"))


@dataclass(frozen=True)
class Section:
    """One part of the comparatif: a heading and the signed and new paragraphs it compares."""

    heading: str
    old: tuple[Block, ...]
    new: tuple[Block, ...]


class _Tracker:
    """Build paragraphs with tracked insertions and deletions (``w:ins``/``w:del``) into a body."""

    def __init__(self, body: Any, date: str) -> None:
        self.body = body
        self.date = date
        self.next_id = 1
        self.anchor = body.find(wtag("sectPr"))

    def _mark(self, tag: str) -> Any:
        element = self.body.makeelement(
            wtag(tag), {wtag("id"): str(self.next_id), wtag("author"): AUTHOR, wtag("date"): self.date}
        )
        self.next_id += 1
        return element

    def _append(self, paragraph: Any) -> None:
        if self.anchor is not None:
            self.anchor.addprevious(paragraph)
        else:
            self.body.append(paragraph)

    def _paragraph(self, block: Block | None, mark: str | None) -> Any:
        paragraph = self.body.makeelement(wtag("p"), {})
        properties = copy.deepcopy(block.properties) if block is not None and block.properties is not None else None
        if properties is not None:
            for old in properties.findall(wtag("rPr")) + properties.findall(wtag("sectPr")):
                properties.remove(old)
        if mark is not None:
            if properties is None:
                properties = paragraph.makeelement(wtag("pPr"), {})
            run_properties = properties.makeelement(wtag("rPr"), {})
            run_properties.append(self._mark(mark))
            properties.append(run_properties)
        if properties is not None:
            paragraph.append(properties)
        return paragraph

    def _run(self, text: str, block: Block | None, deleted: bool = False) -> Any:
        run = self.body.makeelement(wtag("r"), {})
        if block is not None and block.run_properties is not None:
            run.append(copy.deepcopy(block.run_properties))
        node = run.makeelement(wtag("delText" if deleted else "t"), {_XML_SPACE: "preserve"})
        node.text = text
        run.append(node)
        return run

    def plain(self, text: str, *, bold: bool = False) -> None:
        """Add an untracked paragraph."""
        paragraph = self._paragraph(None, None)
        run = self._run(text, None)
        if bold:
            run_properties = run.makeelement(wtag("rPr"), {})
            run_properties.append(run_properties.makeelement(wtag("b"), {}))
            run.insert(0, run_properties)
        paragraph.append(run)
        self._append(paragraph)

    def equal(self, block: Block) -> None:
        """Add a paragraph unchanged between both versions."""
        paragraph = self._paragraph(block, None)
        if block.text:
            paragraph.append(self._run(block.text, block))
        self._append(paragraph)

    def inserted(self, block: Block) -> None:
        """Add a paragraph that only the new version has."""
        paragraph = self._paragraph(block, "ins")
        if block.text:
            wrapper = self._mark("ins")
            wrapper.append(self._run(block.text, block))
            paragraph.append(wrapper)
        self._append(paragraph)

    def deleted(self, block: Block) -> None:
        """Add a paragraph that only the signed version has."""
        paragraph = self._paragraph(block, "del")
        if block.text:
            wrapper = self._mark("del")
            wrapper.append(self._run(block.text, block, deleted=True))
            paragraph.append(wrapper)
        self._append(paragraph)

    def changed(self, old: Block, new: Block) -> None:
        """Add one paragraph rewritten word by word from the signed version to the new one."""
        paragraph = self._paragraph(new, None)
        before, after = _TOKENS.findall(old.text), _TOKENS.findall(new.text)
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                paragraph.append(self._run("".join(after[j1:j2]), new))
                continue
            if i2 > i1:
                wrapper = self._mark("del")
                wrapper.append(self._run("".join(before[i1:i2]), old, deleted=True))
                paragraph.append(wrapper)
            if j2 > j1:
                wrapper = self._mark("ins")
                wrapper.append(self._run("".join(after[j1:j2]), new))
                paragraph.append(wrapper)
        self._append(paragraph)

    def compare(self, old: Sequence[Block], new: Sequence[Block]) -> None:
        """Add the paragraphs of both versions aligned, with tracked changes where they differ."""
        matcher = difflib.SequenceMatcher(None, [b.text for b in old], [b.text for b in new], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                for block in new[j1:j2]:
                    self.equal(block)
                continue
            pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
            for offset in range(pairs):
                self.changed(old[i1 + offset], new[j1 + offset])
            for block in old[i1 + pairs : i2]:
                self.deleted(block)
            for block in new[j1 + pairs : j2]:
                self.inserted(block)


def tracked_changes(base: bytes, intro: Sequence[str], sections: Sequence[Section], epoch: dt.datetime) -> bytes:
    """Return ``base`` (styles, headers, footers) with its body replaced by the sections in tracked changes."""
    import docx

    document = docx.Document(io.BytesIO(base))
    body = document.element.body
    for child in list(body):
        if child.tag != wtag("sectPr"):
            body.remove(child)
    tracker = _Tracker(body, epoch.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    for index, line in enumerate(intro):
        tracker.plain(line, bold=index == 0)
    for section in sections:
        tracker.plain(section.heading, bold=True)
        tracker.compare(section.old, section.new)
    return save_docx(document, epoch)


def comparatif_sections(templates_dir: Path, old_context: dict[str, Any], new_context: dict[str, Any]) -> list[Section]:
    """Return what the comparatif shows: the replaced annex, Article 7, the paragraphs naming the party."""

    articles = new_context["avenant"]["articles"]
    sections: list[Section] = []
    old_convention: list[Block] = []
    new_convention: list[Block] = []
    if articles["nom"] or articles["duree"]:
        old_convention = docx_blocks(render_convention(templates_dir, old_context))
        new_convention = docx_blocks(render_convention(templates_dir, new_context))
    if articles["nom"]:
        matcher = difflib.SequenceMatcher(
            None, [b.text for b in old_convention], [b.text for b in new_convention], autojunk=False
        )
        old_part: list[Block] = []
        new_part: list[Block] = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op != "equal":
                old_part += old_convention[i1:i2]
                new_part += new_convention[j1:j2]
        sections.append(
            Section("Dénomination de l’Intercommunalité — passages modifiés", tuple(old_part), tuple(new_part))
        )
    if articles["duree"]:
        sections.append(
            Section(
                "Article 7 – Durée",
                tuple(article_7_blocks(old_convention)),
                tuple(article_7_blocks(new_convention)),
            )
        )
    if articles["annexe"]:
        sections.append(
            Section(
                f"Annexe « {ANNEX_TITLE} »",
                tuple(docx_blocks(render_annexe(templates_dir, old_context))),
                tuple(docx_blocks(render_annexe(templates_dir, new_context))),
            )
        )
    return sections


def article_7_blocks(blocks: Sequence[Block]) -> list[Block]:
    """Return the heading and paragraphs of Article 7 (the last occurrence: the first is the table of contents)."""
    starts = [i for i, block in enumerate(blocks) if ARTICLE_7.match(block.text)]
    if not starts:
        return list(blocks)
    start = starts[-1]
    end = start + 1
    while end < len(blocks) and not NEXT_ARTICLE.match(blocks[end].text):
        end += 1
    return list(blocks[start:end])


def render_comparatif(
    templates_dir: Path, old_context: dict[str, Any], new_context: dict[str, Any], epoch: dt.datetime
) -> bytes:
    """Return the comparatif of an avenant: the amended parts, signed text → new text, in tracked changes.

    The document is the avenant's (styles, PROJET header, footer) with its body replaced.
    """

    avenant = new_context["avenant"]
    intro = [
        typography(f"Comparatif de l'avenant n° {avenant['numero']} — {new_context['epci']['nom']}"),
        typography(
            "Document de travail, sans valeur contractuelle : les modifications suivies (auteur « convgen ») "
            "mènent du texte signé au texte proposé. Accepter toutes les modifications donne le texte "
            "proposé ; les refuser toutes, le texte signé."
        ),
    ]
    base_context = copy.deepcopy(new_context)
    base_context["avenant"]["articles"]["annexe"] = 0
    base = render_document(templates_dir / "avenant.docx", {**base_context, ANNEXE_FIELD: ""}, epoch=epoch)
    return tracked_changes(base, intro, comparatif_sections(templates_dir, old_context, new_context), epoch)


def save_docx(document: Any, epoch: dt.datetime | None = None) -> bytes:
    """Return a python-docx document as deterministic DOCX bytes."""

    raw = io.BytesIO()
    document.save(raw)
    return normalize_docx(raw.getvalue(), epoch=epoch)
