"""The generated OpenAPI 3.1 document: validity, schemas, paths and prediction APIs."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import referencing
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing.jsonschema import DRAFT202012

import mlspec
from mlspec.generate import GenerationError
from mlspec.generate.openapi import OUTPUT_PATH, generate_openapi
from mlspec.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
CHURN = mlspec.read_document(ROOT / "examples" / "churn.yaml")
OPENAPI_URI = "urn:mlspec:openapi"


def generate(document=None):
    """Return the parsed OpenAPI document and the gaps reported while generating it."""
    gaps: list[tuple[str, str]] = []
    text = generate_openapi(
        load_spec(), lambda *gap: gaps.append(gap), document=document
    )[OUTPUT_PATH]
    return yaml.safe_load(text), gaps


def component_validator(openapi, name):
    """Return a validator for one component schema, with refs resolved in ``openapi``."""
    resource = DRAFT202012.create_resource(openapi)
    registry = referencing.Registry().with_resource(OPENAPI_URI, resource)
    schema = {"$ref": f"{OPENAPI_URI}#/components/schemas/{name}"}
    return Draft202012Validator(schema, registry=registry)


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_validator_accepts_document():
    openapi, gaps = generate()

    validate_openapi(openapi)
    assert openapi["openapi"] == "3.1.0"
    assert gaps == []


def test_validator_accepts_document_with_prediction_api():
    openapi, gaps = generate(CHURN)

    validate_openapi(openapi)
    assert gaps == []


def test_committed_file_matches_generator():
    committed = (ROOT / "generated" / OUTPUT_PATH).read_text(encoding="utf-8")

    assert yaml.safe_load(committed) == generate()[0]


def test_every_churn_entity_validates_against_component():
    openapi, _ = generate()
    spec = load_spec()
    checked = 0

    for entity in spec.entities:
        section = CHURN.get(entity.section, {})
        validator = component_validator(openapi, entity.title)
        for instance in section.get(entity.list_name, []):
            errors = [error.message for error in validator.iter_errors(instance)]
            assert errors == [], f"{entity.title}: {errors}"
            checked += 1

    assert checked == 11


@pytest.mark.parametrize(
    ("component", "pointer"),
    [
        ("Artifact", ("experiment_management", "runs", 0, "artifacts")),
        (
            "MonitoringMetric",
            ("model_serving", "model_monitoring", 0, "monitoring_metrics"),
        ),
        ("PredictionLog", ("model_serving", "model_monitoring", 0, "prediction_logs")),
        (
            "TrainingIteration",
            ("model_training", "training_runs", 0, "training_iterations"),
        ),
    ],
)
def test_nested_churn_entities_validate(component, pointer):
    openapi, _ = generate()
    instances = CHURN
    for part in pointer:
        instances = instances[part]

    validator = component_validator(openapi, component)

    assert instances
    for instance in instances:
        assert list(validator.iter_errors(instance)) == []


def test_whole_churn_document_validates():
    openapi, _ = generate()

    validator = component_validator(openapi, "MLMetadataDocument")

    assert list(validator.iter_errors(CHURN)) == []


def test_component_rejects_invalid_entity():
    openapi, _ = generate()
    run = copy.deepcopy(CHURN["experiment_management"]["runs"][0])
    run["run_status"] = "Done"

    errors = list(component_validator(openapi, "Run").iter_errors(run))

    assert [error.validator for error in errors] == ["enum"]


def test_no_nullable_keyword_and_local_refs():
    openapi, _ = generate()

    nodes = list(walk(openapi["components"]))

    assert not any("nullable" in node for node in nodes)
    refs = [node["$ref"] for node in nodes if "$ref" in node]
    assert refs
    assert all(ref.startswith("#/components/schemas/") for ref in refs)


def test_nullable_field_is_type_array():
    openapi, _ = generate()

    description = openapi["components"]["schemas"]["Experiment"]["properties"][
        "experiment_description"
    ]

    assert description["type"] == ["string", "null"]


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/experiments", {"get", "post"}),
        ("/experiments/{experiment_id}", {"get"}),
        ("/runs", {"get", "post"}),
        ("/runs/{run_id}", {"get"}),
        ("/registered-models", {"get", "post"}),
        ("/registered-models/{model_id}", {"get"}),
        ("/model-versions", {"get", "post"}),
        ("/model-versions/{version_id}", {"get"}),
        ("/model-deployments", {"get", "post"}),
        ("/model-deployments/{deployment_id}", {"get"}),
        ("/validate", {"post"}),
    ],
)
def test_service_path_has_operations(path, methods):
    openapi, _ = generate()

    operations = set(openapi["paths"][path]) - {"parameters", "servers"}

    assert operations == methods


def test_validate_returns_findings():
    openapi, _ = generate()
    response = openapi["paths"]["/validate"]["post"]["responses"]["200"]
    finding = openapi["components"]["schemas"]["Finding"]

    schema = response["content"]["application/json"]["schema"]

    assert schema == {"$ref": "#/components/schemas/ValidationReport"}
    assert set(finding["properties"]) == {
        "file",
        "line",
        "column",
        "pointer",
        "schema_path",
        "rule",
        "severity",
        "message",
    }


def test_finding_schema_accepts_real_finding():
    openapi, _ = generate()
    report = mlspec.validate(ROOT / "examples" / "invalid" / "schema-enum.yaml")
    body = {"valid": report.valid, "findings": [f.to_dict() for f in report.findings]}

    errors = list(component_validator(openapi, "ValidationReport").iter_errors(body))

    assert errors == []


def test_prediction_endpoint_from_document():
    openapi, _ = generate(CHURN)
    api = CHURN["model_serving"]["model_apis"][0]

    operation = openapi["paths"][api["api_endpoint"]]["post"]
    schemas = openapi["components"]["schemas"]

    request = operation["requestBody"]["content"]["application/json"]["schema"]
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert request == {"$ref": "#/components/schemas/API-20240116090000.request"}
    assert response == {"$ref": "#/components/schemas/API-20240116090000.response"}
    assert schemas["API-20240116090000.request"] == api["request_schema"]
    assert schemas["API-20240116090000.response"] == api["response_schema"]


def document_with_api(**fields):
    document = copy.deepcopy(CHURN)
    document["model_serving"]["model_apis"][0].update(fields)
    return document


def test_get_prediction_api_reported():
    openapi, gaps = generate(document_with_api(api_method="GET"))

    assert "get" in openapi["paths"]["/v1/models/churn/predict"]
    assert [location for location, _ in gaps] == [
        "document#/model_serving/model_apis/0/api_method"
    ]


def test_full_url_endpoint_gets_server():
    endpoint = "https://models.example.com/churn/{model}/predict"

    openapi, gaps = generate(document_with_api(api_endpoint=endpoint))

    path_item = openapi["paths"]["/churn/{model}/predict"]
    assert path_item["servers"] == [{"url": "https://models.example.com"}]
    assert path_item["parameters"][0]["name"] == "model"
    assert gaps == []
    validate_openapi(openapi)


def test_endpoint_clashing_with_service_reported():
    openapi, gaps = generate(document_with_api(api_endpoint="/validate"))

    assert "validateDocument" == openapi["paths"]["/validate"]["post"]["operationId"]
    assert "already an operation" in gaps[0][1]


def test_api_schema_local_refs_rewritten():
    request = {
        "type": "object",
        "properties": {"row": {"$ref": "#/$defs/Row"}},
        "$defs": {"Row": {"type": "array", "items": {"type": "number"}}},
    }

    openapi, _ = generate(document_with_api(request_schema=request))

    component = openapi["components"]["schemas"]["API-20240116090000.request"]
    assert component["properties"]["row"]["$ref"] == (
        "#/components/schemas/API-20240116090000.request/$defs/Row"
    )
    validator = component_validator(openapi, "API-20240116090000.request")
    assert validator.is_valid({"row": [1.5]})
    assert not validator.is_valid({"row": ["x"]})


def test_invalid_model_api_rejected():
    document = document_with_api()
    del document["model_serving"]["model_apis"][0]["request_schema"]

    with pytest.raises(GenerationError, match="model_apis/0: invalid model API"):
        generate(document)


def test_api_id_with_slashes_stays_one_component():
    openapi, _ = generate(document_with_api(api_id="../../x"))

    names = [
        name for name in openapi["components"]["schemas"] if name.endswith("x.request")
    ]
    assert names == [".._.._x.request"]
    validator = component_validator(openapi, names[0])
    assert validator.is_valid({"features": [1.0]})
