"""JSON Schemas of the data files, generated from the models, for editors and reviewers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from convgen.data.model import Epci
from convgen.data.project import DepartementFile

Kind = Literal["epci", "departement"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_MODELS: dict[str, type[BaseModel]] = {"epci": Epci, "departement": DepartementFile}


def schema_id(kind: Kind) -> str:
    """Return the ``$id`` of a schema."""
    return f"urn:convgen:schema:{kind}"


def json_schema(kind: Kind) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of ``epci/<slug>.yaml`` or ``departement.yaml``."""
    generated = _MODELS[kind].model_json_schema(mode="validation")
    return {"$schema": DRAFT, "$id": schema_id(kind), **generated}
