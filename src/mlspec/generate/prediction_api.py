"""Add the prediction endpoints of a document's model APIs to an OpenAPI description.

Each ``model_serving.model_apis`` entry becomes one operation at its
``api_endpoint`` with its ``api_method`` (default POST). Its
``request_schema`` and ``response_schema`` become component schemas named
``<api_id>.request`` and ``<api_id>.response`` (characters that OpenAPI does
not allow in a component name become ``_``). A ``$ref`` inside those schemas
that starts with ``#`` is rewritten to point into the component, unless the
schema sets its own ``$id``, which makes such refs resolve against it.
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urlsplit

from mlspec.generate.framework import GenerationError, ReportUnsupported
from mlspec.generate.openapi import JSON, SCHEMA_PREFIX
from mlspec.spec import Spec

_COMPONENT_NAME_INVALID = re.compile(r"[^A-Za-z0-9._-]")
_PATH_TEMPLATE = re.compile(r"\{([^{}]+)\}")


def add_prediction_endpoints(
    spec: Spec,
    document: dict[str, Any],
    document_name: str,
    paths: dict[str, Any],
    schemas: dict[str, Any],
    unsupported: ReportUnsupported,
) -> None:
    """Add one operation per model API of ``document`` to ``paths`` and ``schemas``.

    Locations in reports and errors start with ``document_name``.
    """
    apis = (document.get("model_serving") or {}).get("model_apis") or []
    for index, api in enumerate(apis):
        location = f"{document_name}#/model_serving/model_apis/{index}"
        _check_api(spec, api, location)
        _add_endpoint(api, location, paths, schemas, unsupported)


def _check_api(spec: Spec, api: Any, location: str) -> None:
    """Raise ``GenerationError`` unless ``api`` is a valid ModelAPI entity."""
    from jsonschema import Draft202012Validator

    entity = spec.entity("model_apis")
    validator = Draft202012Validator(
        {"$ref": entity.uri}, registry=spec.registry, format_checker=None
    )
    error = next(
        iter(sorted(validator.iter_errors(api), key=lambda e: e.json_path)), None
    )
    if error is not None:
        pointer = "".join(f"/{part}" for part in error.absolute_path)
        raise GenerationError(
            f"{location}{pointer}: invalid model API: {error.message}"
        )


def _add_endpoint(
    api: dict[str, Any],
    location: str,
    paths: dict[str, Any],
    schemas: dict[str, Any],
    unsupported: ReportUnsupported,
) -> None:
    path, server = _split_endpoint(api["api_endpoint"], location, unsupported)
    method = api.get("api_method", "POST").lower()
    path_item = paths.setdefault(path, {})
    if method in path_item:
        unsupported(
            f"{location}/api_endpoint",
            f"{method.upper()} {path} is already an operation; this API is left out",
        )
        return

    name = _COMPONENT_NAME_INVALID.sub("_", api["api_id"])
    request_name, response_name = f"{name}.request", f"{name}.response"
    if request_name in schemas or response_name in schemas:
        unsupported(
            f"{location}/api_id",
            f"component schema {request_name} already exists; this API is left out",
        )
        return
    schemas[request_name] = _component(api["request_schema"], request_name)
    schemas[response_name] = _component(api["response_schema"], response_name)

    operation = _operation(api, name, request_name, response_name)
    if method == "get":
        unsupported(
            f"{location}/api_method",
            "a GET request body has no defined meaning in HTTP; it is described anyway",
        )
    if server is not None:
        path_item.setdefault("servers", [{"url": server}])
    parameters = _path_parameters(path)
    if parameters:
        path_item.setdefault("parameters", parameters)
    path_item[method] = operation


def _operation(
    api: dict[str, Any], name: str, request_name: str, response_name: str
) -> dict[str, Any]:
    version = api.get("api_version", "v1")
    operation: dict[str, Any] = {
        "operationId": f"predict_{name}",
        "summary": f"Prediction API {api['api_id']}, version {version}.",
    }
    if api.get("api_documentation"):
        operation["description"] = api["api_documentation"]
    operation["tags"] = ["prediction"]
    operation["requestBody"] = {
        "required": True,
        "content": {JSON: {"schema": {"$ref": SCHEMA_PREFIX + request_name}}},
    }
    operation["responses"] = {
        "200": {
            "description": "The prediction.",
            "content": {JSON: {"schema": {"$ref": SCHEMA_PREFIX + response_name}}},
        }
    }
    return operation


def _split_endpoint(
    endpoint: str, location: str, unsupported: ReportUnsupported
) -> tuple[str, str | None]:
    """Return the OpenAPI path of ``endpoint`` and, for a full URL, its server URL."""
    parts = urlsplit(endpoint)
    server = (
        f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
    )
    path = (
        parts.path if server is not None else endpoint.split("?", 1)[0].split("#", 1)[0]
    )
    if parts.query or parts.fragment:
        unsupported(
            f"{location}/api_endpoint",
            f"the query or fragment of {endpoint!r} cannot be part of an OpenAPI path; "
            "it is left out",
        )
    if not path.startswith("/"):
        unsupported(
            f"{location}/api_endpoint",
            f"{endpoint!r} does not start with /; it is described as /{path}",
        )
        path = "/" + path
    return path, server


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PATH_TEMPLATE.findall(path)
    ]


def _component(schema: Any, name: str) -> Any:
    """Return a copy of an API's JSON Schema that works as a component schema."""
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    schema = copy.deepcopy(schema)
    if "$id" not in schema:
        _rewrite_local_refs(schema, SCHEMA_PREFIX + name)
    return schema


def _rewrite_local_refs(node: Any, prefix: str) -> None:
    if isinstance(node, list):
        for item in node:
            _rewrite_local_refs(item, prefix)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                if value.startswith("#"):
                    node[key] = prefix + value[1:]
            elif key not in ("enum", "const", "default", "examples"):
                _rewrite_local_refs(value, prefix)
