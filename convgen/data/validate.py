"""Validate a parsed document against the model, and word pydantic's errors in French at their line and column."""

from __future__ import annotations

import difflib
import re
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from convgen.data.fields import fold
from convgen.data.project import model_fields_at
from convgen.data.yamlread import YAML, Document, Loc, at_loc, at_mark, format_loc, not_text, show
from convgen.errors import Problem

M = TypeVar("M", bound=BaseModel)


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
        return at_loc(doc, loc, str(ctx["message"]), str(ctx.get("hint", "")))
    if kind == "missing":
        return _missing(model, doc, loc)
    if kind == "extra_forbidden":
        return _unknown_key(model, doc, loc)
    if kind == "string_type" and node is not None:
        message, hint = not_text(node, loc)
        return at_loc(doc, loc, message, hint)
    if kind == "literal_error":
        expected = " ou ".join(f"« {choice.strip(chr(39))} »" for choice in str(ctx["expected"]).split(" or "))
        return at_loc(doc, loc, f"valeur « {show(node, value)} » non reconnue", f"écrivez {expected}")
    if kind == "string_too_long":
        return at_loc(
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
            return at_loc(doc, loc, "valeur vide", f"indiquez en dessous, décalées de deux espaces, les clés {names}")
        return at_loc(
            doc,
            loc,
            "des clés sont attendues ici, pas une valeur simple ni une liste",
            f"indiquez en dessous, décalées de deux espaces, les clés {names}",
        )
    if kind in ("tuple_type", "list_type"):
        if value is None:
            return at_loc(doc, loc, "liste vide", "ajoutez au moins un élément « - … » en dessous, ou supprimez la clé")
        return at_loc(doc, loc, "une liste est attendue", "écrivez un élément par ligne, chacun précédé de « - »")
    return at_loc(doc, loc, f"valeur invalide (contrôle « {kind} »)", "")


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
    return at_mark(doc.path, mark, format_loc(loc), "clé obligatoire manquante", hint)


def _example(model: type[BaseModel], loc: Loc) -> str:
    """Return an example value for a key, quoted when YAML would not read it as text."""
    owner = model_fields_at(model, loc[:-1])
    info = owner.model_fields.get(str(loc[-1])) if owner is not None else None
    examples = info.examples if info is not None and info.examples else ["…"]
    text = str(examples[0])
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    tag = node.tag if node is not None else ""
    if tag == YAML + "timestamp":
        return text
    numeric = re.fullmatch(r"[0-9 +.\-]+", text) is not None  # phones and SIRENs: always quoted
    return text if tag == YAML + "str" and ": " not in text and not numeric else f'"{text}"'


def _unknown_key(model: type[BaseModel], doc: Document, loc: Loc) -> Problem:
    """Return the problem for an unknown key, with the closest known key as a suggestion."""
    owner = model_fields_at(model, loc[:-1])
    known = list(owner.model_fields) if owner is not None else []
    key = str(loc[-1])
    folded = {fold(name): name for name in known}
    match = folded.get(fold(key)) or next(iter(difflib.get_close_matches(key, known, n=1, cutoff=0.6)), None)
    hint = f"vouliez-vous dire « {match} » ?" if match else "clés possibles : " + ", ".join(known)
    node = doc.keys.get(loc)
    return at_mark(doc.path, node.start_mark if node else None, format_loc(loc), "clé inconnue", hint)


def _empty(doc: Document, loc: Loc) -> Problem:
    """Return the problem for an empty text."""
    if loc and isinstance(loc[-1], int):
        return at_loc(doc, loc, "élément vide", "supprimez la ligne vide")
    return at_loc(doc, loc, "valeur vide", "renseignez la valeur")
