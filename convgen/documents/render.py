"""Render the DOCX templates (docxtpl) into deterministic DOCX bytes; check the result; lint the templates.

- Jinja runs sandboxed, with ``StrictUndefined`` and autoescape: a missing field is an error naming the
  template, a ``None`` is never printed, and ``& < > " '`` are escaped once for the XML.
- Data is never evaluated as a template: a value ``{{ 7*7 }}`` is printed as it is.
- The DOCX is re-zipped with fixed timestamps, a stable entry order and fixed core.xml dates, so two
  renders of the same context are byte-identical.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import re
import warnings
import zipfile
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import StrictUndefined, nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.docxtext import W
from convgen.documents.epoch import as_utc
from convgen.documents.figures import inline_figures
from convgen.documents.french import NBSP, WEB_ADDRESS
from convgen.documents.toc import drop_leftovers
from convgen.errors import RenderError, TemplateError

"""Name under which the rendered annex is inserted into the convention (``{{p annexe }}``)."""

"""The fields each template must print somewhere (``lint_templates`` reports the missing ones)."""

"""Extra names a template may use: the rendered sub-documents inserted into it."""

"""A title of at most this many characters fits on one line (15 pt bold over 16 cm holds about 50)."""
"""What a draft says above its signature block."""
"""A blank to fill in by hand: four dots or more, two ellipses or more, four underscores or more."""
"""The largest a figure is printed: 16 cm wide (the text width), 11 cm high; its proportions are kept."""


CONVENTION = "convention.docx"
ANNEXE = "annexe.docx"
ANNEXE_FIELD = "annexe"
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    CONVENTION: (
        "projet",
        "departement.nom",
        "departement.nom_majuscules",
        "departement.deliberation",
        "departement.lieu_signature_prepose",
        "departement.president.le_titre",
        "departement.president.Le_titre",
        "departement.president.nom_complet",
        "departement.president.signature",
        "programme.debut",
        "programme.fin",
        "programme.duree",
        "programme.convention_etat",
        "programme.convention_etat_coordinateur",
        "epci.nom",
        "epci.nom_majuscules",
        "epci.nom_court",
        "epci.siren",
        "epci.siege",
        "epci.deliberation",
        "epci.president.son_titre",
        "epci.president.nom_complet",
        "epci.president.Le_titre",
        "epci.president.signature",
        "figures.nuage.image",
        "figures.carte.image",
        "signature.electronique",
        ANNEXE_FIELD,
    ),
    ANNEXE: (
        "projet",
        "epci.nom",
        "epci.nom_court",
        "epci.ressources.materiels",
        "epci.ressources.communication",
        *(
            f"{party}.{role}.{attr}"
            for party in ("epci", "departement")
            for role in ("referent", "suppleant")
            for attr in (f"{role}_titre", "nom_complet", "fonction", "courriel", "telephone")
        ),
    ),
}
SUBDOCUMENTS: dict[str, tuple[str, ...]] = {CONVENTION: (ANNEXE_FIELD,)}
_FIXED_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
_ZIP_FIRST = ("[Content_Types].xml", "_rels/.rels")
CORE = "docProps/core.xml"
NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "w": W,
}
STORY = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
TITLE_STYLES = ("Title", "Subtitle")
TITLE_ONE_LINE = 45
DO_NOT_SIGN = "PROJET – NE PAS SIGNER"
NO_BREAK_HYPHEN = "\u2011"  # how the checks read ``w:noBreakHyphen``
_ORDINAL = re.compile(r"(?<!\w)1(ers?|res?)(?!\w)")
_RPR_AFTER_VERTALIGN = ("rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)

# What a finished document must not contain (outside data values that hold it themselves).
FORBIDDEN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bNone\b"), "« None » imprimé à la place d’une valeur"),
    (re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}"), "balise de modèle non remplacée"),
    (re.compile(r"Président\s*[-(·.]\s*e\b", re.IGNORECASE), "accord non fait (« Président-e »)"),
    (re.compile(r"\b(?:Le|La)\s*[-/]\s*(?:La|Le)\b"), "accord non fait (« Le-La »)"),
)


# ---------------------------------------------------------------------------------------------- render
class _CachingEnvironment(SandboxedEnvironment):
    """A sandboxed environment that compiles each template source once (every intercommunality shares them)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(
        self,
        source: str | nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[jinja2.Template] | None = None,
    ) -> jinja2.Template:
        """Return the compiled template of ``source``, from the cache when it was compiled before."""
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.get(source)
        if compiled is None:
            if len(self._compiled) > 64:
                self._compiled.clear()
            compiled = self._compiled[source] = super().from_string(source)
        return compiled


@functools.lru_cache(maxsize=16)
def make_environment(template_name: str) -> SandboxedEnvironment:
    """Return the Jinja environment of one template: sandboxed, strict, autoescaped, refusing None."""

    def finalize(value: object) -> object:
        if value is None:
            raise RenderError(f"{template_name} : une valeur absente (None) serait imprimée dans le document")
        return value

    return _CachingEnvironment(autoescape=True, undefined=StrictUndefined, finalize=finalize)


@functools.lru_cache(maxsize=64)
def _patched_xml(source: str) -> str:
    """Return docxtpl's clean-up of a part's XML (a pure function of the XML: cached across documents)."""
    from docxtpl import DocxTemplate

    return str(DocxTemplate.patch_xml(None, source))  # ``self`` is not used by docxtpl


@functools.cache
def _template_class() -> type[Any]:
    """Return docxtpl's DocxTemplate with the XML clean-up cached."""
    from docxtpl import DocxTemplate

    class CachedDocxTemplate(DocxTemplate):  # type: ignore[misc]
        def patch_xml(self, src_xml: str) -> str:
            return _patched_xml(src_xml)

    return CachedDocxTemplate


def render_document(
    template: Path,
    context: Mapping[str, Any],
    *,
    subdocs: Mapping[str, bytes] | None = None,
    epoch: dt.datetime | None = None,
) -> bytes:
    """Return the DOCX bytes of ``template`` rendered with ``context``; the same inputs give the same bytes.

    ``subdocs`` maps a name to rendered DOCX bytes inserted where the template has ``{{p name }}``.
    ``epoch`` dates the document (core.xml, zip entries); default ``SOURCE_DATE_EPOCH`` or 1980-01-01.
    """
    name = template_label(template)
    missing = _none_path(context)
    if missing:
        raise RenderError(f"{name} : valeur absente (None) dans le contexte : {missing}")
    try:
        tpl = _template_class()(io.BytesIO(template.read_bytes()))
        tpl.init_docx()
        values: dict[str, Any] = dict(context)
        for key, blob in (subdocs or {}).items():
            values[key] = tpl.new_subdoc(io.BytesIO(blob))
        if isinstance(context.get("figures"), Mapping):
            values["figures"] = inline_figures(tpl, template.parent, context["figures"])
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise TemplateError(f"{name} : modèle illisible ({exc})") from exc
    try:
        tpl.render(values, jinja_env=make_environment(name))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{name} : erreur de syntaxe dans une balise ({exc.message})") from exc
    except jinja2.UndefinedError as exc:
        raise RenderError(f"{name} : champ absent du contexte ({exc.message})") from exc
    except jinja2.TemplateError as exc:
        raise RenderError(f"{name} : rendu impossible ({exc.message})") from exc
    from convgen.documents.context import is_draft, proper_names

    out = io.BytesIO()
    with warnings.catch_warnings():
        # A template re-saved by LibreOffice makes python-docx write core.xml twice (dropped below).
        warnings.filterwarnings("ignore", message="Duplicate name", category=UserWarning)
        tpl.save(out)
    return normalize_docx(out.getvalue(), epoch=epoch, draft=is_draft(context), names=proper_names(context))


def render_annexe(templates_dir: Path, context: Mapping[str, Any], *, epoch: dt.datetime | None = None) -> bytes:
    """Return the DOCX of the annex (resources lent and referents), on its own: an avenant can replace it."""
    return render_document(templates_dir / ANNEXE, context, epoch=epoch)


def render_convention(templates_dir: Path, context: Mapping[str, Any], *, epoch: dt.datetime | None = None) -> bytes:
    """Return the DOCX of the convention, the annex rendered with the same context and inserted in it.

    The figures are checked first (``with_figures_checked``): a convention whose figure is missing is a draft.
    """
    from convgen.documents.context import with_figures_checked

    context = with_figures_checked(context, templates_dir)
    annexe = render_annexe(templates_dir, context, epoch=epoch)
    return render_document(templates_dir / CONVENTION, context, subdocs={ANNEXE_FIELD: annexe}, epoch=epoch)


def template_label(template: Path) -> str:
    """Return how messages name a template: ``templates/convention.docx``."""
    return f"{template.parent.name}/{template.name}" if template.parent.name else template.name


def source_date(epoch: dt.datetime | None = None) -> dt.datetime:
    """Return the date stamped in the DOCX: :func:`as_utc` of ``epoch``, never before 1980 (zip dates)."""
    return max(as_utc(epoch), _FIXED_EPOCH)


def normalize_docx(
    data: bytes, *, epoch: dt.datetime | None = None, draft: bool = False, names: Sequence[str] = ()
) -> bytes:
    """Return the DOCX re-zipped deterministically: fixed dates, stable order, one entry per name.

    Also sets core.xml's dates and revision (and, for a ``draft``, a title beginning with « PROJET – »),
    drops the parts no document needs (thumbnail, ``stylesWithEffects.xml``, bibliography, ``w:updateFields``:
    see :mod:`convgen.documents.toc`), raises "1er" ordinals in superscript, and sets the typography no template can: the hyphens of the
    proper ``names`` and of web and e-mail addresses never break a line (``w:noBreakHyphen``), and the last
    word of a title never stands alone on its line.
    """
    when = source_date(epoch)
    stamp = when.timetuple()[:6]
    entries: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        for info in src.infolist():
            if info.is_dir():
                continue
            # A template re-saved by LibreOffice names core.xml with a relationship type python-docx
            # does not know; python-docx may then write a second core.xml. The first one is the
            # document's own: later duplicates are dropped.
            if info.filename not in entries:
                entries[info.filename] = src.read(info)
    drop_leftovers(entries)
    if CORE in entries:
        entries[CORE] = _fix_core(entries[CORE], when, draft=draft)
    for entry, blob in entries.items():
        if STORY.match(entry):
            entries[entry] = _unbreakable(_superscript_ordinals(blob), names)
    order = [n for n in _ZIP_FIRST if n in entries] + sorted(n for n in entries if n not in _ZIP_FIRST)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for entry in order:
            info = zipfile.ZipInfo(entry, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o644 << 16
            dst.writestr(info, entries[entry], compresslevel=6)
    return out.getvalue()


def _fix_core(xml: bytes, when: dt.datetime, *, draft: bool = False) -> bytes:
    """Return core.xml with fixed creation and modification dates, revision 1, no print date.

    A draft's title begins with « PROJET – ».
    """
    from convgen.documents.context import DRAFT_TITLE_PREFIX

    root = etree.fromstring(xml, PARSER)
    if draft:
        title = root.find("dc:title", NS)
        if title is None:
            title = etree.SubElement(root, f"{{{NS['dc']}}}title")
        if not (title.text or "").startswith(DRAFT_TITLE_PREFIX):
            title.text = DRAFT_TITLE_PREFIX + (title.text or "")
    text = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    for tag in ("created", "modified"):
        element = root.find(f"dcterms:{tag}", NS)
        if element is None:
            element = etree.SubElement(root, f"{{{NS['dcterms']}}}{tag}")
        element.set(f"{{{NS['xsi']}}}type", "dcterms:W3CDTF")
        element.text = text
    for element in root.findall("cp:lastPrinted", NS):
        root.remove(element)
    revision = root.find("cp:revision", NS)
    if revision is not None:
        revision.text = "1"
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _superscript_ordinals(xml: bytes) -> bytes:
    """Return the story with the "er" of "1er" (and "re", "ers", "res") set in superscript."""
    if not _ORDINAL.search(xml.decode("utf-8", "replace")):
        return xml
    root = etree.fromstring(xml, PARSER)
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
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


@functools.lru_cache(maxsize=64)
def _unbreakable_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """Return what must not break at its hyphens: the proper names given, web and e-mail addresses."""
    alternatives = [re.escape(name) for name in sorted(names, key=len, reverse=True) if "-" in name]
    if not alternatives:
        return WEB_ADDRESS
    named = r"(?<![\w\u2011-])(?:" + "|".join(alternatives) + r")(?![\w\u2011-])"
    return re.compile(named + "|" + WEB_ADDRESS.pattern, re.VERBOSE)


def _unbreakable(xml: bytes, names: Sequence[str]) -> bytes:
    """Return the story with unbreakable hyphens in names and addresses, and titles without a lone last word.

    A proper name or an e-mail address gets ``w:noBreakHyphen`` (Word's own non-breaking hyphen). A web
    address keeps its hyphens, each followed by a word joiner (U+2060: no break after it), and gets a
    zero-width space after each « / » (a line may break there): LibreOffice would not break a long address
    anywhere else than in the middle of a word if its hyphens were ``w:noBreakHyphen``. Neither character
    is printed or extracted from the PDF.
    """
    pattern = _unbreakable_pattern(tuple(names))
    root = etree.fromstring(xml, PARSER)
    changed = False
    for t in list(root.iter(f"{{{W}}}t")):
        text = t.text or ""
        if "-" not in text and "/" not in text:
            continue
        text = WEB_ADDRESS.sub(lambda m: _web_breaks(m.group(0)), text)
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
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


WORD_JOINER = "\u2060"
ZERO_WIDTH_SPACE = "\u200b"


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


def _none_path(value: object, path: str = "") -> str:
    """Return the dotted path of the first None in the context, or ""."""
    if value is None:
        return path or "(contexte)"
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = _none_path(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _none_path(item, f"{path}[{index}]")
            if found:
                return found
    return ""
