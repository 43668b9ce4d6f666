"""Write the params, metrics, artifacts and tags of one run with ``log_batch``."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from mlspec.mlflow import mapping
from mlspec.mlflow.report import ConversionReport
from mlspec.spec import escape_pointer

if TYPE_CHECKING:
    from mlspec.mlflow.export import _Exporter


class RunWriter:
    """Collector of one run's params, metrics and tags, written with ``log_batch``."""

    def __init__(
        self, exporter: _Exporter, run_id: str, mlspec_id: str, pointer: str
    ) -> None:
        self.exporter = exporter
        self.client = exporter.client
        self.report = exporter.report
        self.run_id = run_id
        self.pointer = pointer
        # A run found by its mlspec.id tag comes from search_runs with its data.
        # A run created just now has no params or metrics yet.
        existing = exporter.run_index.get(mlspec_id)
        self.existing_params = existing.data.params if existing else {}
        self.existing_metric_keys = set(existing.data.metrics) if existing else set()
        self.new_params: list[Any] = []
        self.new_metrics: list[Any] = []
        self.pending_tags: dict[str, str] = {}

    def parameters(self, parameters: dict[str, Any], typed: bool = True) -> None:
        from mlflow.entities import Param

        types: dict[str, str] = {}
        for key, value in parameters.items():
            text = mapping.parameter_to_string(value)
            type_name = mapping.parameter_type(value) if typed else None
            if type_name:
                types[key] = type_name
            old = self.existing_params.get(key)
            if old is None:
                self.new_params.append(Param(key, text))
            elif old != text:
                reason = (
                    f"MLflow keeps the earlier value {old!r}; parameters cannot change"
                )
                self.report.drop(f"{self.pointer}/parameters/{key}", reason)
        if types:
            self._json_tag(mapping.TAG_PARAMETER_TYPES, types, "/parameters")

    def metrics(self, metrics: Any, default_ms: int) -> None:
        from mlflow.entities import Metric

        infinite: list[list[Any]] = []
        points = []
        for location, key, value, step, timestamp_ms in _metric_points(
            metrics, default_ms
        ):
            number = mapping.metric_to_float(value)
            if value in ("Infinity", "-Infinity"):
                infinite.append([key, step, timestamp_ms, value])
            points.append((location, Metric(key, number, timestamp_ms, step)))
        self.new_metrics = self._new_metrics(points)
        if infinite:
            self._json_tag(mapping.TAG_INFINITE_METRICS, infinite, "/metrics")
        report_point_times(self.report, self.pointer, metrics)

    def _new_metrics(self, points: list[tuple[str, Any]]) -> list[Any]:
        """Return the points that the run does not have yet, so a re-export adds none.

        MLflow cannot change a logged point. A point at the step and time of
        a stored one but with another value is not logged and is reported.
        """
        stored: dict[tuple[str, int, int], set[Any]] = {}
        for key in self.existing_metric_keys:
            for point in self.client.get_metric_history(self.run_id, key):
                identity = (point.key, point.step, point.timestamp)
                stored.setdefault(identity, set()).add(_value_key(point.value))
        new = []
        for location, metric in points:
            values = stored.get((metric.key, metric.step, metric.timestamp))
            if values is None:
                new.append(metric)
            elif _value_key(metric.value) not in values:
                reason = (
                    f"MLflow already has this point (step {metric.step}) with "
                    "another value and cannot change it"
                )
                self.report.drop(f"{self.pointer}/metrics/{location}", reason)
        return new

    def artifacts(self, artifacts: list[dict[str, Any]]) -> None:
        logged: dict[str, dict[str, Any]] = {}
        for index, artifact in enumerate(artifacts):
            pointer = f"{self.pointer}/artifacts/{index}"
            if not isinstance(artifact.get("artifact_path"), str):
                continue
            target = _artifact_name(artifact["artifact_path"])
            if target in logged:
                reason = f"it would be logged as {target}, like artifact {logged[target]['id']}, so it was not logged"
                self.report.drop(pointer, reason)
                continue
            logged_path = self._log_artifact(artifact, pointer)
            if logged_path is not None:
                logged[logged_path] = {
                    "id": artifact["artifact_id"],
                    "type": artifact["artifact_type"],
                    "path": artifact["artifact_path"],
                }
        if logged:
            self._json_tag(mapping.TAG_ARTIFACTS, logged, "/artifacts")

    def _log_artifact(self, artifact: dict[str, Any], pointer: str) -> str | None:
        path_text = artifact["artifact_path"]
        local = _local_path(path_text)
        if local is None:
            self.report.drop(
                pointer, f"{path_text} is not a local file, so it was not logged"
            )
            return None
        if not local.is_absolute():
            local = self.exporter.options.base_dir / local
        base = self.exporter.options.base_dir.resolve()
        if not local.resolve().is_relative_to(base):
            # A document from elsewhere must not copy files such as ~/.ssh
            # into a tracking store.
            self.report.drop(
                pointer,
                f"{path_text} is outside the document's folder {base}, so it was not logged",
            )
            return None
        if not local.exists():
            self.report.drop(
                pointer, f"file {local} does not exist, so it was not logged"
            )
            return None

        relative = Path(path_text)
        if (
            relative.is_absolute()
            or path_text.startswith("file:")
            or ".." in relative.parts
        ):
            relative = Path(local.name)
        folder = relative.parent.as_posix()
        if local.is_dir():
            self.client.log_artifacts(self.run_id, str(local), relative.as_posix())
        else:
            self.client.log_artifact(
                self.run_id, str(local), None if folder == "." else folder
            )
        size = artifact.get("artifact_size")
        if local.is_file() and size is not None and size != local.stat().st_size:
            reason = f"the file has {local.stat().st_size} bytes, not {size}"
            self.report.change(pointer + "/artifact_size", reason)
        self.report.count("artifacts")
        return relative.as_posix()

    def tags(self, tags: dict[str, str]) -> None:
        self.pending_tags.update(tags)

    def _json_tag(self, key: str, value: Any, field_pointer: str) -> None:
        encoded = mapping.encode_json_tag(value)
        if len(encoded) > mapping.MAX_TAG_VALUE_LENGTH:
            reason = (
                f"the {key} tag would exceed MLflow's tag length, so it was not written"
            )
            self.report.drop(self.pointer + field_pointer, reason)
            return
        self.pending_tags[key] = encoded

    def flush(self) -> None:
        from mlflow.entities import RunTag

        tags = [RunTag(key, value) for key, value in self.pending_tags.items()]
        for params, metrics, tags_batch in batches(
            self.new_params, self.new_metrics, tags
        ):
            self.client.log_batch(
                self.run_id, metrics=metrics, params=params, tags=tags_batch
            )
        self.report.count("parameters", len(self.new_params))
        self.report.count("metric points", len(self.new_metrics))


def batches(
    params: list, metrics: list, tags: list
) -> Iterator[tuple[list, list, list]]:
    """Split params, metrics and tags into ``log_batch`` calls within MLflow's limits.

    One call contains at most 100 params, 100 tags, 1000 metrics and 1000
    entities in all.
    """
    params, metrics, tags = list(params), list(metrics), list(tags)
    while params or metrics or tags:
        batch_params = params[: mapping.MAX_PARAMS_TAGS_PER_BATCH]
        batch_tags = tags[: mapping.MAX_PARAMS_TAGS_PER_BATCH]
        room = mapping.MAX_ENTITIES_PER_BATCH - len(batch_params) - len(batch_tags)
        batch_metrics = metrics[: min(room, mapping.MAX_METRICS_PER_BATCH)]
        del params[: len(batch_params)]
        del tags[: len(batch_tags)]
        del metrics[: len(batch_metrics)]
        yield batch_params, batch_metrics, batch_tags


def _metric_points(
    metrics: Any, default_ms: int
) -> Iterator[tuple[str, str, Any, int, int]]:
    """Yield (pointer token, key, value, step, timestamp ms) for each metric point."""
    if isinstance(metrics, dict):
        for key, value in metrics.items():
            yield escape_pointer(key), key, value, 0, default_ms
    elif isinstance(metrics, list):
        for index, point in enumerate(metrics):
            timestamp = point.get("timestamp")
            timestamp_ms = (
                default_ms if timestamp is None else mapping.timestamp_to_ms(timestamp)
            )
            step = point.get("step", 0)
            yield str(index), point["key"], point["value"], step, timestamp_ms


def _local_path(path_text: str) -> Path | None:
    """Return the local path of an artifact, or None for a remote URI (``s3://``)."""
    parsed = urlparse(path_text)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    # A Windows drive letter ("c:/data") parses as a one-letter scheme.
    if len(parsed.scheme) > 1:
        return None
    return Path(path_text)


def _value_key(value: float) -> Any:
    """Return a comparable form of a metric value as MLflow's SQL stores keep it.

    NaN never equals itself, and the SQL stores save ±infinity as the
    largest double (MLflow 3.17.2), so both are normalised.
    """
    if math.isnan(value):
        return "NaN"
    return max(-mapping.MAX_DOUBLE, min(mapping.MAX_DOUBLE, value))


def report_time_form(report: ConversionReport, pointer: str, text: str) -> None:
    if mapping.timestamp_loses_precision(text):
        report.change(
            pointer, f"{text}: MLflow stores milliseconds, finer digits are cut"
        )
    elif not mapping.timestamp_is_utc(text):
        report.change(
            pointer, f"{text}: MLflow stores epoch milliseconds, read back in UTC"
        )


def report_point_times(report: ConversionReport, pointer: str, metrics: Any) -> None:
    if not isinstance(metrics, list):
        return
    for index, point in enumerate(metrics):
        if "timestamp" in point:
            report_time_form(
                report, f"{pointer}/metrics/{index}/timestamp", point["timestamp"]
            )


def _artifact_name(path_text: str) -> str:
    """Return the path under the run's artifacts that ``_log_artifact`` uses."""
    relative = Path(path_text)
    if (
        relative.is_absolute()
        or path_text.startswith("file:")
        or ".." in relative.parts
    ):
        relative = Path(relative.name)
    return relative.as_posix()
