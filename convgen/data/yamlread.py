"""Read one YAML file safely into plain data, keeping the line and column of every key and value.

The YAML is composed into nodes (never constructed by PyYAML), then turned into plain Python data here, so that
no tag is ever executed and every YAML 1.1 trap can be explained with the source text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from convgen.data.yamlsyntax import syntax_problem
from convgen.errors import Problem

MAX_BYTES = 1_000_000


MAX_DEPTH = 20


Loc = tuple[str | int, ...]


YAML = "tag:yaml.org,2002:"


_SCALAR_TAGS = {YAML + name for name in ("str", "int", "float", "bool", "null", "timestamp", "value")}


_COLLECTION_TAGS = {YAML + "seq", YAML + "map"}


_INVISIBLE = "supprimez ce caractère invisible (retapez la ligne au clavier)"


_MERGE_HINT = "écrivez chaque clé en toutes lettres"


_NO_ALIAS = "les ancres (&) et alias (*) ne sont pas acceptés : recopiez la valeur"


_TYPE_NAMES = {
    YAML + "bool": "un booléen (vrai/faux)",
    YAML + "int": "un nombre",
    YAML + "float": "un nombre",
    YAML + "timestamp": "une date",
}


class _TooDeep(yaml.MarkedYAMLError):
    """Raised when the YAML nests more than ``MAX_DEPTH`` levels."""


class _Loader(yaml.SafeLoader):
    """Compose nodes with their marks; refuse anchors and aliases, bound the nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.refused: list[tuple[yaml.Mark, str]] = []
        self.poisoned: set[int] = set()
        self.alias_lines: set[int] = set()

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Compose one node, recording anchors and aliases as problems instead of expanding them."""
        event: Any
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()  # type: ignore[no-untyped-call]
            if event.start_mark.line not in self.alias_lines:
                self.alias_lines.add(event.start_mark.line)
                self.refused.append((event.start_mark, f"alias « *{event.anchor} » refusé"))
            node = yaml.ScalarNode(YAML + "null", "", event.start_mark, event.end_mark)
            self.poisoned.add(id(node))
            return node
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if getattr(event, "anchor", None) is not None:
            self.refused.append((event.start_mark, f"ancre « &{event.anchor} » refusée"))
            event.anchor = None
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(problem="too deep", problem_mark=event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


@dataclass
class Document:
    """One parsed file: plain data, the node of every key path and the paths already reported."""

    path: str
    value: Any = None
    keys: dict[Loc, yaml.Node] = field(default_factory=dict)
    values: dict[Loc, yaml.Node] = field(default_factory=dict)
    reported: set[Loc] = field(default_factory=set)
    root: yaml.Node | None = None


def parse_document(path: str, data: bytes, problems: list[Problem]) -> Document | None:
    """Return the parsed document, or None after recording why it cannot be read."""
    if len(data) > MAX_BYTES:
        problems.append(too_big(path, len(data)))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1
        problems.append(
            Problem(
                path,
                line,
                column,
                "",
                f"fichier non encodé en UTF-8 (octet 0x{data[exc.start]:02X} à la position {exc.start})",
                "enregistrez-le en UTF-8 depuis votre éditeur",
            )
        )
        return None
    text = text.removeprefix("\ufeff")
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        problems.append(Problem(path, line, column, "", f"caractère interdit (U+{exc.character:04X})", _INVISIBLE))
        return None
    try:
        root = loader.get_single_node()
    except _TooDeep as exc:
        problems.append(at_mark(path, exc.problem_mark, "", f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)"))
        return None
    except yaml.MarkedYAMLError as exc:
        problems.append(syntax_problem(path, text, exc))
        return None
    finally:
        loader.dispose()
    doc = Document(path, root=root)
    for mark, message in loader.refused:
        problems.append(at_mark(path, mark, "", message, _NO_ALIAS))
    if root is None:
        problems.append(
            Problem(path, 1, 1, "", "fichier vide", "copiez le contenu d’un fichier existant et adaptez-le")
        )
        return None
    if not isinstance(root, yaml.MappingNode):
        kind = "une liste" if isinstance(root, yaml.SequenceNode) else "une valeur seule"
        problems.append(
            at_mark(
                path,
                root.start_mark,
                "",
                f"le fichier doit contenir des clés (nom: …), pas {kind}",
                "écrivez une clé par ligne, sans « - » en début de ligne",
            )
        )
        return None
    doc.value = _build(root, (), doc, loader, problems)
    return doc


def _build(node: yaml.Node, loc: Loc, doc: Document, loader: _Loader, problems: list[Problem]) -> Any:
    """Return the plain Python value of a node; index its mark and record refused constructs."""
    doc.values[loc] = node
    if id(node) in loader.poisoned:
        doc.reported.add(loc)
        return None
    if node.tag not in _SCALAR_TAGS | _COLLECTION_TAGS:
        shown = node.tag.replace(YAML, "!!")
        problems.append(
            _at_node(
                doc,
                node,
                loc,
                f"étiquette YAML « {shown} » refusée",
                "retirez l’étiquette : seuls le texte, les dates et les listes sont acceptés",
            )
        )
        doc.reported.add(loc)
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
            child: Loc = (*loc, key)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == YAML + "merge":
                what = "clé de fusion « << »" if key_node.tag == YAML + "merge" else "clé complexe"
                problems.append(at_mark(doc.path, key_node.start_mark, format_loc(loc), f"{what} refusée", _MERGE_HINT))
                continue
            if key in first_line:
                problems.append(
                    at_mark(
                        doc.path,
                        key_node.start_mark,
                        format_loc(child),
                        f"clé en double (lignes {first_line[key]} et {key_node.start_mark.line + 1})",
                        "gardez une seule des deux ; la seconde est ignorée",
                    )
                )
                continue
            first_line[key] = key_node.start_mark.line + 1
            doc.keys[child] = key_node
            result[key] = _build(value_node, child, doc, loader, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, index), doc, loader, problems) for index, item in enumerate(node.value)]
    if _effective_tag(node) == YAML + "bool" and node.tag == YAML + "str":
        return node.value in ("y", "Y")  # YAML 1.1 reads them as booleans; PyYAML does not
    if node.tag in (YAML + "str", YAML + "value"):
        return node.value
    try:
        constructor: Callable[[yaml.SafeLoader, yaml.Node], Any] = loader.yaml_constructors[node.tag]
        return constructor(loader, node)
    except ValueError:
        return node.value  # an impossible date: the model explains it from the text


def not_text(node: yaml.Node, loc: Loc) -> tuple[str, str]:
    """Return the message and hint for a value that YAML did not read as text."""
    if isinstance(node, yaml.MappingNode):
        return "un texte est attendu, pas des clés", "écrivez la valeur sur la même ligne que la clé"
    if isinstance(node, yaml.SequenceNode):
        return "un texte est attendu, pas une liste", "écrivez une seule valeur, sans « - »"
    if node.tag == YAML + "null":
        return ("élément vide" if isinstance(loc[-1], int) else "valeur vide"), (
            "supprimez la ligne vide" if isinstance(loc[-1], int) else "renseignez la valeur"
        )
    text = str(node.value)
    tag = _effective_tag(node)
    what = _TYPE_NAMES.get(tag, "autre chose qu’un texte")
    lost = " (le zéro initial serait perdu)" if tag == YAML + "int" and re.match(r"[+-]?0\d", text) else ""
    return (
        f"la valeur {text} non entourée de guillemets est lue comme {what}{lost}",
        f'écrivez "{text}" entre guillemets',
    )


def _effective_tag(node: yaml.Node) -> str:
    """Return the tag of a node, counting the plain YAML 1.1 booleans y/n that PyYAML reads as text."""
    if isinstance(node, yaml.ScalarNode) and node.style is None and node.value in ("y", "Y", "n", "N"):
        return YAML + "bool"
    return str(node.tag)


def show(node: yaml.Node | None, value: object) -> str:
    """Return the source text of a scalar, or the Python value when there is no node."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return str(value)


def at_loc(doc: Document, loc: Loc, message: str, hint: str = "") -> Problem:
    """Return a problem at the value of ``loc`` (or its nearest indexed parent)."""
    for size in range(len(loc), -1, -1):
        node = doc.values.get(loc[:size])
        if node is not None:
            return at_mark(doc.path, node.start_mark, format_loc(loc), message, hint)
    return at_mark(doc.path, None, format_loc(loc), message, hint)


def _at_node(doc: Document, node: yaml.Node, loc: Loc, message: str, hint: str = "") -> Problem:
    """Return a problem at a node."""
    return at_mark(doc.path, node.start_mark, format_loc(loc), message, hint)


def at_mark(path: str, mark: yaml.Mark | None, key: str, message: str, hint: str = "") -> Problem:
    """Return a problem at a PyYAML mark (0-based) converted to 1-based line and column."""
    if mark is None:
        return Problem(path, 1, 1, key, message, hint)
    return Problem(path, mark.line + 1, mark.column + 1, key, message, hint)


def at_file(path: str, message: str, hint: str = "") -> Problem:
    """Return a problem about a whole file or folder."""
    return Problem(path, 1, 1, "", message, hint)


def too_big(path: str, size: int) -> Problem:
    """Return the problem for a file over the size limit."""
    return at_file(
        path,
        f"fichier trop volumineux ({size} octets, {MAX_BYTES} au plus)",
        "une fiche ne dépasse pas quelques kilo-octets : vérifiez son contenu",
    )


def format_loc(loc: Loc) -> str:
    """Return a key path in YAML terms: ``referent.courriel``, ``ressources.materiels[2]``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
