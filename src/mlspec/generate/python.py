"""Generate pydantic v2 models of the spec with datamodel-code-generator.

The spec is bundled into one schema first (``mlspec.generate.bundle``), so
every class is named after a schema ``title`` (``Run``, ``RunStatus``) and
the names do not depend on file order. Options that shape the output:

- timestamps stay ``str`` as written (``format`` is read as an annotation,
  as JSON Schema 2020-12 does), so a document dumps back to the same text;
- ``patternProperties`` (``x-`` extension fields) and ``uniqueItems`` are
  enforced by validators that datamodel-code-generator writes;
- an enum with a ``title`` becomes an Enum class of that name, and an enum
  without one (the ``"NaN"``/``"Infinity"`` strings of a metric value)
  becomes a ``Literal``, which never needs a made-up or numbered name.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from typing import Any

from mlspec.generate.bundle import bundle, definition_names
from mlspec.generate.framework import GenerationError, ReportUnsupported
from mlspec.generate.schema_walk import iter_subschemas
from mlspec.models.base import EXTENSION_PATTERNS_KEY, UNIQUE_ITEMS_KEY
from mlspec.spec import DOCUMENT_FILE, Spec

log = logging.getLogger(__name__)

OUTPUT_PATH = "python/models.py"

# Keywords that the generated models enforce or that only annotate. Any other
# keyword in the spec is reported as unsupported.
SUPPORTED_KEYWORDS = frozenset(
    {
        "$comment", "$defs", "$id", "$ref", "$schema", "additionalProperties",
        "allOf", "anyOf", "const", "default", "deprecated", "description", "enum",
        "examples", "exclusiveMaximum", "exclusiveMinimum", "format", "items",
        "maxItems", "maxLength", "maximum", "minItems", "minLength", "minimum",
        "multipleOf", "pattern", "patternProperties", "properties",
        "propertyNames", "readOnly", "required", "title", "type", "uniqueItems",
        "writeOnly",
    }
)  # fmt: skip

# Keywords that only annotate a schema.
ANNOTATION_KEYWORDS = frozenset(
    {"$comment", "default", "deprecated", "description", "examples", "title"}
)

# Keywords the models only approximate, with what a reader of the models must
# know. They are reported like unsupported ones.
APPROXIMATED_KEYWORDS = {
    "oneOf": "oneOf becomes a union, which also accepts a value that matches "
    "several branches",
}

# datamodel-code-generator warnings start with the bundle pointer they are about.
_WARNING_POINTER = re.compile(r"^(#/\$defs/[^:\s]+|#)(?::\s*)?")


def generate_python(spec: Spec, unsupported: ReportUnsupported) -> dict[str, str]:
    """Return ``{"python/models.py": source}`` with one pydantic model per schema."""
    schema = python_schema(spec, unsupported)
    locations = _bundle_locations(spec)
    for pointer, keyword in _unsupported_keywords(schema):
        unsupported(
            _spec_location(pointer, locations),
            APPROXIMATED_KEYWORDS.get(
                keyword, f"keyword {keyword!r} is not enforced by the pydantic models"
            ),
        )

    source, messages = _run_datamodel_codegen(schema)
    for message in messages:
        pointer, text = _split_warning(message)
        unsupported(_spec_location(pointer, locations), text)
    return {OUTPUT_PATH: source}


def python_schema(
    spec: Spec, unsupported: ReportUnsupported | None = None
) -> dict[str, Any]:
    """Return the bundled spec with the marks that shape the generated models.

    Each enum without a title is marked to become a ``Literal``. Each object
    with properties records, for ``SpecModel``, whether it is closed, the
    patterns of the extension fields it allows and its ``uniqueItems``
    properties.
    """
    schema = bundle(spec)
    definitions = schema["$defs"]
    for name, definition in definitions.items():
        _title_list_branches(name, definition)

    gaps: list[tuple[str, str]] = []
    handled_unique: set[int] = set()
    for pointer, node in list(iter_subschemas(schema)):
        if "enum" in node and "title" not in node:
            node["x-enum-field-as-literal"] = True
        if isinstance(node.get("properties"), dict):
            gaps += _mark_object_rules(pointer, node, definitions, handled_unique)

    for pointer, node in iter_subschemas(schema):
        if node.get("uniqueItems") is True and id(node) not in handled_unique:
            gaps.append((pointer, "uniqueItems is only enforced on a property's list"))

    if unsupported is not None:
        locations = _bundle_locations(spec)
        for pointer, message in gaps:
            unsupported(_spec_location(pointer, locations), message)
    return schema


def _title_list_branches(name: str, definition: dict[str, Any]) -> None:
    """Title an untitled array branch of a definition's ``anyOf`` as ``<name>List``.

    datamodel-code-generator writes such a branch as a class of its own and
    would otherwise call it ``<name>1``.
    """
    for branch in definition.get("anyOf", []):
        if branch.get("type") == "array" and "title" not in branch:
            branch["title"] = f"{name}List"


def _mark_object_rules(
    pointer: str,
    node: dict[str, Any],
    definitions: dict[str, Any],
    handled_unique: set[int],
) -> list[tuple[str, str]]:
    """Record the object rules that ``SpecModel`` enforces; return what it cannot."""
    gaps = []
    additional = node.get("additionalProperties", True)
    if additional is False:
        node[EXTENSION_PATTERNS_KEY] = sorted(node.get("patternProperties", {}))
    elif additional is not True:
        gaps.append((pointer, "additionalProperties beside properties is not enforced"))
    for pattern, value_schema in node.get("patternProperties", {}).items():
        if set(value_schema) - ANNOTATION_KEYWORDS:
            gaps.append(
                (pointer, f"values of patternProperties {pattern!r} are not validated")
            )

    unique = []
    for name, property_schema in node["properties"].items():
        for candidate in _branches(property_schema, definitions):
            if candidate.get("uniqueItems") is True:
                handled_unique.add(id(candidate))
                unique.append(name)
    if unique:
        node[UNIQUE_ITEMS_KEY] = sorted(set(unique))
    return gaps


def _branches(schema: Any, definitions: dict[str, Any]) -> list[dict[str, Any]]:
    """Return ``schema`` and its ``anyOf``/``oneOf`` branches, following ``$ref``s."""
    if not isinstance(schema, dict):
        return []
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        schema = definitions.get(ref.removeprefix("#/$defs/"), {})
    found = [schema]
    for keyword in ("anyOf", "oneOf"):
        for branch in schema.get(keyword, []):
            found.extend(_branches(branch, definitions))
    return found


def _run_datamodel_codegen(schema: dict[str, Any]) -> tuple[str, list[str]]:
    """Run datamodel-code-generator on ``schema``; return the code and warnings."""
    try:
        import datamodel_code_generator as codegen
        from datamodel_code_generator.enums import StrictTypes
    except ModuleNotFoundError as error:
        raise GenerationError(
            "the python generator needs datamodel-code-generator; "
            "install it with: pip install 'mlspec[codegen]'"
        ) from error

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = codegen.generate(
            json.dumps(schema, sort_keys=False),
            input_file_type=codegen.InputFileType.JsonSchema,
            output_model_type=codegen.DataModelType.PydanticV2BaseModel,
            target_python_version=codegen.PythonVersion.PY_311,
            formatters=[codegen.Formatter.BUILTIN],
            custom_file_header="",
            disable_timestamp=True,
            use_title_as_name=True,
            collapse_root_models=True,
            collapse_constrained_root_models_as_annotated=True,
            use_annotated=True,
            strict_types=[
                StrictTypes.int,
                StrictTypes.float,
                StrictTypes.bool,
            ],
            field_constraints=True,
            read_format_as_annotation=True,
            base_class="mlspec.models.base.SpecModel",
            extra_fields="allow",
            model_extra_keys={EXTENSION_PATTERNS_KEY, UNIQUE_ITEMS_KEY},
            set_default_enum_member=True,
            use_standard_collections=True,
            use_union_operator=True,
            use_double_quotes=True,
            use_schema_description=True,
            use_field_description=True,
        )
    if not isinstance(source, str):
        raise GenerationError(
            "datamodel-code-generator returned several modules, not one"
        )
    messages = sorted({str(warning.message) for warning in caught})
    return _strip_codegen_header(source), messages


def _strip_codegen_header(source: str) -> str:
    """Drop datamodel-code-generator's own comment header; the framework adds one."""
    lines = source.splitlines(keepends=True)
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    return "".join(lines)


def _unsupported_keywords(schema: dict[str, Any]):
    """Yield (pointer, keyword) for each keyword not in ``SUPPORTED_KEYWORDS``."""
    for pointer, node in iter_subschemas(schema):
        for key in node:
            if not key.startswith("x-") and key not in SUPPORTED_KEYWORDS:
                yield pointer, key


def _bundle_locations(spec: Spec) -> dict[str, str]:
    """Map each ``#/$defs/<name>`` of the bundle to ``<file>#<pointer>`` in the spec."""
    locations = {"#": f"{DOCUMENT_FILE}#"}
    for (relative, pointer), name in definition_names(spec).items():
        locations[f"#/$defs/{name}"] = f"{relative}#{pointer}"
    return locations


def _spec_location(pointer: str, locations: dict[str, str]) -> str:
    """Translate a bundle pointer to the spec file and pointer it came from."""
    parts = pointer.split("/")
    prefix = "/".join(parts[:3]) if pointer.startswith("#/$defs/") else "#"
    rest = pointer[len(prefix) :]
    return locations.get(prefix, prefix) + rest


def _split_warning(message: str) -> tuple[str, str]:
    match = _WARNING_POINTER.match(message)
    if match is None:
        return "#", message
    return match.group(1), message[match.end() :]
