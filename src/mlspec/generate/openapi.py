"""Generate an OpenAPI 3.1 description of a metadata service for the spec.

``components.schemas`` contains the bundled spec (``mlspec.generate.bundle``)
with every ``$ref`` pointing at ``#/components/schemas/<name>``. OpenAPI 3.1
uses JSON Schema 2020-12, so the schemas are copied as they are: nullable
fields stay type arrays or ``anyOf`` with ``null``, never the 3.0
``nullable`` keyword. The paths create, read and list experiments, runs,
registered models, model versions and deployments, and ``POST /validate``
returns the findings for a document. With a document, each of its model
APIs adds its prediction endpoint (``mlspec.generate.prediction_api``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlspec.generate.bundle import bundle, class_name
from mlspec.generate.framework import GenerationError, ReportUnsupported
from mlspec.spec import EntityKind, Spec

OUTPUT_PATH = "openapi/openapi.yaml"
OPENAPI_VERSION = "3.1.0"
SCHEMA_PREFIX = "#/components/schemas/"
JSON = "application/json"

# Entity kinds that get create, read and list operations.
SERVICE_KINDS = (
    "experiment",
    "run",
    "registered_model",
    "model_version",
    "model_deployment",
)


@dataclass(frozen=True)
class Resource:
    """A collection of the service, such as ``/model-versions``."""

    entity: EntityKind
    schema: str

    @property
    def path(self) -> str:
        return "/" + self.entity.list_name.replace("_", "-")

    @property
    def page_schema(self) -> str:
        return f"{self.schema}Page"


def generate_openapi(
    spec: Spec,
    unsupported: ReportUnsupported,
    document: dict[str, Any] | None = None,
    document_name: str = "document",
) -> dict[str, str]:
    """Return ``{"openapi/openapi.yaml": text}`` for the spec and a document."""
    schemas = component_schemas(spec)
    resources = [
        Resource(entity, class_name(entity.title))
        for entity in spec.entities
        if entity.kind in SERVICE_KINDS
    ]
    _add_schema(schemas, "Error", ERROR_SCHEMA)
    _add_schema(schemas, "Finding", FINDING_SCHEMA)
    _add_schema(schemas, "ValidationReport", VALIDATION_REPORT_SCHEMA)
    for resource in resources:
        _add_schema(schemas, resource.page_schema, _page_schema(resource))

    paths: dict[str, Any] = {}
    for resource in resources:
        paths.update(_resource_paths(resource))
    paths["/validate"] = _validate_path()

    if document is not None:
        from mlspec.generate.prediction_api import add_prediction_endpoints

        add_prediction_endpoints(
            spec, document, document_name, paths, schemas, unsupported
        )

    tags = sorted({resource.entity.section for resource in resources}) + ["validation"]
    if document is not None:
        tags.append("prediction")
    description = _openapi_document(spec, tags, paths, schemas)
    return {OUTPUT_PATH: dump_yaml(description)}


def component_schemas(spec: Spec) -> dict[str, Any]:
    """Return the bundled spec, document schema included, as component schemas."""
    bundled = bundle(spec, ref_prefix=SCHEMA_PREFIX)
    schemas: dict[str, Any] = bundled.pop("$defs")
    bundled.pop("$schema", None)
    _add_schema(schemas, class_name(bundled["title"]), bundled)
    return schemas


def _add_schema(schemas: dict[str, Any], name: str, schema: Any) -> None:
    if name in schemas:
        raise GenerationError(
            f"openapi: component schema {name} is defined by the spec "
            "and by the generator"
        )
    schemas[name] = schema


def _openapi_document(
    spec: Spec,
    tags: list[str],
    paths: dict[str, Any],
    schemas: dict[str, Any],
) -> dict[str, Any]:
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "mlspec metadata service",
            "version": spec.version,
            "description": (
                "Stores and serves ML metadata entities of mlspec "
                f"{spec.version} and validates mlspec documents."
            ),
        },
        "tags": [{"name": tag} for tag in tags],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def _resource_paths(resource: Resource) -> dict[str, Any]:
    title, schema = resource.entity.title, resource.schema
    id_field = resource.entity.id_field
    tags = [resource.entity.section]
    collection = {
        "get": {
            "operationId": f"list{schema}s",
            "summary": f"List {title} entities, a page at a time.",
            "tags": tags,
            "parameters": [LIMIT_PARAMETER, PAGE_TOKEN_PARAMETER],
            "responses": {
                "200": _json_response("One page of entities.", resource.page_schema)
            },
        },
        "post": {
            "operationId": f"create{schema}",
            "summary": f"Create one {title}.",
            "tags": tags,
            "requestBody": {"required": True, "content": _json_content(schema)},
            "responses": {
                "201": _json_response("The entity as stored.", schema),
                "409": _json_response(f"This {id_field} is already taken.", "Error"),
                "422": _json_response(
                    "The entity is invalid; the findings say why.", "ValidationReport"
                ),
            },
        },
    }
    item = {
        "parameters": [
            {
                "name": id_field,
                "in": "path",
                "required": True,
                "description": f"The {id_field} of the {title}.",
                "schema": {"$ref": SCHEMA_PREFIX + "Identifier"},
            }
        ],
        "get": {
            "operationId": f"get{schema}",
            "summary": f"Read one {title}.",
            "tags": tags,
            "responses": {
                "200": _json_response("The entity.", schema),
                "404": _json_response(f"No {title} has this {id_field}.", "Error"),
            },
        },
    }
    return {resource.path: collection, f"{resource.path}/{{{id_field}}}": item}


def _validate_path() -> dict[str, Any]:
    return {
        "post": {
            "operationId": "validateDocument",
            "summary": "Validate a document and return its findings.",
            "description": (
                "The body is checked against the spec and the cross-entity rules. "
                "An invalid document is not an HTTP error: its problems are findings "
                "in a 200 response."
            ),
            "tags": ["validation"],
            "requestBody": {
                "required": True,
                "content": {
                    JSON: {
                        "schema": {
                            "type": "object",
                            "description": (
                                "An mlspec document (MLMetadataDocument). It is "
                                "not rejected for schema errors; they come back "
                                "as findings."
                            ),
                        }
                    }
                },
            },
            "responses": {
                "200": _json_response("The findings.", "ValidationReport"),
                "400": _json_response("The body is not JSON.", "Error"),
            },
        }
    }


def _page_schema(resource: Resource) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"One page of {resource.entity.title} entities.",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "items": {"$ref": SCHEMA_PREFIX + resource.schema},
            },
            "next_page_token": {
                "type": ["string", "null"],
                "description": "Token of the next page; null on the last page.",
            },
        },
        "additionalProperties": False,
    }


def _json_content(schema: str) -> dict[str, Any]:
    return {JSON: {"schema": {"$ref": SCHEMA_PREFIX + schema}}}


def _json_response(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": _json_content(schema)}


def dump_yaml(data: Any) -> str:
    """Dump ``data`` as block-style YAML in insertion order, without aliases."""
    import yaml

    class Dumper(yaml.SafeDumper):  # type: ignore[misc, unused-ignore]
        def ignore_aliases(self, data: Any) -> bool:
            return True

    text: str = yaml.dump(
        data,
        Dumper=Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=88,
    )
    return text


LIMIT_PARAMETER = {
    "name": "limit",
    "in": "query",
    "description": "Maximum number of entities in the page.",
    "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
}

PAGE_TOKEN_PARAMETER = {
    "name": "page_token",
    "in": "query",
    "description": "next_page_token of the previous page; absent for the first page.",
    "schema": {"type": "string"},
}

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error that is not about the content of a document.",
    "required": ["message"],
    "properties": {"message": {"type": "string", "description": "What failed."}},
    "additionalProperties": False,
}

FINDING_SCHEMA = {
    "type": "object",
    "description": "One problem found in a document.",
    "required": [
        "file",
        "line",
        "column",
        "pointer",
        "schema_path",
        "rule",
        "severity",
        "message",
    ],
    "properties": {
        "file": {"type": "string", "description": "Name of the input."},
        "line": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "1-based line, or null when the position is not known.",
        },
        "column": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "1-based column, or null when the position is not known.",
        },
        "pointer": {
            "type": "string",
            "description": "JSON pointer of the value in the document.",
        },
        "schema_path": {
            "type": ["string", "null"],
            "description": "JSON pointer of the schema keyword that failed, if any.",
        },
        "rule": {
            "type": "string",
            "description": "Stable rule code, such as ref-unresolved.",
        },
        "severity": {"type": "string", "enum": ["error", "warning"]},
        "message": {"type": "string", "description": "What is wrong, in one sentence."},
    },
    "additionalProperties": False,
}

VALIDATION_REPORT_SCHEMA = {
    "type": "object",
    "description": "The result of validating a document or an entity.",
    "required": ["valid", "findings"],
    "properties": {
        "valid": {
            "type": "boolean",
            "description": "True when no finding is an error.",
        },
        "findings": {"type": "array", "items": {"$ref": SCHEMA_PREFIX + "Finding"}},
    },
    "additionalProperties": False,
}
