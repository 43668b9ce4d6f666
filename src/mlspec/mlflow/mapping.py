"""Field-level mapping rules between mlspec and MLflow.

The rules here are pure functions with no MLflow import, so the export
checks and the tests can use them without a tracking store. The tables in
``docs/mlflow.md`` describe the same rules.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from mlspec.timestamps import parse_timestamp

# MLflow's limits and batch sizes, as defined in mlflow.utils.validation
# (MLflow 3.17.2). They are copied as numbers so that the checks run
# without importing MLflow.
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_EXPERIMENT_TAG_VALUE_LENGTH = 20000
MAX_KEY_LENGTH = 250
MAX_EXPERIMENT_NAME_LENGTH = 500
MAX_ALIAS_LENGTH = 255
# Column widths of MLflow's SQL schema (mlflow/store/*/dbmodels/models.py in
# MLflow 3.17.2). SQLite ignores them, but PostgreSQL and MySQL reject longer
# values, so the export checks them for every store.
MAX_RUN_NAME_LENGTH = 250
MAX_MODEL_NAME_LENGTH = 256
MAX_MODEL_DESCRIPTION_LENGTH = 5000
MAX_MODEL_SOURCE_LENGTH = 500
MAX_REGISTERED_MODEL_TAG_VALUE_LENGTH = 5000
MLFLOW_RUN_ID_LENGTH = 32
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000

# System tags that MLflow itself defines (mlflow.utils.mlflow_tags).
TAG_RUN_NAME = "mlflow.runName"
TAG_NOTE = "mlflow.note.content"
TAG_PARENT_RUN = "mlflow.parentRunId"
TAG_USER = "mlflow.user"

# Tags that mlspec writes to keep fields MLflow has no place for. The
# importer reads them back and leaves them out of the document's tags.
TAG_ID = "mlspec.id"
TAG_KIND = "mlspec.kind"
TAG_TAGS_FORM = "mlspec.tags_form"
TAG_PARAMETER_TYPES = "mlspec.parameter_types"
TAG_INFINITE_METRICS = "mlspec.infinite_metrics"
TAG_CREATED_BY = "mlspec.created_by"
TAG_CREATED_AT = "mlspec.created_at"
TAG_UPDATED_AT = "mlspec.updated_at"
TAG_MODEL_FORMAT = "mlspec.model_format"
TAG_ARTIFACTS = "mlspec.artifacts"
TAG_DEFINITION = "mlspec.training_definition"

KIND_TRAINING_DEFINITION = "training_definition"
KIND_TRAINING_EXPERIMENT = "training_definitions"

RUN_STATUS_TO_MLFLOW = {
    "Running": "RUNNING",
    "Finished": "FINISHED",
    "Failed": "FAILED",
    "Killed": "KILLED",
}
RUN_STATUS_FROM_MLFLOW = {value: key for key, value in RUN_STATUS_TO_MLFLOW.items()}
# MLflow's SCHEDULED state has no mlspec equivalent, so it maps to the closest one.
RUN_STATUS_FROM_MLFLOW["SCHEDULED"] = "Running"

STAGES = ("None", "Staging", "Production", "Archived")

# MLmodel flavor name -> mlspec ModelFormat, checked in this order.
FLAVOR_FORMATS = (
    ("onnx", "ONNX"),
    ("pytorch", "PyTorch"),
    ("tensorflow", "TensorFlow"),
    ("keras", "TensorFlow"),
    ("sklearn", "Scikit_Learn"),
)

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
MAX_DOUBLE = 1.7976931348623157e308

# Epoch milliseconds below this (1973-03-03) are more likely epoch seconds.
EPOCH_SECONDS_THRESHOLD_MS = 100_000_000_000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp_to_ms(text: str) -> int:
    """Convert an RFC 3339 timestamp to epoch milliseconds, truncating microseconds."""
    return parse_timestamp(text).epoch_us // 1000


def timestamp_loses_precision(text: str) -> bool:
    """Return whether the timestamp has digits below one millisecond."""
    return parse_timestamp(text).epoch_us % 1000 != 0


def timestamp_is_utc(text: str) -> bool:
    """Return whether the timestamp ends in ``Z``, the form the importer writes."""
    return text.endswith(("Z", "z"))


def ms_to_timestamp(epoch_ms: int) -> str:
    """Format epoch milliseconds as RFC 3339 in UTC, with non-zero milliseconds shown.

    Raises ``OverflowError`` for times outside the years 1 to 9999.
    """
    moment = _EPOCH + timedelta(milliseconds=int(epoch_ms))
    text = moment.replace(tzinfo=None, microsecond=0).isoformat()
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def metric_to_float(value: float | int | str) -> float:
    """Convert a canonical metric value (a number or "NaN"/"Infinity"/"-Infinity")."""
    if isinstance(value, str):
        return NON_FINITE[value]
    return float(value)


def metric_from_float(value: float) -> float | str:
    """Convert a float from MLflow to the canonical form (non-finite as strings)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def parameter_to_string(value: Any) -> str:
    """Convert a parameter value the way MLflow's ``log_param`` does (``str``)."""
    return value if isinstance(value, str) else str(value)


def parameter_type(value: Any) -> str | None:
    """Return the JSON type name of a non-string parameter, or None for a string."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return None


def parameter_from_string(text: str, type_name: str | None) -> Any:
    """Convert a parameter string back to the type recorded at export."""
    if type_name == "boolean":
        return text == "True"
    if type_name == "integer":
        return int(text)
    if type_name == "number":
        return float(text)
    return text


def tags_to_mlflow(tags: list[str] | dict[str, str] | None) -> dict[str, str]:
    """Convert mlspec tags to MLflow tags. Labels become keys with empty values."""
    if not tags:
        return {}
    if isinstance(tags, list):
        return {label: "" for label in tags}
    return dict(tags)


def tags_form(tags: list[str] | dict[str, str] | None) -> str | None:
    """Return "list" for label-list tags, so the importer can restore the form."""
    return "list" if isinstance(tags, list) else None


def tags_from_mlflow(
    tags: dict[str, str], form: str | None
) -> list[str] | dict[str, str]:
    """Convert MLflow tags back to mlspec tags in the form recorded at export."""
    if form == "list":
        return list(tags)
    return dict(tags)


def format_from_flavors(flavors: list[str]) -> str:
    """Map the flavor names of an MLmodel file to an mlspec ModelFormat."""
    for flavor, model_format in FLAVOR_FORMATS:
        if flavor in flavors:
            return model_format
    return "MLflow"


def flatten(value: Any, prefix: str) -> dict[str, str]:
    """Flatten nested objects to dotted keys; lists and scalars become JSON text.

    Strings stay as they are, so a training config's ``optimizer: Adam``
    becomes the parameter ``training_config.optimizer = Adam``.
    """
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, str):
        return {prefix: value}
    return {prefix: json.dumps(value, separators=(",", ":"), ensure_ascii=False)}


def encode_json_tag(value: Any) -> str:
    """Serialise a value for an ``mlspec.*`` tag: compact, sorted JSON."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
