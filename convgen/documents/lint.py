"""Check the templates: every tag names a known field, every required field is printed, the Jinja parses.

Reported as ``templates/<name>.docx:<paragraph>:1: champ : message — conseil`` (the paragraph number stands
for the line: tables included, in document order; header and footer counted apart).
"""

from __future__ import annotations

import difflib
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree  # type: ignore[import-untyped]

from convgen.documents.docxtext import read_parts
from convgen.documents.render import REQUIRED_FIELDS, SUBDOCUMENTS, make_environment, template_label
from convgen.errors import Problem

_DOCXTPL_PREFIX = re.compile(r"\{([{%#])(?:p|r|tr|tc)\s")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


# ---------------------------------------------------------------------------------------------- lint
class _Any:
    """Schema of a value whose structure is not checked (a loop counter, a sub-document)."""


@dataclass(frozen=True)
class _ListOf:
    """Schema of a list: the schema of its items."""

    item: Any


_LEAF = "texte"
_ANY = _Any()


def _schema(value: object) -> Any:
    """Return the structure of a context value: dict of schemas, _ListOf, or a leaf."""
    if isinstance(value, Mapping):
        return {str(k): _schema(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return _ListOf(_schema(value[0]) if value else _LEAF)
    return _LEAF


@dataclass
class _Usage:
    """What a template uses: dotted paths, and the problems found on the way (line, key, message, hint)."""

    used: set[str] = field(default_factory=set)
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)


def lint_templates(
    templates_dir: Path,
    known: Mapping[str, Any],
    *,
    required: Mapping[str, Iterable[str]] | None = None,
) -> list[Problem]:
    """Return the problems of every template: unknown fields, Jinja syntax errors, required fields unused.

    ``known`` is a context of the contract (``convention_context`` of any intercommunality). A problem's
    line is the paragraph's number in its story (body, header or footer), tables included.
    """
    required = REQUIRED_FIELDS if required is None else required
    problems: list[Problem] = []
    names = sorted(p.name for p in templates_dir.glob("*.docx") if not p.name.startswith(("~$", ".~lock")))
    for expected in sorted(required):
        if expected not in names:
            problems.append(
                Problem(
                    f"{templates_dir.name}/{expected}",
                    1,
                    1,
                    "",
                    "modèle introuvable",
                    "restaurez le fichier depuis le dépôt git",
                )
            )
    for name in names:
        problems.extend(_lint_one(templates_dir / name, known, tuple(required.get(name, ()))))
    return sorted(problems)


def _lint_one(template: Path, known: Mapping[str, Any], required: tuple[str, ...]) -> list[Problem]:
    """Return the problems of one template."""
    label = template_label(template)
    try:
        parts = read_parts(template)
    except (OSError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        return [Problem(label, 1, 1, "", f"modèle illisible ({exc})", "ouvrez-le et réenregistrez-le dans Word")]
    schema = _schema(known)
    for extra in SUBDOCUMENTS.get(template.name, ()):
        schema[extra] = _ANY
    env = make_environment(label)
    usage = _Usage()
    problems: list[Problem] = []
    syntax_ok = True
    for part in parts:
        source = "\n".join(_tag_view(text) for text in part.paragraphs)
        where = "" if part.label == "corps" else f" ({part.label})"
        try:
            tree = env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            syntax_ok = False
            problems.append(
                Problem(
                    label,
                    exc.lineno or 1,
                    1,
                    "",
                    f"erreur de syntaxe dans une balise{where} : {exc.message}",
                    "vérifiez les accolades et les mots-clés (if/endif, for/endfor)",
                )
            )
            continue
        before = len(usage.problems)
        _walk(tree, {k: (k, v) for k, v in schema.items()}, usage)
        for line, key, message, hint in usage.problems[before:]:
            problems.append(Problem(label, line, 1, key, message + where, hint))
        del usage.problems[before:]
    if syntax_ok:
        problems.extend(_docxtpl_syntax(template, env, label))
        for path in required:
            if not _is_used(path, usage.used):
                problems.append(
                    Problem(
                        label,
                        1,
                        1,
                        path,
                        "champ attendu absent du modèle",
                        f"insérez {{{{ {path} }}}} à l’endroit voulu du texte",
                    )
                )
    return problems


def _tag_view(paragraph: str) -> str:
    """Return a paragraph's text as docxtpl reads its tags: ``{%p if x %}`` → ``{% if x %}``, straight quotes."""
    text = _DOCXTPL_PREFIX.sub(r"{\1 ", paragraph.replace("\n", " "))
    return _TAG.sub(lambda m: m.group(0).translate(_QUOTES), text)


def _docxtpl_syntax(template: Path, env: SandboxedEnvironment, label: str) -> list[Problem]:
    """Return a syntax problem when docxtpl's own view of the XML does not parse (a tag across paragraphs)."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(template))
    tpl.init_docx()
    sources = [tpl.get_xml()]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        sources += [tpl.get_part_xml(part) for _, part in tpl.get_headers_footers(uri)]
    problems = []
    for xml in sources:
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))
        try:
            env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            line = max(1, (exc.lineno or 2) - 1)
            problems.append(
                Problem(
                    label,
                    line,
                    1,
                    "",
                    f"balise mal formée dans le XML du modèle : {exc.message}",
                    "une balise ne doit pas chevaucher deux paragraphes ; retapez-la d’un seul tenant",
                )
            )
    return problems


def _is_used(path: str, used: set[str]) -> bool:
    """Return True when the field, or something below it, is used."""
    return path in used or any(u.startswith(path + ".") for u in used)


def _walk(node: nodes.Node, scope: dict[str, tuple[str, Any]], usage: _Usage) -> None:
    """Check every variable of the template AST against the schema, following loop variables."""
    if isinstance(node, nodes.For):
        _walk(node.iter, scope, usage)
        resolved = _resolve(node.iter, scope, usage, record=False)
        item: tuple[str, Any] = ("", _ANY)
        if resolved is not None:
            path, schema = resolved
            item = (path + "[]", schema.item if isinstance(schema, _ListOf) else _ANY)
        inner = dict(scope)
        for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) else [node.target]:
            inner[target.name] = item
        inner["loop"] = ("loop", _ANY)
        if node.test is not None:
            _walk(node.test, inner, usage)
        for child in node.body:
            _walk(child, inner, usage)
        for child in node.else_:
            _walk(child, scope, usage)
        return
    if isinstance(node, nodes.Assign | nodes.AssignBlock):
        if isinstance(node, nodes.Assign):
            _walk(node.node, scope, usage)
        for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) else [node.target]:
            scope[target.name] = (target.name, _ANY)
        if isinstance(node, nodes.AssignBlock):
            for child in node.body:
                _walk(child, scope, usage)
        return
    if _chain(node) is not None:
        _resolve(node, scope, usage, record=True)
        return
    for child in node.iter_child_nodes():
        _walk(child, scope, usage)


def _chain(node: nodes.Node) -> tuple[str, list[str]] | None:
    """Return (name, attributes) of ``a.b.c`` or ``a["b"]``, or None for any other expression."""
    attrs: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            attrs.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            attrs.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name):
            return node.name, list(reversed(attrs))
        else:
            return None


def _resolve(
    node: nodes.Node, scope: dict[str, tuple[str, Any]], usage: _Usage, *, record: bool
) -> tuple[str, Any] | None:
    """Return (dotted path, schema) of a variable; record a problem when it names no field."""
    chain = _chain(node)
    if chain is None:
        return None
    name, attrs = chain
    line = node.lineno
    if name not in scope:
        if record:
            usage.problems.append((line, name, "champ inconnu", _suggest(name, list(scope))))
        return None
    path, schema = scope[name]
    written = name
    for attr in attrs:
        if isinstance(schema, _Any):
            path, written = f"{path}.{attr}", f"{written}.{attr}"
            continue
        if isinstance(schema, dict) and attr in schema:
            path, written, schema = f"{path}.{attr}", f"{written}.{attr}", schema[attr]
            continue
        if record:
            if isinstance(schema, dict):
                hint = _suggest(attr, list(schema), prefix=written + ".")
                usage.problems.append((line, f"{written}.{attr}", "champ inconnu", hint))
            else:
                usage.problems.append(
                    (
                        line,
                        f"{written}.{attr}",
                        f"« {written} » est un texte ou une liste, sans champ « {attr} »",
                        f"écrivez {{{{ {written} }}}}",
                    )
                )
        return None
    if record:
        usage.used.add(path)
    return path, schema


def _suggest(word: str, candidates: list[str], prefix: str = "") -> str:
    """Return a French hint naming the closest known fields."""
    close = difflib.get_close_matches(word, candidates, n=3, cutoff=0.6)
    if close:
        return "champs voisins : " + ", ".join(prefix + c for c in close)
    return "champs connus : " + ", ".join(prefix + c for c in sorted(candidates)[:12])
