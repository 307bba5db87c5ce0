"""Typography set in the rendered DOCX, and the text as it is set (which the checks read).

French non-breaking spaces in the templates' own text, superscript ordinals, unbreakable amounts and names, web
addresses that break only after a slash, titles without a lone last word.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Sequence

from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.french import NBSP, WEB_ADDRESS, spacing
from convgen.documents.ooxml import W, parser, part_bytes

TITLE_STYLES = ("Title", "Subtitle")
TITLE_ONE_LINE = 45
NO_BREAK_HYPHEN = "\u2011"  # how the checks read ``w:noBreakHyphen``
_ORDINAL = re.compile(r"(?<!\w)1(ers?|res?)(?!\w)")
_RPR_AFTER_VERTALIGN = ("rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")


def superscript_ordinals(xml: bytes) -> bytes:
    """Return the story with the "er" of "1er" (and "re", "ers", "res") set in superscript."""
    if not _ORDINAL.search(xml.decode("utf-8", "replace")):
        return xml
    root = etree.fromstring(xml, parser())
    w_r, w_t, w_rpr = f"{{{W}}}r", f"{{{W}}}t", f"{{{W}}}rPr"
    for t in list(root.iter(w_t)):
        run = t.getparent()
        if run is None or run.tag != w_r or not t.text or not _ORDINAL.search(t.text):
            continue
        if [c for c in run if c.tag != w_rpr] != [t]:
            continue  # a run with tabs or breaks: left as it is
        rpr = run.find(w_rpr)
        if rpr is not None and rpr.find(f"{{{W}}}vertAlign") is not None:
            continue
        pieces: list[tuple[str, bool]] = []
        position = 0
        for match in _ORDINAL.finditer(t.text):
            pieces += [(t.text[position : match.start(1)], False), (match.group(1), True)]
            position = match.end(1)
        pieces.append((t.text[position:], False))
        parent = run.getparent()
        if parent is None:
            continue
        index = parent.index(run)
        parent.remove(run)
        for text, superscript in (p for p in pieces if p[0]):
            new = etree.Element(w_r)
            props = copy.deepcopy(rpr) if rpr is not None else None
            if superscript:
                props = props if props is not None else etree.Element(w_rpr)
                _insert_vertalign(props)
            if props is not None:
                new.append(props)
            piece = etree.SubElement(new, w_t)
            piece.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            piece.text = text
            parent.insert(index, new)
            index += 1
    return part_bytes(root)


_SPACES = " \t\u00a0\u202f"
_SEPARATOR = "\n"  # how ``french_spacing`` reads a tab or a line break: never a space to make unbreakable


def french_spacing(xml: bytes) -> bytes:
    """Return the story with the non-breaking spaces of French typography in every paragraph, across its runs.

    The text of a paragraph as it is set (runs, hyperlinks, tracked insertions; deleted text left out) gets
    :func:`convgen.documents.french.spacing`: before « : ; ! ? », inside « », after « n° », in a date, between
    a number and its unit or noun. Only spaces change (or a missing one is added): every run keeps its
    formatting. Every renderer calls it (``render.normalize_docx``): conventions, avenants, comparatifs,
    consolidated versions, a lone annex.
    """
    root = etree.fromstring(xml, parser())
    changed = False
    for p in root.iter(f"{{{W}}}p"):
        pieces = [
            (node, piece if etree.QName(node).localname == "t" else _SEPARATOR * len(piece))
            for node, piece in typeset_pieces(p)
        ]
        text = "".join(piece for _, piece in pieces)
        spaced = spacing(text)
        if spaced == text:
            continue
        edited = _aligned(text, spaced)
        if edited is None:
            continue
        changed = True
        start = 0
        previous: etree._Element | None = None
        for node, piece in pieces:
            end = start + len(piece)
            if etree.QName(node).localname == "t":
                node.text = "".join(edited[start:end]) + (edited[end] if end == len(text) and piece else "")
                node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                previous = node
            elif previous is not None and edited[start] != piece[:1]:
                previous.text = (previous.text or "") + edited[start][:-1]  # a space added before a tab
            start = end
    if not changed:
        return xml
    return part_bytes(root)


def _aligned(text: str, spaced: str) -> list[str] | None:
    """Return, for each character of ``text`` (and one past its end), what it becomes in ``spaced``.

    ``spaced`` differs from ``text`` only by spaces made unbreakable, added or merged; None otherwise.
    """
    out = [*text, ""]
    i = j = 0
    while i < len(text) or j < len(spaced):
        here = text[i] if i < len(text) else None
        there = spaced[j] if j < len(spaced) else None
        if here is not None and here == there:
            i, j = i + 1, j + 1
        elif here is not None and here in _SPACES and there == NBSP:
            out[i] = NBSP
            i, j = i + 1, j + 1
        elif there == NBSP:
            out[i] = NBSP + out[i]
            j += 1
        elif here is not None and here in _SPACES:
            out[i] = ""
            i += 1
        else:
            return None
    return out


@functools.lru_cache(maxsize=64)
def _unbreakable_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """Return what must not break at its hyphens: the proper names given, web and e-mail addresses."""
    alternatives = [re.escape(name) for name in sorted(names, key=len, reverse=True) if "-" in name]
    if not alternatives:
        return WEB_ADDRESS
    named = r"(?<![\w\u2011-])(?:" + "|".join(alternatives) + r")(?![\w\u2011-])"
    return re.compile(named + "|" + WEB_ADDRESS.pattern, re.VERBOSE)


def unbreakable(xml: bytes, names: Sequence[str]) -> bytes:
    """Return the story with unbreakable hyphens in names and addresses, and titles without a lone last word.

    Two words joined by a slash (« bibliothèque/médiathèque ») may break after it (a zero-width space), like
    an address: LibreOffice does not hyphenate them, and would stretch the line before.

    A proper name or an e-mail address gets ``w:noBreakHyphen`` (Word's own non-breaking hyphen). A web
    address keeps its hyphens, each followed by a word joiner (U+2060: no break after it), and gets a
    zero-width space after each « / » (a line may break there): LibreOffice would not break a long address
    anywhere else than in the middle of a word if its hyphens were ``w:noBreakHyphen``. Neither character
    is printed or extracted from the PDF.
    """
    pattern = _unbreakable_pattern(tuple(names))
    root = etree.fromstring(xml, parser())
    changed = False
    for t in list(root.iter(f"{{{W}}}t")):
        text = t.text or ""
        if "-" not in text and "/" not in text:
            continue
        text = WEB_ADDRESS.sub(lambda m: _web_breaks(m.group(0)), text)
        text = _WORDS_SLASH.sub(lambda m: m.group(1) + "/" + ZERO_WIDTH_SPACE, text)  # may break after « / »
        if text != t.text:
            t.text = text
            changed = True
        hyphens = [
            m.start() + i
            for m in pattern.finditer(text)
            if not (WEB_ADDRESS.fullmatch(m.group(0)) and _is_web(m.group(0)))
            for i, c in enumerate(m.group(0))
            if c == "-"
        ]
        if hyphens:
            _split_at_hyphens(t, hyphens)
            changed = True
    for p in root.iter(f"{{{W}}}p"):
        style = p.find(f"{{{W}}}pPr/{{{W}}}pStyle")
        if style is not None and style.get(f"{{{W}}}val") in TITLE_STYLES:
            changed = _join_last_word(p) or changed
    if not changed:
        return xml
    return part_bytes(root)


WORD_JOINER = "\u2060"
ZERO_WIDTH_SPACE = "\u200b"
# Two words joined by one slash (« bibliothèque/médiathèque », « et/ou »): not a path, nor an address.
_WORDS_SLASH = re.compile(r"(?<!\S)([^\s/.]*[^\W\d_]{2})/(?=[^\W\d_]{2}[^\s/]*(?!\S))")


def _is_web(address: str) -> bool:
    """Return True for a web address (not an e-mail address)."""
    return "@" not in address and not address.startswith(("mailto:", "tel:"))


def _web_breaks(address: str) -> str:
    """Return a web address that breaks after its slashes, never at its hyphens (invisible characters)."""
    if not _is_web(address):
        return address
    address = re.sub(rf"-(?!{WORD_JOINER})", "-" + WORD_JOINER, address)
    return re.sub(rf"(?<![:/])/(?![/{ZERO_WIDTH_SPACE}]|$)", "/" + ZERO_WIDTH_SPACE, address)


def joined(tail: str) -> bool:
    """Return True when the end of a title after its last breakable space is several words held together."""
    return bool(re.search(r"\S[\u00a0\u202f]+\S", tail))


def _split_at_hyphens(t: etree._Element, hyphens: list[int]) -> None:
    """Replace the hyphens of ``t`` at the given offsets by ``w:noBreakHyphen`` elements, in the same run."""
    text = t.text or ""
    pieces, start = [], 0
    for offset in hyphens:
        pieces.append(text[start:offset])
        start = offset + 1
    pieces.append(text[start:])
    anchor = t
    first = True
    for index, piece in enumerate(pieces):
        if index:
            hyphen = etree.Element(f"{{{W}}}noBreakHyphen")
            anchor.addnext(hyphen)
            anchor = hyphen
        if first:
            t.text = piece
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            first = False
            continue
        if piece:
            element = etree.Element(f"{{{W}}}t")
            element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            element.text = piece
            anchor.addnext(element)
            anchor = element


def last_word_alone(text: str) -> bool:
    """Tell whether a title's last word could end up alone on its last line (the rule of the render and the check)."""
    words = text.strip()
    return len(words) > TITLE_ONE_LINE and " " in words and not joined(words[words.rfind(" ") + 1 :])


def typeset_pieces(p: etree._Element) -> list[tuple[etree._Element, str]]:
    """Return a paragraph's pieces as they are set: each ``w:t`` with its text, ``w:noBreakHyphen`` as U+2011,
    ``w:tab`` and ``w:br`` as a space; deleted text and paragraphs nested in this one (text boxes) left out."""
    pieces: list[tuple[etree._Element, str]] = []
    for node in p.iter(f"{{{W}}}t", f"{{{W}}}noBreakHyphen", f"{{{W}}}tab", f"{{{W}}}br"):
        if inside(node, p, (f"{{{W}}}del", f"{{{W}}}p")):
            continue
        piece = {"t": node.text or "", "noBreakHyphen": NO_BREAK_HYPHEN}.get(etree.QName(node).localname, " ")
        pieces.append((node, piece))
    return pieces


def typeset_text(p: etree._Element) -> tuple[str, list[str]]:
    """Return a paragraph's text as it is set (``w:noBreakHyphen`` as U+2011) and the texts of its hyperlinks."""
    texts: list[str] = []
    links: dict[int, list[str]] = {}
    for node, piece in typeset_pieces(p):
        piece = piece.replace("-" + WORD_JOINER, NO_BREAK_HYPHEN).replace(ZERO_WIDTH_SPACE, "")
        texts.append(piece)
        link = ancestor(node, p, f"{{{W}}}hyperlink")
        if link is not None:
            links.setdefault(id(link), []).append(piece)
    return "".join(texts), ["".join(parts).replace(NO_BREAK_HYPHEN, "-") for parts in links.values()]


def inside(node: etree._Element, stop: etree._Element, tags: tuple[str, ...]) -> bool:
    """Return True when ``node`` lies inside one of ``tags`` below ``stop``."""
    return any(ancestor(node, stop, tag) is not None for tag in tags)


def ancestor(node: etree._Element, stop: etree._Element, tag: str) -> etree._Element | None:
    """Return the nearest ancestor of ``node`` with ``tag`` below ``stop``, or None."""
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return parent
        parent = parent.getparent()
    return None


def _join_last_word(p: etree._Element) -> bool:
    """Make the last space of a title non-breaking, so that its last word never ends it alone (``last_word_alone``)."""
    if not last_word_alone(typeset_text(p)[0]):  # the very text the check reads
        return False  # one line, one word, or a last group already unbreakable (« DÉPARTEMENT DE LA SARTHE »)
    pieces = typeset_pieces(p)
    position = "".join(piece for _, piece in pieces).rstrip().rfind(" ")
    for node, piece in pieces:
        if position < len(piece):
            if etree.QName(node).localname != "t":
                return False  # a tab or a line break: nothing to join there
            text = node.text or ""
            node.text = text[:position] + NBSP + text[position + 1 :]
            return True
        position -= len(piece)
    return False


def _insert_vertalign(rpr: etree._Element) -> None:
    """Add ``<w:vertAlign w:val="superscript"/>`` at its place in the schema order of ``w:rPr``."""
    element = etree.Element(f"{{{W}}}vertAlign")
    element.set(f"{{{W}}}val", "superscript")
    for child in rpr:
        if etree.QName(child).localname in _RPR_AFTER_VERTALIGN:
            child.addprevious(element)
            return
    rpr.append(element)
