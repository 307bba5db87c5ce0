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
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import StrictUndefined, nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.docxtext import W, read_parts
from convgen.documents.epoch import as_utc
from convgen.documents.french import NBSP, UNITS, WEB_ADDRESS
from convgen.documents.toc import drop_leftovers
from convgen.errors import RenderError, TemplateError

CONVENTION = "convention.docx"
ANNEXE = "annexe.docx"
ANNEXE_FIELD = "annexe"
"""Name under which the rendered annex is inserted into the convention (``{{p annexe }}``)."""

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
"""The fields each template must print somewhere (``lint_templates`` reports the missing ones)."""

SUBDOCUMENTS: dict[str, tuple[str, ...]] = {CONVENTION: (ANNEXE_FIELD,)}
"""Extra names a template may use: the rendered sub-documents inserted into it."""

_FIXED_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
_ZIP_FIRST = ("[Content_Types].xml", "_rels/.rels")
_CORE = "docProps/core.xml"
_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "w": W,
}
_STORY = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_TITLE_STYLES = ("Title", "Subtitle")
TITLE_ONE_LINE = 45
"""A title of at most this many characters fits on one line (15 pt bold over 16 cm holds about 50)."""
DO_NOT_SIGN = "PROJET – NE PAS SIGNER"
"""What a draft says above its signature block."""
_NO_BREAK_HYPHEN = "\u2011"  # how the checks read ``w:noBreakHyphen``
_ORDINAL = re.compile(r"(?<!\w)1(ers?|res?)(?!\w)")
_RPR_AFTER_VERTALIGN = ("rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)

# What a finished document must not contain (outside data values that hold it themselves).
_FORBIDDEN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bNone\b"), "« None » imprimé à la place d’une valeur"),
    (re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}"), "balise de modèle non remplacée"),
    (re.compile(r"Président\s*[-(·.]\s*e\b", re.IGNORECASE), "accord non fait (« Président-e »)"),
    (re.compile(r"\b(?:Le|La)\s*[-/]\s*(?:La|Le)\b"), "accord non fait (« Le-La »)"),
)
FILL_IN = re.compile(r"\.{4,}|…[.…]+|\.…|_{4,}")
"""A blank to fill in by hand: four dots or more, two ellipses or more, four underscores or more."""
_SIGNING_DATE = re.compile(r"^\s*Fait\b.{0,80},\s*le\s*(?:[.…_]\s*)+$")
_HANDWRITTEN = re.compile(r"\bFait en \w+ exemplaires\b|^\s*Fait\b.{0,80},\s*le\b")
_ELECTRONIC = re.compile(r"\bsigné(?:e|s|es)? électroniquement\b")
_DELIBERATION_BLANK = re.compile(r"délibération\b[^.…_]{0,100}?\ben\s+date\s+du\s*(?:[.…_]\s*){2,}")


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
            values["figures"] = _figures(tpl, template.parent, context["figures"])
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


FIGURE_BOX_EMU = (5_760_000, 3_960_000)
"""The largest a figure is printed: 16 cm wide (the text width), 11 cm high; its proportions are kept."""


def _figures(tpl: Any, templates_dir: Path, figures: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Return the figures of the context with ``image`` made a picture for each figure present."""
    result: dict[str, Any] = {}
    for name, figure in figures.items():
        if figure.get("present"):
            path = templates_dir / str(figure["image"])
            image = _figure_class()(tpl, path, str(figure["texte_alternatif"]), Path(str(figure["fichier"])).name)
            result[name] = {**figure, "image": image}
        else:
            result[name] = dict(figure)
    return result


def figure_size(path: Path) -> tuple[int, int]:
    """Return the printed width and height of a figure in EMU: as large as ``FIGURE_BOX_EMU`` allows."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            pixels_wide, pixels_high = image.size
    except OSError as exc:
        raise RenderError(f"figure illisible : {path.name} ({exc})") from exc
    scale = min(FIGURE_BOX_EMU[0] / pixels_wide, FIGURE_BOX_EMU[1] / pixels_high)
    return round(pixels_wide * scale), round(pixels_high * scale)


@functools.cache
def _figure_class() -> type[Any]:
    """Return docxtpl's InlineImage with an alternative text (``descr`` of ``wp:docPr``) and a name."""
    from docx.shared import Emu
    from docxtpl import InlineImage

    class Figure(InlineImage):  # type: ignore[misc]
        def __init__(self, tpl: Any, path: Path, description: str, label: str) -> None:
            width, height = figure_size(path)
            super().__init__(tpl, str(path), width=Emu(width), height=Emu(height))
            self.description, self.label = description, label

        def _insert_image(self) -> str:
            inline = self.tpl.current_rendering_part.new_pic_inline(self.image_descriptor, self.width, self.height)
            for element in (inline.docPr, *inline.xpath(".//pic:cNvPr")):
                element.set("name", self.label)
                element.set("descr", self.description)
            return f'</w:t></w:r><w:r><w:drawing>{inline.xml}</w:drawing></w:r><w:r><w:t xml:space="preserve">'

    return Figure


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
    if _CORE in entries:
        entries[_CORE] = _fix_core(entries[_CORE], when, draft=draft)
    for entry, blob in entries.items():
        if _STORY.match(entry):
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

    root = etree.fromstring(xml, _PARSER)
    if draft:
        title = root.find("dc:title", _NS)
        if title is None:
            title = etree.SubElement(root, f"{{{_NS['dc']}}}title")
        if not (title.text or "").startswith(DRAFT_TITLE_PREFIX):
            title.text = DRAFT_TITLE_PREFIX + (title.text or "")
    text = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    for tag in ("created", "modified"):
        element = root.find(f"dcterms:{tag}", _NS)
        if element is None:
            element = etree.SubElement(root, f"{{{_NS['dcterms']}}}{tag}")
        element.set(f"{{{_NS['xsi']}}}type", "dcterms:W3CDTF")
        element.text = text
    for element in root.findall("cp:lastPrinted", _NS):
        root.remove(element)
    revision = root.find("cp:revision", _NS)
    if revision is not None:
        revision.text = "1"
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _superscript_ordinals(xml: bytes) -> bytes:
    """Return the story with the "er" of "1er" (and "re", "ers", "res") set in superscript."""
    if not _ORDINAL.search(xml.decode("utf-8", "replace")):
        return xml
    root = etree.fromstring(xml, _PARSER)
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
    root = etree.fromstring(xml, _PARSER)
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
        if style is not None and style.get(f"{{{W}}}val") in _TITLE_STYLES:
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


def _joined(tail: str) -> bool:
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


def _join_last_word(p: etree._Element) -> bool:
    """Make the last space of a paragraph non-breaking, so that its last word never ends it alone."""
    texts = [t for t in p.iter(f"{{{W}}}t") if t.text]
    full = "".join(t.text or "" for t in texts).rstrip()
    position = full.rfind(" ")
    if len(full) <= TITLE_ONE_LINE or position < 0 or not full[:position].strip() or _joined(full[position + 1 :]):
        return False  # one line, one word, or a last group already unbreakable (« DÉPARTEMENT DE LA SARTHE »)
    for t in texts:
        length = len(t.text or "")
        if position < length:
            text = t.text or ""
            t.text = text[:position] + NBSP + text[position + 1 :]
            return True
        position -= length
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


# ---------------------------------------------------------------------------------------------- check
def check_rendered(docx: bytes, *, allow_fill_in: bool, context: Mapping[str, Any] | None = None) -> list[str]:
    """Return the problems of a rendered document, in French; an empty list when it is fit to print.

    Looks for "None", a template tag left over, "Président-e", "Le-La", and blanks to fill in by hand
    ("……", "....."). The signing date ("Fait au Mans, le ……") is a blank of an act signed by hand; the
    deliberation date of the intercommunality may be one only when ``allow_fill_in`` (a draft). With a
    ``context`` that says how the act is signed (``signature.electronique``), a closing formula of the other
    mode is a problem (« Fait en deux exemplaires », « Fait au Mans, le » in an act signed electronically).
    Text that comes from the data (``context``) is not held against the template: a name ``{{ 7*7 }}`` is
    legitimate.
    """
    problems: list[str] = []
    try:
        parts = read_parts(docx)
        _check_xml(docx)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        return [f"document illisible : {exc}"]
    masks = _data_masks(context)
    electronic = _electronic(context)
    for part in parts:
        for number, raw in enumerate(part.paragraphs, start=1):
            text = _mask(raw, masks)
            where = f"{part.label}, paragraphe {number}"
            for pattern, message in _FORBIDDEN:
                if pattern.search(text):
                    problems.append(f"{message} ({where}) : « {_excerpt(raw, pattern)} »")
            if FILL_IN.search(text) and not (electronic and _SIGNING_DATE.match(text)):
                problem = _fill_in_problem(text, allow_fill_in)
                if problem:
                    problems.append(f"{problem} ({where}) : « {_excerpt(raw, FILL_IN)} »")
            problems += [
                f"{message} ({where}) : « {_excerpt(raw, pattern)} »"
                for pattern, message in _signature_problems(text, electronic)
            ]
    if context is not None:
        problems += _draft_problems(docx, parts, context)
    problems += typography_problems(docx, context)
    return problems


_BREAKABLE_AMOUNT = re.compile(
    rf"\d[ \t]+{UNITS}|\b(?:millions?|milliards?)[ \t]+€|(?<![\d,.])\d{{1,3}}[ \t]\d{{3}}(?![\d,])"
)


def typography_problems(docx: bytes, context: Mapping[str, Any] | None = None) -> list[str]:
    """Return where a line could break where it must not, in French.

    A space that can break in an amount or before its unit (« 3,9 millions € », « 30 000 € », « 45 % »,
    « 3 ans »); a hyphen that can break in a proper name of the ``context`` (« Sablé-sur-Sarthe ») or in a
    web or e-mail address; a web address that is not a hyperlink; a title whose last word could stand alone
    on its line.
    """
    from convgen.documents.context import proper_names

    names = [n for n in (proper_names(context) if context is not None else []) if "-" in n]
    spelled = ["[-\u2011]".join(map(re.escape, name.split("-"))) for name in names]  # hyphens of either kind
    named = re.compile(r"(?<![\w\u2011-])(?:" + "|".join(spelled) + r")(?![\w\u2011-])") if names else None
    problems: list[str] = []
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        stories = sorted(n for n in archive.namelist() if _STORY.match(n))
        roots = [(name, etree.fromstring(archive.read(name), _PARSER)) for name in stories]
    for name, root in roots:
        label = "corps" if name == "word/document.xml" else Path(name).stem
        for number, p in enumerate(root.iter(f"{{{W}}}p"), start=1):
            text, linked = _typeset_text(p)
            where = f"{label}, paragraphe {number}"
            for match in _BREAKABLE_AMOUNT.finditer(text):
                problems.append(f"espace sécable dans un nombre ou devant son unité ({where}) : « {match.group(0)} »")
            for match in named.finditer(text) if named is not None else ():
                if "-" in match.group(0):
                    name = match.group(0).replace(_NO_BREAK_HYPHEN, "-")
                    problems.append(f"trait d’union sécable dans un nom propre ({where}) : « {name} »")
            for match in WEB_ADDRESS.finditer(text.replace(_NO_BREAK_HYPHEN, "-")):
                address = match.group(0)
                if "-" in text[match.start() : match.end()]:
                    problems.append(f"trait d’union sécable dans une adresse ({where}) : « {address} »")
                if "@" not in address and not any(address in link for link in linked):
                    problems.append(f"adresse web sans lien hypertexte ({where}) : « {address} »")
            style = p.find(f"{{{W}}}pPr/{{{W}}}pStyle")
            if style is not None and style.get(f"{{{W}}}val") in _TITLE_STYLES:
                words = text.strip()
                if len(words) > TITLE_ONE_LINE and " " in words and not _joined(words[words.rfind(" ") + 1 :]):
                    problems.append(f"titre dont le dernier mot peut rester seul sur sa ligne ({where}) : « {words} »")
    return problems


def _typeset_text(p: etree._Element) -> tuple[str, list[str]]:
    """Return a paragraph's text as it is set (``w:noBreakHyphen`` as U+2011) and the texts of its hyperlinks."""
    pieces: list[str] = []
    links: dict[int, list[str]] = {}
    for node in p.iter(f"{{{W}}}t", f"{{{W}}}noBreakHyphen", f"{{{W}}}tab", f"{{{W}}}br"):
        if _inside(node, p, (f"{{{W}}}del", f"{{{W}}}p")):
            continue  # deleted text, or a paragraph nested in this one (a text box)
        piece = {"t": node.text or "", "noBreakHyphen": _NO_BREAK_HYPHEN}.get(etree.QName(node).localname, " ")
        piece = piece.replace("-" + WORD_JOINER, _NO_BREAK_HYPHEN).replace(ZERO_WIDTH_SPACE, "")
        pieces.append(piece)
        link = _ancestor(node, p, f"{{{W}}}hyperlink")
        if link is not None:
            links.setdefault(id(link), []).append(piece)
    return "".join(pieces), ["".join(parts).replace(_NO_BREAK_HYPHEN, "-") for parts in links.values()]


def _inside(node: etree._Element, stop: etree._Element, tags: tuple[str, ...]) -> bool:
    """Return True when ``node`` lies inside one of ``tags`` below ``stop``."""
    return any(_ancestor(node, stop, tag) is not None for tag in tags)


def _ancestor(node: etree._Element, stop: etree._Element, tag: str) -> etree._Element | None:
    """Return the nearest ancestor of ``node`` with ``tag`` below ``stop``, or None."""
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == tag:
            return parent
        parent = parent.getparent()
    return None


def _draft_problems(docx: bytes, parts: list[Any], context: Mapping[str, Any]) -> list[str]:
    """Return what keeps a draft from being unmistakable: its header, its title, names to sign under."""
    from convgen.documents.context import DRAFT_TITLE_PREFIX, is_draft

    if not is_draft(context):
        return []
    problems = []
    headers = [text for part in parts if part.label == "en-tête" for text in part.paragraphs]
    if not any(re.search(r"\bPROJET\b", text) for text in headers):
        problems.append("projet sans la mention PROJET en en-tête")
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        core = etree.fromstring(archive.read(_CORE), _PARSER) if _CORE in archive.namelist() else None
    title = str(core.findtext("dc:title", default="", namespaces=_NS)) if core is not None else ""
    if not title.startswith(DRAFT_TITLE_PREFIX):
        problems.append(
            f"projet dont le titre (propriétés du document) ne commence pas par « {DRAFT_TITLE_PREFIX}» : « {title} »"
        )
    names = [
        str(party["president"]["signature"])
        for party in (context.get("epci"), context.get("departement"))
        if isinstance(party, Mapping) and isinstance(party.get("president"), Mapping)
    ]
    body = [text for part in parts if part.label == "corps" for text in part.paragraphs]
    signing = any(cell.endswith(f" / {name}") for text in body for cell in text.split("\t") for name in names)
    if signing and DO_NOT_SIGN not in body:
        problems.append(f"bloc de signature d’un projet sans la mention « {DO_NOT_SIGN} »")
    return problems


def _electronic(context: Mapping[str, Any] | None) -> bool | None:
    """Return True when the context says the act is signed electronically, False by hand, None when unknown."""
    signature = context.get("signature") if context is not None else None
    return bool(signature.get("electronique")) if isinstance(signature, Mapping) else None


def _signature_problems(text: str, electronic: bool | None) -> list[tuple[re.Pattern[str], str]]:
    """Return the closing formulas of a paragraph that do not suit the act's signature mode."""
    if electronic is True and _HANDWRITTEN.search(text):
        return [(_HANDWRITTEN, "formule de signature manuscrite dans un acte signé électroniquement")]
    if electronic is False and _ELECTRONIC.search(text):
        return [(_ELECTRONIC, "formule de signature électronique dans un acte signé à la main")]
    return []


def _check_xml(docx: bytes) -> None:
    """Raise XMLSyntaxError when an XML part of the package does not parse."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(archive.read(name), _PARSER)


def _fill_in_problem(text: str, allow_fill_in: bool) -> str:
    """Return why a blank is not allowed in this paragraph, or "" when it is."""
    if _SIGNING_DATE.match(text):
        return ""
    if _DELIBERATION_BLANK.search(text):
        return "" if allow_fill_in else "blanc à compléter alors que la date de délibération est connue"
    return "blanc à compléter inattendu"


def _data_masks(context: Mapping[str, Any] | None) -> list[str]:
    """Return the data values that would trip a check by themselves, longest first."""
    if context is None:
        return []
    values = set(_strings(context))
    suspicious = [v for v in values if any(p.search(v) for p, _ in _FORBIDDEN) or FILL_IN.search(v)]
    return sorted(suspicious, key=len, reverse=True)


def _strings(value: object) -> Iterator[str]:
    """Yield every string of a context."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _mask(text: str, masks: list[str]) -> str:
    """Return the text with the given data values blanked out (a space of a value may have become unbreakable)."""
    for value in masks:
        pattern = "[ \u00a0\u202f]".join(re.escape(part) for part in re.split(r"[ \u00a0\u202f]", value))
        text = re.sub(pattern, " ", text)
    return text


def _excerpt(text: str, pattern: re.Pattern[str], width: int = 40) -> str:
    """Return the text around the first match of ``pattern``."""
    match = pattern.search(text)
    start = max(0, match.start() - width) if match else 0
    end = min(len(text), (match.end() if match else 0) + width)
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
