"""Comparatif of an avenant: the replaced annex (or amended article) with Word tracked changes.

From the signed text to the new one, phrase by phrase (``w:ins``/``w:del`` by ``convgen``, dated from the data),
tables kept as tables (changes inside cells, inserted and deleted rows marked in ``w:trPr``): accepting every
change gives the new text, rejecting every change gives the signed text.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convgen.acts.blocks import (
    XML_SPACE,
    Block,
    Item,
    Row,
    Table,
    docx_blocks,
    docx_items,
    footer_blocks,
    save_docx,
    wtag,
)
from convgen.documents.french import typography
from convgen.documents.render import ANNEXE_FIELD, render_annexe, render_convention, render_document
from convgen.documents.shape import TemplateContext

AUTHOR = "convgen"
ANNEX_TITLE = "Ressources mises à disposition et référents désignés"
ARTICLE_7 = re.compile(r"^\s*article\s*7\b", re.IGNORECASE)
NEXT_ARTICLE = re.compile(r"^\s*(article\s*(?:[89]|1\d)\b|annexe\b)", re.IGNORECASE)
_TOKENS = re.compile(r"\s+|[^\s]+")
_PUNCTUATED = re.compile(r"^([«(\u00a0\u202f]*)(.*?)([,;:.!?»)\u00a0\u202f]*)$")


@dataclass(frozen=True)
class Section:
    """One part of the comparatif: a heading and the signed and new items it compares."""

    heading: str
    old: tuple[Item, ...]
    new: tuple[Item, ...]


def phrases(before: str, after: str) -> list[tuple[str, str, str]]:
    """Return ``(op, old, new)`` segments from ``before`` to ``after``, changes merged into phrases.

    The diff runs word by word; two changes separated by at most two short unchanged words become one change,
    and a paragraph that keeps less than a third of its words is replaced whole.
    """
    old, new = _tokens(before), _tokens(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if before and after and matcher.ratio() < _WHOLE_BELOW:
        return [("change", before, after)]
    segments: list[tuple[str, str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        kind = "equal" if op == "equal" else "change"
        segments.append((kind, "".join(old[i1:i2]), "".join(new[j1:j2])))
    merged: list[tuple[str, str, str]] = []
    for index, (kind, a, b) in enumerate(segments):
        between = 0 < index < len(segments) - 1 and kind == "equal"
        if between and segments[index - 1][0] == segments[index + 1][0] == "change" and _short(a):
            kind = "change"
        if merged and merged[-1][0] == kind == "change":
            _, pa, pb = merged.pop()
            merged.append(("change", pa + a, pb + b))
        else:
            merged.append((kind, a, b))
    return merged


_WHOLE_BELOW = 1 / 3


def _tokens(text: str) -> list[str]:
    """Return the words and spaces of ``text``, punctuation around a word apart (an address stays whole)."""
    tokens: list[str] = []
    for token in _TOKENS.findall(text):
        match = _PUNCTUATED.match(token)
        if token.isspace() or match is None:
            tokens.append(token)
        else:
            tokens += [part for part in match.groups() if part]
    return tokens


def _short(text: str) -> bool:
    """Tell whether unchanged ``text`` between two changes is too short to stand alone (two short words)."""
    words = text.split()
    return len(words) <= 2 and all(len(word) <= 4 for word in words)


class _Tracker:
    """Build paragraphs and tables with tracked insertions and deletions (``w:ins``/``w:del``)."""

    def __init__(self, body: Any, date: str) -> None:
        self.body = body
        self.date = date
        self.next_id = 1
        self.anchor = body.find(wtag("sectPr"))
        self.target: Any = None  # a table cell being filled, or None for the body

    def _mark(self, tag: str) -> Any:
        element = self.body.makeelement(
            wtag(tag), {wtag("id"): str(self.next_id), wtag("author"): AUTHOR, wtag("date"): self.date}
        )
        self.next_id += 1
        return element

    def _append(self, element: Any) -> None:
        if self.target is not None:
            self.target.append(element)
        elif self.anchor is not None:
            self.anchor.addprevious(element)
        else:
            self.body.append(element)

    def _paragraph(self, block: Block | None, mark: str | None) -> Any:
        paragraph = self.body.makeelement(wtag("p"), {})
        properties = copy.deepcopy(block.properties) if block is not None and block.properties is not None else None
        if properties is not None:
            # No page break in the comparatif: it opens on its notice and the first change.
            for old in properties.findall(wtag("rPr")) + properties.findall(wtag("sectPr")):
                properties.remove(old)
            for old in properties.findall(wtag("pageBreakBefore")):
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
        node = run.makeelement(wtag("delText" if deleted else "t"), {XML_SPACE: "preserve"})
        node.text = text
        run.append(node)
        return run

    def _wrapped(self, mark: str, text: str, block: Block) -> Any:
        wrapper = self._mark(mark)
        wrapper.append(self._run(text, block, deleted=mark == "del"))
        return wrapper

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
            paragraph.append(self._wrapped("ins", block.text, block))
        self._append(paragraph)

    def deleted(self, block: Block) -> None:
        """Add a paragraph that only the signed version has."""
        paragraph = self._paragraph(block, "del")
        if block.text:
            paragraph.append(self._wrapped("del", block.text, block))
        self._append(paragraph)

    def changed(self, old: Block, new: Block) -> None:
        """Add one paragraph rewritten from the signed version to the new one, phrase by phrase."""
        paragraph = self._paragraph(new, None)
        for kind, before, after in phrases(old.text, new.text):
            if kind == "equal":
                paragraph.append(self._run(after, new))
                continue
            if before:
                paragraph.append(self._wrapped("del", before, old))
            if after:
                paragraph.append(self._wrapped("ins", after, new))
        self._append(paragraph)

    def compare(self, old: Sequence[Item], new: Sequence[Item]) -> None:
        """Add the items of both versions aligned, with tracked changes where they differ."""
        matcher = difflib.SequenceMatcher(None, [b.text for b in old], [b.text for b in new], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                for before, after in zip(old[i1:i2], new[j1:j2], strict=True):
                    self._pair(before, after)
                continue
            pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
            for offset in range(pairs):
                self._pair(old[i1 + offset], new[j1 + offset])
            for item in old[i1 + pairs : i2]:
                self._one(item, "del")
            for item in new[j1 + pairs : j2]:
                self._one(item, "ins")

    def _pair(self, old: Item, new: Item) -> None:
        """Add one item of the signed version facing one of the new version."""
        if isinstance(old, Block) and isinstance(new, Block):
            if old.text == new.text:
                self.equal(new)
            else:
                self.changed(old, new)
        elif isinstance(old, Table) and isinstance(new, Table):
            self.table(old, new)
        else:
            self._one(old, "del")
            self._one(new, "ins")

    def _one(self, item: Item, mark: str) -> None:
        """Add an item that only one version has (``mark``: ``ins`` or ``del``)."""
        if isinstance(item, Block):
            (self.inserted if mark == "ins" else self.deleted)(item)
            return
        table = self._empty_table(item)
        self._append(table)
        for row in item.rows:
            table.append(self._row(row, mark))

    def _empty_table(self, table: Table) -> Any:
        element = copy.deepcopy(table.element)
        for row in element.findall(wtag("tr")):
            element.remove(row)
        return element

    def table(self, old: Table, new: Table) -> None:
        """Add a table, its rows aligned, tracked changes inside cells, inserted and deleted rows marked."""
        table = self._empty_table(new)
        self._append(table)
        matcher = difflib.SequenceMatcher(None, [r.text for r in old.rows], [r.text for r in new.rows], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            pairs = (i2 - i1) if op == "equal" else min(i2 - i1, j2 - j1) if op == "replace" else 0
            for offset in range(pairs):
                before, after = old.rows[i1 + offset], new.rows[j1 + offset]
                if len(before.cells) == len(after.cells):
                    table.append(self._row(after, None, before))
                else:
                    table.append(self._row(before, "del"))
                    table.append(self._row(after, "ins"))
            for row in old.rows[i1 + pairs : i2]:
                table.append(self._row(row, "del"))
            for row in new.rows[j1 + pairs : j2]:
                table.append(self._row(row, "ins"))

    def _row(self, row: Row, mark: str | None, old: Row | None = None) -> Any:
        """Return a row: inserted or deleted whole (``mark``), or compared cell by cell with ``old``."""
        element = self.body.makeelement(wtag("tr"), {})
        for child in row.element:
            if child.tag not in (wtag("tc"), wtag("trPr")):
                element.append(copy.deepcopy(child))
        properties = row.element.find(wtag("trPr"))
        properties = copy.deepcopy(properties) if properties is not None else element.makeelement(wtag("trPr"), {})
        if mark is not None:
            properties.append(self._mark(mark))
        if len(properties):
            element.append(properties)
        saved = self.target
        for index, cell in enumerate(row.cells):
            tc = element.makeelement(wtag("tc"), {})
            cell_properties = cell.element.find(wtag("tcPr"))
            if cell_properties is not None:
                tc.append(copy.deepcopy(cell_properties))
            element.append(tc)
            self.target = tc
            if mark is None and old is not None:
                self.compare(old.cells[index].blocks, cell.blocks)
            else:
                for block in cell.blocks:
                    (self.inserted if mark == "ins" else self.deleted)(block)
            if tc.find(wtag("p")) is None:
                tc.append(tc.makeelement(wtag("p"), {}))
        self.target = saved
        return element


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
    for part in {id(s.footer.part): s.footer for s in document.sections}.values():
        _footer_notice(part)
    return save_docx(document, epoch)


WORKING_NOTICE = "Comparatif – document de travail, sans valeur contractuelle"


def _footer_notice(footer: Any) -> None:
    """Put the working-document notice first in ``footer``, so that every page carries it."""
    element = footer.part.element
    paragraph = element.makeelement(wtag("p"), {})
    properties = paragraph.makeelement(wtag("pPr"), {})
    properties.append(properties.makeelement(wtag("jc"), {wtag("val"): "center"}))
    paragraph.append(properties)
    run = paragraph.makeelement(wtag("r"), {})
    run_properties = run.makeelement(wtag("rPr"), {})
    run_properties.append(run_properties.makeelement(wtag("b"), {}))
    run_properties.append(run_properties.makeelement(wtag("color"), {wtag("val"): "C00000"}))
    run.append(run_properties)
    text = run.makeelement(wtag("t"), {})
    text.text = typography(WORKING_NOTICE)
    run.append(text)
    paragraph.append(run)
    element.insert(0, paragraph)


def comparatif_sections(
    templates_dir: Path, old_context: TemplateContext, new_context: TemplateContext
) -> list[Section]:
    """Return what the comparatif shows: the replaced annex, Article 7, the paragraphs naming the party."""

    articles = new_context["avenant"]["articles"]
    sections: list[Section] = []
    old_convention: list[Block] = []
    new_convention: list[Block] = []
    old_footer: list[Block] = []
    new_footer: list[Block] = []
    if articles["nom"] or articles["duree"]:
        if articles["nom"]:
            new_context = with_current_name(old_context, new_context)
        old_document = render_convention(templates_dir, old_context)
        new_document = render_convention(templates_dir, new_context)
        old_convention, new_convention = docx_blocks(old_document), docx_blocks(new_document)
        old_footer, new_footer = footer_blocks(old_document), footer_blocks(new_document)
    if articles["nom"]:
        matcher = difflib.SequenceMatcher(
            None, [b.text for b in old_convention], [b.text for b in new_convention], autojunk=False
        )
        names = [_plain(old_context["epci"][k]) for k in ("nom", "nom_majuscules", "nom_court")]
        names += [_plain(new_context["epci"][k]) for k in ("nom", "nom_majuscules", "nom_court")]

        def named(block: Block) -> bool:
            text = _plain(block.text)  # the title's last space is unbreakable, a name's hyphens may be too
            return any(name in text for name in names)

        old_part: list[Block] = []
        new_part: list[Block] = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            pairs = min(i2 - i1, j2 - j1)
            for before, after in zip(old_convention[i1 : i1 + pairs], new_convention[j1 : j1 + pairs], strict=True):
                if named(before) or named(after):  # only the passages that carry the name
                    old_part.append(before)
                    new_part.append(after)
            old_part += [b for b in old_convention[i1 + pairs : i2] if named(b)]
            new_part += [b for b in new_convention[j1 + pairs : j2] if named(b)]
        sections.append(
            Section("Dénomination de l’Intercommunalité — passages modifiés", tuple(old_part), tuple(new_part))
        )
        footer = [  # the footer of every page names it too
            (before, after)
            for before, after in zip(old_footer, new_footer, strict=False)
            if before.text != after.text and (named(before) or named(after))
        ]
        if footer:
            sections.append(
                Section(
                    "Pied de page de la convention",
                    tuple(before for before, _ in footer),
                    tuple(after for _, after in footer),
                )
            )
    if articles["duree"]:
        sections.append(
            Section(
                "Article 7 – Durée",
                tuple(article_7_blocks(old_convention)),
                tuple(_replaced_article_7(article_7_blocks(new_convention), new_context["avenant"]["article_7"])),
            )
        )
    if articles["annexe"]:
        sections.append(
            Section(
                f"Annexe « {ANNEX_TITLE} »",
                tuple(docx_items(render_annexe(templates_dir, old_context))),
                tuple(docx_items(render_annexe(templates_dir, new_context))),
            )
        )
    return sections


def _plain(text: str) -> str:
    """Return the text with its non-breaking spaces and hyphens as plain ones, to find a name in it."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2011", "-")


def with_current_name(old_context: TemplateContext, new_context: TemplateContext) -> TemplateContext:
    """Return the new context whose short name is the new name when the short name still says the former one.

    The footer names the intercommunality by its short name: after a change of name, the convention as amended
    (the consolidated version too) names it by its current name unless its short name was changed as well.
    """
    if old_context["epci"]["nom"] == new_context["epci"]["nom"]:
        return new_context
    if old_context["epci"]["nom_court"] != new_context["epci"]["nom_court"]:
        return new_context
    renamed = copy.deepcopy(new_context)
    renamed["epci"]["nom_court"] = renamed["epci"]["nom"]
    return renamed


def _replaced_article_7(blocks: Sequence[Block], replacement: Sequence[str]) -> list[Block]:
    """Return the heading of Article 7 followed by the avenant's replacement paragraphs (when it words them)."""
    if not replacement or len(blocks) < 2:
        return list(blocks)
    model = blocks[1]
    return [blocks[0], *(Block(text, model.properties, model.run_properties) for text in replacement)]


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
    templates_dir: Path, old_context: TemplateContext, new_context: TemplateContext, epoch: dt.datetime
) -> bytes:
    """Return the comparatif of an avenant: the amended parts, signed text → new text, in tracked changes.

    The document is the avenant's (styles, PROJET header, footer) with its body replaced.
    """

    avenant = new_context["avenant"]
    intro = [
        typography(f"Comparatif de l’avenant n° {avenant['numero']} — {new_context['epci']['nom']}"),
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
