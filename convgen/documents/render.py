"""Render the DOCX templates (docxtpl) into deterministic DOCX bytes; check the result; lint the templates.

- Jinja runs sandboxed, with ``StrictUndefined`` and autoescape: a missing field is an error naming the
  template, a ``None`` is never printed, and ``& < > " '`` are escaped once for the XML.
- Data is never evaluated as a template: a value ``{{ 7*7 }}`` is printed as it is.
- The DOCX is re-zipped with fixed timestamps, a stable entry order and fixed core.xml dates, so two
  renders of the same context are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import warnings
import zipfile
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any, Final

import jinja2
from jinja2 import StrictUndefined, nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.compose import composed_template
from convgen.documents.epoch import as_utc
from convgen.documents.figures import inline_figures
from convgen.documents.ooxml import W, parser, part_bytes
from convgen.documents.parts import drop_leftovers
from convgen.documents.typeset import french_spacing, superscript_ordinals, unbreakable
from convgen.errors import RenderError, TemplateError

CONVENTION = "convention.docx"
ANNEXE = "annexe.docx"
UPDATE = "mise-a-jour-annexe.docx"  # the update of annex 3 (article 4.2), ``acts/annex_update.py``
ANNEXE_FIELD: Final = "annexe"
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
        "programme.periode_titre",
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
    UPDATE: (
        "projet",
        "mise_a_jour.numero",
        "mise_a_jour.objet",
        "mise_a_jour.convention_signee_le",
        "epci.president.Le_titre",
        "epci.president.signature",
        "signature.electronique",
        ANNEXE_FIELD,
    ),
}
SUBDOCUMENTS: dict[str, tuple[str, ...]] = {CONVENTION: (ANNEXE_FIELD,), UPDATE: (ANNEXE_FIELD,)}
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
DO_NOT_SIGN = "PROJET – NE PAS SIGNER"

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
    annexe: Path | None = None,
    epoch: dt.datetime | None = None,
) -> bytes:
    """Return the DOCX bytes of ``template`` rendered with ``context``; the same inputs give the same bytes.

    ``annexe``, when given, is the annex's template, composed where the template has ``{{p annexe }}``
    (:mod:`convgen.documents.compose`) and rendered with the same context.
    ``epoch`` dates the document (core.xml, zip entries); default ``SOURCE_DATE_EPOCH`` or 1980-01-01.
    """
    name = template_label(template)
    missing = _none_path(context)
    if missing:
        raise RenderError(f"{name} : valeur absente (None) dans le contexte : {missing}")
    try:
        if annexe is None:
            source = template.read_bytes()
        else:
            source = composed_template(template, annexe, ANNEXE_FIELD, (name, template_label(annexe)))
        tpl = _template_class()(io.BytesIO(source))
        tpl.init_docx()
        values: dict[str, Any] = dict(context)
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
    from convgen.documents.context import proper_names

    out = io.BytesIO()
    with warnings.catch_warnings():
        # A template re-saved by LibreOffice makes python-docx write core.xml twice (dropped below).
        warnings.filterwarnings("ignore", message="Duplicate name", category=UserWarning)
        tpl.save(out)
    return normalize_docx(out.getvalue(), epoch=epoch, names=proper_names(context))


def render_annexe(templates_dir: Path, context: Mapping[str, Any], *, epoch: dt.datetime | None = None) -> bytes:
    """Return the DOCX of the annex (resources lent and referents), on its own: an avenant can replace it."""
    return render_document(templates_dir / ANNEXE, context, epoch=epoch)


def render_convention(templates_dir: Path, context: Mapping[str, Any], *, epoch: dt.datetime | None = None) -> bytes:
    """Return the DOCX of the convention, the annex in it rendered with the same context.

    The figures are those of the context, as checked by the verdict (``acts/readiness.py``).
    """
    return render_document(templates_dir / CONVENTION, context, annexe=templates_dir / ANNEXE, epoch=epoch)


def template_label(template: Path) -> str:
    """Return how messages name a template: ``templates/convention.docx``."""
    return f"{template.parent.name}/{template.name}" if template.parent.name else template.name


def source_date(epoch: dt.datetime | None = None) -> dt.datetime:
    """Return the date stamped in the DOCX: :func:`as_utc` of ``epoch``, never before 1980 (zip dates)."""
    return max(as_utc(epoch), _FIXED_EPOCH)


def normalize_docx(data: bytes, *, epoch: dt.datetime | None = None, names: Sequence[str] = ()) -> bytes:
    """Return the DOCX re-zipped deterministically: fixed dates, stable order, one entry per name.

    Also sets core.xml's dates and revision (the title is the job's, set once by ``delivery.finish_docx``),
    drops the parts no document needs (thumbnail, ``stylesWithEffects.xml``, bibliography, ``w:updateFields``:
    see :mod:`convgen.documents.parts`), sets the French non-breaking spaces in the templates' own text too
    (:func:`convgen.documents.typeset.french_spacing`), raises "1er" ordinals in superscript, and sets the typography no template can: the hyphens of the
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
        entries[CORE] = _fix_core(entries[CORE], when)
    for entry, blob in entries.items():
        if STORY.match(entry):
            entries[entry] = unbreakable(superscript_ordinals(french_spacing(blob)), names)
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


def _fix_core(xml: bytes, when: dt.datetime) -> bytes:
    """Return core.xml with fixed creation and modification dates, revision 1, no print date."""
    root = etree.fromstring(xml, parser())
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
    return part_bytes(root)


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
