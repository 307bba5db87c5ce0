"""The data files as an editor sees them: YAML 1.2 read like yaml-language-server, checked by the JSON Schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator, ValidationError

from convgen.data.schema import json_schema

_FLOAT = r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
_CORE_SCHEMA: tuple[tuple[str, str, list[str]], ...] = (
    # YAML 1.2 core schema, the default of yaml-language-server (setting yaml.yamlVersion): no timestamps,
    # and only true/false are booleans, so `NO`, `off`, `y` or `2024-03-12` are texts there.
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("float", f"^(?:{_FLOAT})$", list("-+.0123456789")),
)


class EditorLoader(yaml.SafeLoader):
    """Read YAML 1.2 (core schema) with unique keys; merge keys ``<<`` are applied, as the editor validates them."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Refuse a key written twice in a mapping, as the editor's YAML parser does."""
        seen: set[object] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, "Map keys must be unique", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.Node) -> int:
        """Return a YAML 1.2 integer (decimal, 0o octal, 0x hexadecimal)."""
        text = str(self.construct_scalar(node))
        base = {"0o": 8, "0x": 16}.get(text[:2], 10)
        return int(text[2:] if base != 10 else text, base)

    def construct_yaml_float(self, node: yaml.Node) -> float:
        """Return a YAML 1.2 float."""
        text = str(self.construct_scalar(node)).lower()
        return float(text.replace(".inf", "inf").replace(".nan", "nan"))

    def construct_yaml_bool(self, node: yaml.Node) -> bool:
        """Return a YAML 1.2 boolean."""
        return str(self.construct_scalar(node)).lower() == "true"


EditorLoader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in _CORE_SCHEMA:
    EditorLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_regexp), _first)
EditorLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
EditorLoader.add_constructor("tag:yaml.org,2002:int", EditorLoader.construct_yaml_int)
EditorLoader.add_constructor("tag:yaml.org,2002:float", EditorLoader.construct_yaml_float)
EditorLoader.add_constructor("tag:yaml.org,2002:bool", EditorLoader.construct_yaml_bool)


def editor_view(path: Path) -> Any:
    """Return the single YAML document of ``path`` as the editor reads it; raise yaml.YAMLError otherwise."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader)


def schema_errors(kind: Literal["epci", "departement"], data: Any) -> list[ValidationError]:
    """Return the errors the JSON Schema reports on ``data``, formats not enforced (as most editors)."""
    validator = Draft202012Validator(json_schema(kind))
    return sorted(validator.iter_errors(data), key=lambda error: list(error.absolute_path))
