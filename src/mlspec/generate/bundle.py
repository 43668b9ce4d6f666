"""Bundle the spec's schema files into one schema whose ``$ref``s are all local.

Code generators read a single schema more predictably than a folder of files
that refer to each other. The bundle keeps the document schema as its root.
Every other named schema goes under ``$defs``, keyed by a class-style name
made from its ``title``. Named schemas are each entity file's root (``Run``),
each entry of a file's ``$defs`` (``RunStatus``, ``MetricPoint``) and each
shared definition (``Identifier``, ``MetricValue``). Every ``$ref`` becomes
``#/$defs/<name>``, or ``<prefix><name>`` with a prefix that the caller
chooses (OpenAPI uses ``#/components/schemas/``).
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urldefrag, urljoin

from mlspec.errors import SpecError
from mlspec.spec import DOCUMENT_FILE, Spec

# Keywords that only make sense at the root of a schema resource. Nested
# schemas lose them, so a ``$ref`` inside cannot resolve against an old ``$id``.
_RESOURCE_KEYWORDS = ("$id", "$schema")


def bundle(spec: Spec, *, ref_prefix: str = "#/$defs/") -> dict[str, Any]:
    """Return the document schema with every other named schema under ``$defs``.

    ``ref_prefix`` is put in front of a definition's name in each rewritten
    ``$ref``. Raises ``SpecError`` when two schemas get the same name or a
    ``$ref`` points somewhere other than a file root or a ``$defs`` entry.
    """
    names = definition_names(spec)

    definitions: dict[str, Any] = {}
    for (relative, pointer), name in names.items():
        schema = _schema_at(spec.files[relative], pointer)
        definitions[name] = _rewrite(spec, relative, schema, names, ref_prefix)

    root = _rewrite(spec, DOCUMENT_FILE, spec.document_schema, names, ref_prefix)
    root = {key: value for key, value in root.items() if key != "$defs"}
    root["$schema"] = spec.document_schema["$schema"]
    root["$defs"] = dict(sorted(definitions.items()))
    return root


def definition_names(spec: Spec) -> dict[tuple[str, str], str]:
    """Map each named schema, as (file, JSON pointer), to its name in the bundle.

    The document schema's root is not in the map, because it is the bundle's
    root. A file without a ``title`` at its root (``defs.schema.json``) only
    contributes its ``$defs`` entries.
    """
    names: dict[tuple[str, str], str] = {}
    owners: dict[str, tuple[str, str]] = {}
    for relative in sorted(spec.files):
        schema = spec.files[relative]
        candidates = [("", schema)] if relative != DOCUMENT_FILE else []
        for key, definition in sorted(schema.get("$defs", {}).items()):
            candidates.append((f"/$defs/{key}", definition))

        for pointer, definition in candidates:
            title = definition.get("title") if isinstance(definition, dict) else None
            if pointer == "" and (title is None or "properties" not in definition):
                continue
            name = class_name(title or pointer.rsplit("/", 1)[-1])
            if name in owners:
                first = "#".join(owners[name])
                raise SpecError(
                    f"{relative}#{pointer}: title {title!r} gives the name {name}, "
                    f"which {first} already has; give one of them another title"
                )
            owners[name] = (relative, pointer)
            names[(relative, pointer)] = name
    return names


def class_name(title: str) -> str:
    """Turn a title such as ``Metric value`` or ``RunStatus`` into a class name.

    Words are split on anything that is not a letter or digit, and each word
    gets an upper-case first letter. The rest of each word is kept, so
    ``RunStatus`` stays ``RunStatus`` and ``JSON value`` becomes ``JSONValue``.
    """
    words = [word for word in re.split(r"[^0-9A-Za-z]+", title) if word]
    if not words:
        raise SpecError(f"title {title!r} has no letters or digits to name a class")
    name = "".join(word[0].upper() + word[1:] for word in words)
    return name if not name[0].isdigit() else f"N{name}"


def _schema_at(schema: dict[str, Any], pointer: str) -> Any:
    node: Any = schema
    for token in pointer.split("/")[1:]:
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _rewrite(
    spec: Spec,
    relative: str,
    schema: Any,
    names: dict[tuple[str, str], str],
    ref_prefix: str,
) -> Any:
    """Copy ``schema`` with ``$ref``s pointed at bundle names and no ``$defs``."""
    by_uri = {
        (spec.uris[file], pointer): name for (file, pointer), name in names.items()
    }
    base_uri = spec.uris[relative]
    return _rewrite_node(copy.deepcopy(schema), base_uri, by_uri, ref_prefix, top=True)


def _rewrite_node(
    node: Any,
    base_uri: str,
    by_uri: dict[tuple[str, str], str],
    ref_prefix: str,
    *,
    top: bool = False,
) -> Any:
    if isinstance(node, list):
        return [_rewrite_node(item, base_uri, by_uri, ref_prefix) for item in node]
    if not isinstance(node, dict):
        return node

    rewritten: dict[str, Any] = {}
    for key, value in node.items():
        if key in _RESOURCE_KEYWORDS or (top and key == "$defs"):
            continue
        if key == "$ref" and isinstance(value, str):
            rewritten[key] = ref_prefix + _ref_name(base_uri, value, by_uri)
        elif key in ("properties", "patternProperties", "$defs"):
            # Keys of these keywords are names chosen by the schema, not keywords.
            rewritten[key] = {
                name: _rewrite_node(sub, base_uri, by_uri, ref_prefix)
                for name, sub in value.items()
            }
        else:
            rewritten[key] = _rewrite_node(value, base_uri, by_uri, ref_prefix)
    return rewritten


def _ref_name(base_uri: str, ref: str, by_uri: dict[tuple[str, str], str]) -> str:
    uri, fragment = urldefrag(urljoin(base_uri, ref))
    name = by_uri.get((uri, fragment))
    if name is None:
        raise SpecError(
            f"{base_uri}: $ref {ref!r} points to neither a schema file nor a "
            "$defs entry, so it cannot be bundled"
        )
    return name
