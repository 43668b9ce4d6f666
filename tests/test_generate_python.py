"""The generated pydantic models: round trips, names, aliases, spec rules and mypy."""

from __future__ import annotations

import enum
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import pydantic
import pytest

import mlspec
import mlspec.models
from mlspec.generate.python import OUTPUT_PATH, generate_python
from mlspec.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
COMMITTED_MODELS = ROOT / "generated" / OUTPUT_PATH
EXAMPLES = sorted(
    path for path in (ROOT / "examples").glob("*") if path.suffix in (".json", ".yaml")
)
INVALID = ROOT / "examples" / "invalid"

# Rules that are about the shape of one document, which the models also check.
SHAPE_RULE = re.compile(r"^(parse-|schema-|jsonl-|number-not-finite|spec-version-)")


def generate_module(spec_dir: Path, tmp_path: Path):
    """Generate models from ``spec_dir``, import them under a fresh name and return the module."""
    gaps: list[tuple[str, str]] = []
    source = generate_python(load_spec(spec_dir), lambda *gap: gaps.append(gap))[
        OUTPUT_PATH
    ]
    path = tmp_path / f"models_{uuid.uuid4().hex}.py"
    path.write_text(source, encoding="utf-8")
    module_spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[path.stem] = module
    module_spec.loader.exec_module(module)
    module.gaps = gaps
    return module


def copy_spec(tmp_path: Path) -> Path:
    spec_dir = tmp_path / "spec"
    shutil.copytree(ROOT / "spec", spec_dir)
    return spec_dir


def edit_schema(spec_dir: Path, relative: str, change) -> None:
    path = spec_dir / relative
    schema = json.loads(path.read_text(encoding="utf-8"))
    change(schema)
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")


def enum_classes(module) -> dict[str, list[tuple[str, str]]]:
    return {
        name: [(member.name, member.value) for member in value]
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, enum.Enum)
        and value.__module__ == module.__name__
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_round_trips(path):
    document = mlspec.read_document(path)

    model = mlspec.models.MLMetadataDocument.model_validate(document)

    assert model.model_dump(by_alias=True, exclude_unset=True) == document
    assert model.model_dump(by_alias=True, exclude_unset=True, mode="json") == document


def schema_valid_invalid_examples():
    for path in sorted(INVALID.glob("*.yaml")):
        if path.name == "expected.yaml":
            continue
        report = mlspec.validate(path)
        if not any(SHAPE_RULE.match(finding.rule) for finding in report.errors):
            yield path


@pytest.mark.parametrize(
    "path", list(schema_valid_invalid_examples()), ids=lambda path: path.name
)
def test_schema_valid_example_round_trips(path):
    document = mlspec.read_document(path)

    model = mlspec.models.MLMetadataDocument.model_validate(document)

    assert model.model_dump(by_alias=True, exclude_unset=True) == document


def test_committed_models_are_loaded():
    assert mlspec.models.Run.__module__ == "mlspec.models._generated"
    assert Path(sys.modules["mlspec.models._generated"].__file__) == COMMITTED_MODELS
    assert "MLMetadataDocument" in mlspec.models.__all__


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("RunStatus", ["Running", "Finished", "Failed", "Killed"]),
        ("ModelVersionStage", ["None", "Staging", "Production", "Archived"]),
        ("DeploymentStatus", ["Deploying", "Active", "Inactive", "Failed"]),
        ("TrainingRunStatus", ["Pending", "Running", "Completed", "Failed"]),
        ("ArtifactType", ["Model", "Data", "Code", "Other"]),
    ],
)
def test_enum_class_named_after_title(name, values):
    enum_class = getattr(mlspec.models, name)

    assert issubclass(enum_class, enum.Enum)
    assert [member.value for member in enum_class] == values


def test_no_class_name_is_numbered():
    numbered = [name for name in mlspec.models.__all__ if re.search(r"\d$", name)]

    assert numbered == []


def test_enum_defaults_are_members():
    run = mlspec.models.Run(
        run_id="r", experiment_id="e", run_name="n", start_time="2024-01-01T00:00:00Z"
    )

    assert run.run_status is mlspec.models.RunStatus.Running
    assert run.model_dump(by_alias=True, exclude_unset=True)["run_id"] == "r"
    assert "run_status" not in run.model_dump(exclude_unset=True)


def run_data(**fields):
    data = {
        "run_id": "r",
        "experiment_id": "e",
        "run_name": "",
        "start_time": "2024-01-01T10:00:00+02:00",
    }
    data.update(fields)
    return data


def test_non_finite_metric_strings_kept():
    data = run_data(metrics={"a": "NaN", "b": "Infinity", "c": "-Infinity", "d": -1e-9})

    run = mlspec.models.Run.model_validate(data)

    assert run.model_dump(by_alias=True, exclude_unset=True) == data


@pytest.mark.parametrize("value", ["nan", "1.5", True, None])
def test_metric_value_not_coerced(value):
    with pytest.raises(pydantic.ValidationError):
        mlspec.models.Run.model_validate(run_data(metrics={"a": value}))


def test_timestamp_kept_as_written():
    data = run_data(start_time="2024-01-01 10:00:00.000")

    run = mlspec.models.Run.model_validate(data)

    assert run.start_time == "2024-01-01 10:00:00.000"


def test_extension_field_round_trips():
    data = run_data(**{"x-team": {"owner": "ds"}})

    run = mlspec.models.Run.model_validate(data)

    assert run.model_dump(by_alias=True, exclude_unset=True) == data


def test_undeclared_field_rejected():
    with pytest.raises(pydantic.ValidationError, match="'bogus' is not defined"):
        mlspec.models.Run.model_validate(run_data(bogus=1))


def test_closed_object_without_extensions_rejects_x_field():
    with pytest.raises(pydantic.ValidationError, match="'x-extra' is not defined"):
        mlspec.models.AutoScaling.model_validate({"x-extra": 1})


@pytest.mark.parametrize(
    ("model", "data"),
    [
        ("Run", run_data(tags=["a", "a"])),
        (
            "ExperimentComparison",
            {
                "comparison_id": "c",
                "experiment_ids": ["e1", "e1"],
                "comparison_date": "2024-01-01T00:00:00Z",
            },
        ),
    ],
)
def test_repeated_unique_items_rejected(model, data):
    with pytest.raises(pydantic.ValidationError, match="repeats an item"):
        getattr(mlspec.models, model).model_validate(data)


def test_control_character_in_id_rejected():
    with pytest.raises(pydantic.ValidationError):
        mlspec.models.Run.model_validate(run_data(run_id="a\nb"))


CLASHING_NAMES = {
    "class": "class_",
    "from": "from_",
    "schema": "schema_",
    "validate": "validate_",
    "model_config": "model_config_",
    "my-field": "my_field",
}


def add_clashing_fields(schema):
    for name in CLASHING_NAMES:
        schema["properties"][name] = {"type": "string"}


def test_clashing_field_names_get_aliases(tmp_path):
    spec_dir = copy_spec(tmp_path)
    edit_schema(
        spec_dir, "experiment_management/artifact.schema.json", add_clashing_fields
    )
    module = generate_module(spec_dir, tmp_path)
    data = {
        "artifact_id": "a",
        "artifact_path": "p",
        "artifact_type": "Model",
        **{name: f"value of {name}" for name in CLASHING_NAMES},
    }

    artifact = module.Artifact.model_validate(data)

    for name, attribute in CLASHING_NAMES.items():
        assert getattr(artifact, attribute) == f"value of {name}"
    assert artifact.model_dump(by_alias=True, exclude_unset=True) == data


def test_clashing_field_settable_by_attribute_name(tmp_path):
    spec_dir = copy_spec(tmp_path)
    edit_schema(
        spec_dir, "experiment_management/artifact.schema.json", add_clashing_fields
    )
    module = generate_module(spec_dir, tmp_path)

    artifact = module.Artifact(
        artifact_id="a", artifact_path="p", artifact_type="Model", class_="c"
    )

    assert artifact.model_dump(by_alias=True, exclude_unset=True)["class"] == "c"


def add_dataset_entity(spec_dir: Path) -> None:
    """Add a Dataset entity with its own enum, listed first in its section."""
    dataset = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://mlspec.dev/spec/1.0/experiment_management/dataset.schema.json",
        "title": "Dataset",
        "type": "object",
        "required": ["dataset_id"],
        "properties": {
            "dataset_id": {"$ref": "../defs.schema.json#/$defs/id"},
            "dataset_kind": {"$ref": "#/$defs/DatasetKind"},
        },
        "additionalProperties": False,
        "$defs": {
            "DatasetKind": {
                "title": "DatasetKind",
                "type": "string",
                "enum": ["A", "B"],
            }
        },
    }
    path = spec_dir / "experiment_management" / "dataset.schema.json"
    path.write_text(json.dumps(dataset), encoding="utf-8")

    def list_datasets_first(document):
        section = document["$defs"]["ExperimentManagement"]
        datasets = {
            "type": "array",
            "items": {"$ref": "experiment_management/dataset.schema.json"},
        }
        section["properties"] = {"datasets": datasets, **section["properties"]}

    edit_schema(spec_dir, "document.schema.json", list_datasets_first)


def reverse_entity_order(spec_dir: Path) -> None:
    def reverse(document):
        document["properties"] = dict(reversed(document["properties"].items()))
        for section in document["$defs"].values():
            section["properties"] = dict(reversed(section["properties"].items()))

    edit_schema(spec_dir, "document.schema.json", reverse)


def test_enums_stable_when_entities_added_and_reordered(tmp_path):
    before = enum_classes(generate_module(ROOT / "spec", tmp_path))
    spec_dir = copy_spec(tmp_path)
    add_dataset_entity(spec_dir)
    reverse_entity_order(spec_dir)

    after = enum_classes(generate_module(spec_dir, tmp_path))

    assert after.pop("DatasetKind") == [("A", "A"), ("B", "B")]
    assert after == before


def test_committed_models_report_no_gaps(tmp_path):
    module = generate_module(ROOT / "spec", tmp_path)

    assert module.gaps == []


def test_unsupported_keyword_reported(tmp_path):
    spec_dir = copy_spec(tmp_path)

    def add_if(schema):
        schema["if"] = {"required": ["end_time"]}

    edit_schema(spec_dir, "experiment_management/run.schema.json", add_if)

    module = generate_module(spec_dir, tmp_path)

    assert (
        "experiment_management/run.schema.json#",
        "keyword 'if' is not enforced by the pydantic models",
    ) in module.gaps


def add_typed_extensions(schema):
    schema["patternProperties"]["^x-"]["type"] = "string"


def add_open_map(schema):
    schema["additionalProperties"] = {"type": "string"}


def add_one_of(schema):
    schema["properties"]["duration"] = {"oneOf": [{"type": "number"}, {"type": "null"}]}


def add_nested_unique(schema):
    schema["properties"]["grid"] = {
        "type": "array",
        "items": {"type": "array", "uniqueItems": True, "items": {"type": "integer"}},
    }


@pytest.mark.parametrize(
    ("change", "location", "message"),
    [
        (add_typed_extensions, "#", "values of patternProperties '^x-' are not"),
        (add_open_map, "#", "additionalProperties beside properties is not"),
        (add_one_of, "#/properties/duration", "oneOf becomes a union"),
        (add_nested_unique, "#/properties/grid/items", "uniqueItems is only"),
    ],
)
def test_lossy_construct_reported(tmp_path, change, location, message):
    spec_dir = copy_spec(tmp_path)
    edit_schema(spec_dir, "experiment_management/run.schema.json", change)

    module = generate_module(spec_dir, tmp_path)

    locations = [gap[0] for gap in module.gaps if gap[1].startswith(message)]
    assert locations == [f"experiment_management/run.schema.json{location}"]


def test_mypy_accepts_generated_models():
    environment = dict(os.environ, MYPYPATH=str(ROOT / "src"))
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-incremental",
        "--follow-imports=silent",
        str(COMMITTED_MODELS),
        str(ROOT / "src" / "mlspec" / "models" / "base.py"),
    ]

    result = subprocess.run(
        command, capture_output=True, text=True, env=environment, cwd=ROOT
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_duplicate_title_is_spec_error(tmp_path):
    spec_dir = copy_spec(tmp_path)

    def retitle(schema):
        schema["$defs"]["ArtifactType"]["title"] = "RunStatus"

    edit_schema(spec_dir, "experiment_management/artifact.schema.json", retitle)

    with pytest.raises(mlspec.SpecError, match="gives the name RunStatus"):
        generate_python(load_spec(spec_dir), lambda *gap: None)


def test_wheel_layout_loads_packaged_models(tmp_path):
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    packaged = wheel["force-include"]["generated/python/models.py"]
    site = tmp_path / "site"
    shutil.copytree(ROOT / "src" / "mlspec", site / "mlspec")
    shutil.copy(COMMITTED_MODELS, site / packaged)
    code = "import mlspec.models as m; print(m.Run.__module__, m.Run.__name__)"
    environment = dict(os.environ, PYTHONPATH=str(site))

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
    )

    assert packaged == "mlspec/models/_generated.py"
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["mlspec.models._generated", "Run"]
