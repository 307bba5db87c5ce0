"""Read ``departement.yaml`` and ``epci/*.yaml`` safely, with the line and column of every value.

The YAML is composed into nodes (never constructed by PyYAML), then turned into plain Python data
by this module, so that no tag is ever executed and every YAML 1.1 trap can be explained with the
source text. Every problem of every file is gathered before one ``DataError`` is raised.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from convgen.data.model import SLUG_RE, DepartementFile, Epci, Project, fold, model_fields_at, project_issues
from convgen.errors import DataError, Problem

MAX_BYTES = 1_000_000
MAX_DEPTH = 20
DEPARTEMENT = "departement.yaml"
EPCI_DIR = "epci"

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_YAML + name for name in ("str", "int", "float", "bool", "null", "timestamp", "value")}
_COLLECTION_TAGS = {_YAML + "seq", _YAML + "map"}
_INVISIBLE = "supprimez ce caractère invisible (retapez la ligne au clavier)"
_MERGE_HINT = "écrivez chaque clé en toutes lettres"
_NO_ALIAS = "les ancres (&) et alias (*) ne sont pas acceptés : recopiez la valeur"
_TYPE_NAMES = {
    _YAML + "bool": "un booléen (vrai/faux)",
    _YAML + "int": "un nombre",
    _YAML + "float": "un nombre",
    _YAML + "timestamp": "une date",
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
            node = yaml.ScalarNode(_YAML + "null", "", event.start_mark, event.end_mark)
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


def load_project(root: Path) -> Project:
    """Read and validate ``departement.yaml`` and ``epci/*.yaml`` under ``root``; raise DataError."""
    problems: list[Problem] = []
    sources: dict[str, bytes] = {}
    base = root.resolve()
    departement = root / DEPARTEMENT
    if departement.exists():
        data = _read(departement, DEPARTEMENT, base, problems)
        if data is not None:
            sources[DEPARTEMENT] = data
    elif departement.is_symlink():
        problems.append(_at_file(DEPARTEMENT, "lien symbolique cassé", "remplacez-le par le fichier lui-même"))
    epci_dir = root / EPCI_DIR
    if not epci_dir.is_dir():
        problems.append(
            _at_file(EPCI_DIR + "/", "dossier introuvable", f"créez le dossier {EPCI_DIR}/ à côté de {DEPARTEMENT}")
        )
    elif not epci_dir.resolve().is_relative_to(base):
        problems.append(
            _at_file(
                EPCI_DIR + "/",
                "lien symbolique vers un dossier extérieur au projet refusé",
                "placez les fichiers dans le dossier epci/ du projet",
            )
        )
    else:
        for entry in sorted(epci_dir.iterdir()):
            if entry.name.startswith("."):
                continue
            rel = f"{EPCI_DIR}/{entry.name}"
            if entry.is_dir() and not entry.is_symlink():
                problems.append(_directory_problem(rel))
                continue
            data = _read(entry, rel, base, problems)
            if data is not None:
                sources[rel] = data
    return _load(sources, problems)


def load_sources(sources: Mapping[str, bytes]) -> Project:
    """Validate in-memory files keyed by relative POSIX path; raise DataError listing all problems."""
    problems: list[Problem] = []
    kept: dict[str, bytes] = {}
    for rel, data in sources.items():
        if rel == DEPARTEMENT:
            kept[rel] = data
        elif rel.startswith(EPCI_DIR + "/"):
            name = rel[len(EPCI_DIR) + 1 :]
            if name.startswith("."):
                continue
            if "/" in name:
                problems.append(_directory_problem(f"{EPCI_DIR}/{name.split('/', 1)[0]}"))
                continue
            kept[rel] = data
    return _load(kept, problems)


def _read(path: Path, rel: str, base: Path, problems: list[Problem]) -> bytes | None:
    """Return the bytes of a data file, or None after recording why it cannot be used."""
    if path.is_symlink():
        target = path.resolve()
        if not target.exists():
            problems.append(_at_file(rel, "lien symbolique cassé", "remplacez-le par le fichier lui-même"))
            return None
        if not target.is_relative_to(base):
            problems.append(
                _at_file(
                    rel,
                    "lien symbolique vers un fichier extérieur au projet refusé",
                    "copiez le fichier dans le projet au lieu d'un lien",
                )
            )
            return None
        if target.is_dir():
            problems.append(_directory_problem(rel))
            return None
    if path.is_dir():
        problems.append(_directory_problem(rel))
        return None
    if not path.is_file():
        problems.append(_at_file(rel, "n'est pas un fichier ordinaire", "remplacez-le par un fichier YAML"))
        return None
    size = path.stat().st_size
    if size > MAX_BYTES:
        problems.append(_too_big(rel, size))
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        problems.append(_at_file(rel, f"lecture impossible ({exc.strerror or 'erreur système'})"))
        return None


def _load(sources: Mapping[str, bytes], problems: list[Problem]) -> Project:
    """Parse and validate every source, check the rules between files, then build the Project."""
    reported = {p.path for p in problems}
    departement_file: DepartementFile | None = None
    if DEPARTEMENT in sources:
        doc = parse_document(DEPARTEMENT, sources[DEPARTEMENT], problems)
        if doc is not None:
            departement_file = validate_document(DepartementFile, doc, problems)
    elif DEPARTEMENT not in reported:
        problems.append(
            _at_file(
                DEPARTEMENT,
                "fichier introuvable",
                "il doit se trouver à la racine du projet, à côté de epci/",
            )
        )
    epcis: dict[str, Epci] = {}
    docs: dict[str, Document] = {}
    epci_files = sorted(rel for rel in sources if rel.startswith(EPCI_DIR + "/"))
    for rel in epci_files:
        slug = _slug_of(rel, problems)
        if not rel.endswith((".yaml", ".yml")):
            continue  # not a data file: its name is the only problem
        doc = parse_document(rel, sources[rel], problems)
        if doc is None:
            continue
        epci = validate_document(Epci, doc, problems)
        if slug is not None and epci is not None:
            epcis[slug] = epci
            docs[slug] = doc
    if not epci_files and not any(p.path.startswith(EPCI_DIR + "/") for p in problems):
        problems.append(
            _at_file(
                EPCI_DIR + "/",
                "aucun fichier d'intercommunalité",
                "ajoutez un fichier <slug>.yaml par communauté de communes",
            )
        )
    if departement_file is not None:
        for issue in project_issues(departement_file.programme, epcis):
            problems.append(_at_loc(docs[issue.slug], issue.at, issue.message, issue.hint))
    if problems or departement_file is None:
        raise DataError(problems)
    return Project(departement=departement_file.departement, programme=departement_file.programme, epcis=epcis)


def _slug_of(rel: str, problems: list[Problem]) -> str | None:
    """Return the slug of an EPCI file name, or None after recording why the name is wrong."""
    name = rel[len(EPCI_DIR) + 1 :]
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if extension == "yml":
        problems.append(_at_file(rel, "extension .yml", f"renommez le fichier en « {_suggest_slug(stem)}.yaml »"))
        return None
    if extension != "yaml":
        problems.append(_at_file(rel, "fichier inattendu dans epci/", "seuls les fichiers <slug>.yaml y sont acceptés"))
        return None
    if not SLUG_RE.fullmatch(stem):
        problems.append(
            _at_file(
                rel,
                f"nom de fichier « {name} » invalide : minuscules sans accent, chiffres et tirets seulement",
                f"renommez-le en « {_suggest_slug(stem)}.yaml »",
            )
        )
        return None
    return stem


def _suggest_slug(stem: str) -> str:
    """Return a slug close to a wrong file name."""
    ascii_text = unicodedata.normalize("NFKD", stem.replace("œ", "oe")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "cc-exemple"


def parse_document(path: str, data: bytes, problems: list[Problem]) -> Document | None:
    """Return the parsed document, or None after recording why it cannot be read."""
    if len(data) > MAX_BYTES:
        problems.append(_too_big(path, len(data)))
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
        problems.append(
            _at_mark(path, exc.problem_mark, "", f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")
        )
        return None
    except yaml.MarkedYAMLError as exc:
        problems.append(_syntax_problem(path, exc))
        return None
    finally:
        loader.dispose()
    doc = Document(path, root=root)
    for mark, message in loader.refused:
        problems.append(_at_mark(path, mark, "", message, _NO_ALIAS))
    if root is None:
        problems.append(
            Problem(path, 1, 1, "", "fichier vide", "copiez le contenu d'un fichier existant et adaptez-le")
        )
        return None
    if not isinstance(root, yaml.MappingNode):
        kind = "une liste" if isinstance(root, yaml.SequenceNode) else "une valeur seule"
        problems.append(
            _at_mark(
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
        shown = node.tag.replace(_YAML, "!!")
        problems.append(
            _at_node(
                doc,
                node,
                loc,
                f"étiquette YAML « {shown} » refusée",
                "retirez l'étiquette : seuls le texte, les dates et les listes sont acceptés",
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
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _YAML + "merge":
                what = "clé de fusion « << »" if key_node.tag == _YAML + "merge" else "clé complexe"
                problems.append(
                    _at_mark(doc.path, key_node.start_mark, _format_loc(loc), f"{what} refusée", _MERGE_HINT)
                )
                continue
            if key in first_line:
                problems.append(
                    _at_mark(
                        doc.path,
                        key_node.start_mark,
                        _format_loc(child),
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
    if _effective_tag(node) == _YAML + "bool" and node.tag == _YAML + "str":
        return node.value in ("y", "Y")  # YAML 1.1 reads them as booleans; PyYAML does not
    if node.tag in (_YAML + "str", _YAML + "value"):
        return node.value
    try:
        constructor: Callable[[yaml.SafeLoader, yaml.Node], Any] = loader.yaml_constructors[node.tag]
        return constructor(loader, node)
    except ValueError:
        return node.value  # an impossible date: the model explains it from the text


def validate_document(model: type[M], doc: Document, problems: list[Problem]) -> M | None:
    """Return the validated model, or None after translating every pydantic error into French."""
    try:
        return model.model_validate(doc.value)
    except ValidationError as exc:
        for details in exc.errors(include_url=False):
            problem = _translate(model, doc, details)
            if problem is not None:
                problems.append(problem)
        return None


def _translate(model: type[BaseModel], doc: Document, details: ErrorDetails) -> Problem | None:
    """Return the French problem for one pydantic error, located in the YAML source."""
    loc: Loc = tuple(details["loc"])
    kind = details["type"]
    ctx: dict[str, Any] = dict(details.get("ctx") or {})
    if kind == "convgen":
        loc = (*loc, *ctx.get("at", ()))
    if any(loc[: len(done)] == done for done in doc.reported):
        return None
    value = details.get("input")
    node = doc.values.get(loc)
    if kind == "convgen":
        return _at_loc(doc, loc, str(ctx["message"]), str(ctx.get("hint", "")))
    if kind == "missing":
        return _missing(model, doc, loc)
    if kind == "extra_forbidden":
        return _unknown_key(model, doc, loc)
    if kind == "string_type" and node is not None:
        message, hint = _not_text(node, loc)
        return _at_loc(doc, loc, message, hint)
    if kind == "literal_error":
        expected = " ou ".join(f"« {choice.strip(chr(39))} »" for choice in str(ctx["expected"]).split(" or "))
        return _at_loc(doc, loc, f"valeur « {_show(node, value)} » non reconnue", f"écrivez {expected}")
    if kind == "string_too_long":
        return _at_loc(
            doc,
            loc,
            f"texte trop long : {len(str(value))} caractères pour {ctx['max_length']} au plus",
            "raccourcissez le texte",
        )
    if kind == "string_too_short":
        return _empty(doc, loc)
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        fields = model_fields_at(model, loc)
        names = ", ".join(fields.model_fields) if fields is not None else ""
        if value is None:
            return _at_loc(doc, loc, "valeur vide", f"indiquez en dessous, décalées de deux espaces, les clés {names}")
        return _at_loc(
            doc,
            loc,
            "des clés sont attendues ici, pas une valeur simple ni une liste",
            f"indiquez en dessous, décalées de deux espaces, les clés {names}",
        )
    if kind in ("tuple_type", "list_type"):
        if value is None:
            return _at_loc(
                doc, loc, "liste vide", "ajoutez au moins un élément « - … » en dessous, ou supprimez la clé"
            )
        return _at_loc(doc, loc, "une liste est attendue", "écrivez un élément par ligne, chacun précédé de « - »")
    return _at_loc(doc, loc, f"valeur invalide (contrôle « {kind} »)", "")


def _not_text(node: yaml.Node, loc: Loc) -> tuple[str, str]:
    """Return the message and hint for a value that YAML did not read as text."""
    if isinstance(node, yaml.MappingNode):
        return "un texte est attendu, pas des clés", "écrivez la valeur sur la même ligne que la clé"
    if isinstance(node, yaml.SequenceNode):
        return "un texte est attendu, pas une liste", "écrivez une seule valeur, sans « - »"
    if node.tag == _YAML + "null":
        return ("élément vide" if isinstance(loc[-1], int) else "valeur vide"), (
            "supprimez la ligne vide" if isinstance(loc[-1], int) else "renseignez la valeur"
        )
    text = str(node.value)
    tag = _effective_tag(node)
    what = _TYPE_NAMES.get(tag, "autre chose qu'un texte")
    lost = " (le zéro initial serait perdu)" if tag == _YAML + "int" and re.match(r"[+-]?0\d", text) else ""
    return (
        f"la valeur {text} non entourée de guillemets est lue comme {what}{lost}",
        f'écrivez "{text}" entre guillemets',
    )


def _effective_tag(node: yaml.Node) -> str:
    """Return the tag of a node, counting the plain YAML 1.1 booleans y/n that PyYAML reads as text."""
    if isinstance(node, yaml.ScalarNode) and node.style is None and node.value in ("y", "Y", "n", "N"):
        return _YAML + "bool"
    return str(node.tag)


def _missing(model: type[BaseModel], doc: Document, loc: Loc) -> Problem:
    """Return the problem for a required key that is absent, located at its parent mapping."""
    parent = doc.values.get(loc[:-1]) or doc.root
    name = str(loc[-1])
    sub = model_fields_at(model, loc)
    if sub is not None:
        hint = f"ajoutez « {name}: » avec en dessous les clés {', '.join(sub.model_fields)}"
    else:
        hint = f"ajoutez la ligne « {name}: {_example(model, loc)} »"
    mark = parent.start_mark if parent is not None else None
    return _at_mark(doc.path, mark, _format_loc(loc), "clé obligatoire manquante", hint)


def _example(model: type[BaseModel], loc: Loc) -> str:
    """Return an example value for a key, quoted when YAML would not read it as text."""
    owner = model_fields_at(model, loc[:-1])
    info = owner.model_fields.get(str(loc[-1])) if owner is not None else None
    examples = info.examples if info is not None and info.examples else ["…"]
    text = str(examples[0])
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    tag = node.tag if node is not None else ""
    if tag == _YAML + "timestamp":
        return text
    numeric = re.fullmatch(r"[0-9 +.\-]+", text) is not None  # phones and SIRENs: always quoted
    return text if tag == _YAML + "str" and ": " not in text and not numeric else f'"{text}"'


def _unknown_key(model: type[BaseModel], doc: Document, loc: Loc) -> Problem:
    """Return the problem for an unknown key, with the closest known key as a suggestion."""
    owner = model_fields_at(model, loc[:-1])
    known = list(owner.model_fields) if owner is not None else []
    key = str(loc[-1])
    folded = {fold(name): name for name in known}
    match = folded.get(fold(key)) or next(iter(difflib.get_close_matches(key, known, n=1, cutoff=0.6)), None)
    hint = f"vouliez-vous dire « {match} » ?" if match else "clés possibles : " + ", ".join(known)
    node = doc.keys.get(loc)
    return _at_mark(doc.path, node.start_mark if node else None, _format_loc(loc), "clé inconnue", hint)


def _empty(doc: Document, loc: Loc) -> Problem:
    """Return the problem for an empty text."""
    if loc and isinstance(loc[-1], int):
        return _at_loc(doc, loc, "élément vide", "supprimez la ligne vide")
    return _at_loc(doc, loc, "valeur vide", "renseignez la valeur")


def _show(node: yaml.Node | None, value: object) -> str:
    """Return the source text of a scalar, or the Python value when there is no node."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return str(value)


def _at_loc(doc: Document, loc: Loc, message: str, hint: str = "") -> Problem:
    """Return a problem at the value of ``loc`` (or its nearest indexed parent)."""
    for size in range(len(loc), -1, -1):
        node = doc.values.get(loc[:size])
        if node is not None:
            return _at_mark(doc.path, node.start_mark, _format_loc(loc), message, hint)
    return _at_mark(doc.path, None, _format_loc(loc), message, hint)


def _at_node(doc: Document, node: yaml.Node, loc: Loc, message: str, hint: str = "") -> Problem:
    """Return a problem at a node."""
    return _at_mark(doc.path, node.start_mark, _format_loc(loc), message, hint)


def _at_mark(path: str, mark: yaml.Mark | None, key: str, message: str, hint: str = "") -> Problem:
    """Return a problem at a PyYAML mark (0-based) converted to 1-based line and column."""
    if mark is None:
        return Problem(path, 1, 1, key, message, hint)
    return Problem(path, mark.line + 1, mark.column + 1, key, message, hint)


def _at_file(path: str, message: str, hint: str = "") -> Problem:
    """Return a problem about a whole file or folder."""
    return Problem(path, 1, 1, "", message, hint)


def _directory_problem(rel: str) -> Problem:
    """Return the problem for a folder found where a data file is expected."""
    return _at_file(rel, "est un dossier, pas un fichier", "placez les fichiers <slug>.yaml directement dans epci/")


def _too_big(path: str, size: int) -> Problem:
    """Return the problem for a file over the size limit."""
    return _at_file(
        path,
        f"fichier trop volumineux ({size} octets, {MAX_BYTES} au plus)",
        "une fiche ne dépasse pas quelques kilo-octets : vérifiez son contenu",
    )


def _format_loc(loc: Loc) -> str:
    """Return a key path in YAML terms: ``referent.courriel``, ``ressources.materiels[2]``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


_SYNTAX_MESSAGES: tuple[tuple[str, str, str], ...] = (
    (
        "found character '\\t' that cannot start any token",
        "tabulation interdite",
        "YAML n'accepte que des espaces pour décaler les lignes : remplacez la tabulation par des espaces",
    ),
    (
        "expected ',' or ']'",
        "crochet « [ » non fermé",
        "fermez la liste par « ] », ou écrivez un élément par ligne précédé de « - »",
    ),
    (
        "expected ',' or '}'",
        "accolade « { » non fermée",
        "fermez par « } », ou écrivez une clé par ligne",
    ),
    (
        "mapping values are not allowed here",
        "deux-points inattendu",
        "si la valeur contient « : », entourez-la de guillemets ; sinon vérifiez le décalage de la ligne",
    ),
    (
        "could not find expected ':'",
        "deux-points attendu après la clé",
        "écrivez « clé: valeur », ou entourez la valeur de guillemets si elle continue sur la ligne suivante",
    ),
    (
        "found unexpected end of stream",
        "guillemet ou crochet non fermé",
        "fermez le guillemet ou le crochet ouvert plus haut",
    ),
    (
        "expected a single document in the stream",
        "plusieurs documents dans le même fichier",
        "supprimez la ligne « --- » : un fichier décrit une seule intercommunalité",
    ),
    (
        "found unknown escape character",
        "séquence d'échappement inconnue après « \\ »",
        "doublez la barre oblique inverse (\\\\) ou entourez la valeur d'apostrophes",
    ),
    (
        "expected <block end>",
        "décalage de ligne incohérent",
        "alignez cette ligne sur les clés de même niveau (mêmes espaces en début de ligne)",
    ),
    (
        "did not find expected key",
        "décalage de ligne incohérent",
        "alignez cette ligne sur les clés de même niveau (mêmes espaces en début de ligne)",
    ),
    (
        "did not find expected '-' indicator",
        "décalage de ligne incohérent dans une liste",
        "alignez chaque élément « - » de la liste",
    ),
    (
        "'<stream end>'",
        "fin de fichier inattendue",
        "un crochet, une accolade ou un guillemet ouvert plus haut n'est pas fermé",
    ),
    (
        "found character '@' that cannot start any token",
        "une valeur ne peut pas commencer par « @ »",
        "entourez la valeur de guillemets",
    ),
    (
        "found character '`' that cannot start any token",
        "une valeur ne peut pas commencer par « ` »",
        "entourez la valeur de guillemets",
    ),
)


def _syntax_problem(path: str, exc: yaml.MarkedYAMLError) -> Problem:
    """Return the French problem for a YAML syntax error, at the line PyYAML points to."""
    english = f"{exc.context or ''} {exc.problem or ''}"
    message, hint = next(
        ((message, hint) for needle, message, hint in _SYNTAX_MESSAGES if needle in english),
        ("erreur de syntaxe YAML", "vérifiez le décalage, les deux-points et les guillemets de la ligne"),
    )
    mark = exc.problem_mark or exc.context_mark
    return _at_mark(path, mark, "", message, hint)
