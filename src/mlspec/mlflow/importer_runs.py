"""Read MLflow runs, and the training definitions stored as runs, into mlspec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from mlspec.mlflow import mapping
from mlspec.mlflow.report import ConversionReport
from mlspec.mlflow.store_copy import StoreCopy
from mlspec.spec import join_pointer


class RunReader:
    """Reads the runs of a set of experiments, with full metric histories."""

    def __init__(
        self,
        client: Any,
        store: StoreCopy,
        report: ConversionReport,
        include_deleted: bool,
    ) -> None:
        self.client = client
        self.store = store
        self.report = report
        self.include_deleted = include_deleted
        self.artifact_dirs: dict[str, Path | None] = {}
        self.start_ms: dict[str, int] = {}
        self.users: dict[str, str] = {}

    def read(self, experiment_ids: list[str]) -> tuple[list[dict], list[dict]]:
        """Return the runs and the training definitions of ``experiment_ids``."""
        found = self._search(experiment_ids)
        order = {
            experiment_id: index for index, experiment_id in enumerate(experiment_ids)
        }
        found.sort(
            key=lambda run: (
                order[run.info.experiment_id],
                run.info.start_time or 0,
                run.info.run_id,
            )
        )
        selected = [run for run in found if self._keep(run)]
        run_ids = {run.info.run_id for run in selected}

        runs: list[dict[str, Any]] = []
        definitions: list[dict[str, Any]] = []
        for run in selected:
            if run.data.tags.get(mapping.TAG_KIND) == mapping.KIND_TRAINING_DEFINITION:
                definitions.append(self.definition(run, len(definitions)))
            else:
                runs.append(self.run(run, len(runs), run_ids))
        return runs, definitions

    def earliest_by_experiment(
        self, runs: list[dict[str, Any]]
    ) -> dict[str, tuple[str, str]]:
        """Return, per experiment, the start_time and user of its earliest run."""
        earliest: dict[str, tuple[int, str, str]] = {}
        for run in runs:
            start = self.start_ms[run["run_id"]]
            current = earliest.get(run["experiment_id"])
            if current is None or start < current[0]:
                user = self.users.get(run["run_id"], "")
                earliest[run["experiment_id"]] = (start, run["start_time"], user)
        return {
            key: (start_text, user) for key, (_, start_text, user) in earliest.items()
        }

    def _search(self, experiment_ids: list[str]) -> list[Any]:
        from mlflow.entities import ViewType

        if not experiment_ids:
            return []
        runs: list[Any] = []
        page_token = None
        while True:
            page = self.client.search_runs(
                experiment_ids,
                run_view_type=ViewType.ALL,
                max_results=1000,
                page_token=page_token,
            )
            runs.extend(page)
            page_token = page.token
            if not page_token:
                return runs

    def _keep(self, run: Any) -> bool:
        if run.info.lifecycle_stage != "deleted" or self.include_deleted:
            return True
        reason = f"run {run.info.run_id} is deleted; use --include-deleted"
        self.report.drop(f"mlflow:runs/{run.info.run_id}", reason)
        return False

    # Runs.

    def run(self, run: Any, index: int, run_ids: set[str]) -> dict[str, Any]:
        pointer = join_pointer(("experiment_management", "runs", index))
        info, tags = run.info, dict(run.data.tags)
        if mapping.TAG_ID in tags:
            self.report.map_id("runs", info.run_id, tags[mapping.TAG_ID])
        self.artifact_dirs[info.run_id] = self._artifact_dir(run)

        entity: dict[str, Any] = {
            "run_id": info.run_id,
            "experiment_id": info.experiment_id,
            "run_name": self._run_name(info, tags, pointer),
            "run_status": self._status(info.status, pointer),
        }
        self._times(entity, info, pointer)
        parameters = self._parameters(run.data.params, tags)
        if parameters:
            entity["parameters"] = parameters
        default_ms = info.end_time or info.start_time or 0
        metrics = self._metrics(run, tags, default_ms, pointer)
        if metrics:
            entity["metrics"] = metrics
        artifacts = self._artifacts(info.run_id, tags)
        if artifacts:
            entity["artifacts"] = artifacts
        run_tags = self._tags(tags, entity["run_name"])
        if run_tags:
            entity["tags"] = run_tags
        self._parent(entity, tags, run_ids, pointer)
        if info.lifecycle_stage == "deleted":
            entity["x-mlflow-lifecycle-stage"] = "deleted"
            self.report.change(pointer, "run is deleted in MLflow; imported on request")
        self._report_inputs_outputs(run, pointer)
        self._report_created_folders(info.run_id, pointer)
        self.users[info.run_id] = tags.get(mapping.TAG_USER) or info.user_id or ""
        self.report.count("runs")
        return entity

    def _run_name(self, info: Any, tags: dict[str, str], pointer: str) -> str:
        name = info.run_name or tags.get(mapping.TAG_RUN_NAME)
        if name:
            return name
        generated = f"run-{info.run_id[:8]}"
        self.report.add(
            pointer + "/run_name", f"the run has no name; named {generated!r}"
        )
        return generated

    def _status(self, status: str, pointer: str) -> str:
        if status == "SCHEDULED":
            self.report.change(
                pointer + "/run_status", "MLflow status SCHEDULED read as Running"
            )
        return mapping.RUN_STATUS_FROM_MLFLOW[status]

    def _times(self, entity: dict[str, Any], info: Any, pointer: str) -> None:
        start = info.start_time
        if not start:
            reason = (
                "start time is missing or 0 in MLflow; written as 1970-01-01T00:00:00Z"
            )
            self.report.add(pointer + "/start_time", reason)
            start = 0
        self._check_seconds(start, pointer + "/start_time")
        entity["start_time"] = mapping.ms_to_timestamp(start)
        self.start_ms[info.run_id] = start
        if info.end_time is None:
            return
        if info.end_time == 0:
            self.report.drop(pointer + "/end_time", "end time is 0 in MLflow; left out")
            return
        self._check_seconds(info.end_time, pointer + "/end_time")
        entity["end_time"] = mapping.ms_to_timestamp(info.end_time)
        if info.end_time >= start:
            entity["duration"] = (info.end_time - start) / 1000

    def _check_seconds(self, epoch_ms: int, pointer: str) -> None:
        if 0 < epoch_ms < mapping.EPOCH_SECONDS_THRESHOLD_MS:
            reason = (
                f"{epoch_ms} looks like epoch seconds where MLflow expects "
                "milliseconds; "
                f"kept as milliseconds ({mapping.ms_to_timestamp(epoch_ms)})"
            )
            self.report.change(pointer, reason)

    def _parameters(
        self, params: dict[str, str], tags: dict[str, str]
    ) -> dict[str, Any]:
        types = _json_tag(tags, mapping.TAG_PARAMETER_TYPES, {})
        return {
            key: mapping.parameter_from_string(value, types.get(key))
            for key, value in sorted(params.items())
        }

    def _metrics(
        self, run: Any, tags: dict[str, str], default_ms: int, pointer: str
    ) -> Any:
        infinite = {
            (key, step, timestamp): value
            for key, step, timestamp, value in _json_tag(
                tags, mapping.TAG_INFINITE_METRICS, []
            )
        }
        histories: dict[str, list[dict[str, Any]]] = {}
        for key in sorted(run.data.metrics):
            history = self.client.get_metric_history(run.info.run_id, key)
            histories[key] = self._points(key, history, infinite, pointer)
        latest_only = _is_latest_only(histories, default_ms)
        for points in histories.values():
            for point in points:
                del point["x-ms"]
        if latest_only:
            return {key: points[0]["value"] for key, points in histories.items()}
        return [point for points in histories.values() for point in points]

    def _points(
        self, key: str, history: list[Any], infinite: dict, pointer: str
    ) -> list[dict[str, Any]]:
        seen: set[tuple] = set()
        duplicates = seconds = 0
        points = []
        for metric in sorted(
            history, key=lambda metric: (metric.step, metric.timestamp)
        ):
            value = mapping.metric_from_float(metric.value)
            identity = (metric.step, metric.timestamp, value)
            if identity in seen:
                duplicates += 1
                continue
            seen.add(identity)
            if abs(metric.value) == mapping.MAX_DOUBLE:
                value = infinite.get((key, metric.step, metric.timestamp), value)
            if 0 < metric.timestamp < mapping.EPOCH_SECONDS_THRESHOLD_MS:
                seconds += 1
            points.append(
                {
                    "key": key,
                    "value": value,
                    "step": metric.step,
                    "timestamp": mapping.ms_to_timestamp(metric.timestamp),
                    "x-ms": metric.timestamp,
                }
            )
        self._report_points(key, duplicates, seconds, pointer)
        return points

    def _report_points(
        self, key: str, duplicates: int, seconds: int, pointer: str
    ) -> None:
        where = f"{pointer}/metrics/{key}"
        if duplicates:
            reason = (
                f"{duplicates} duplicated point(s) "
                "(same step, timestamp and value) kept once"
            )
            self.report.drop(where, reason)
        if seconds:
            reason = (
                f"{seconds} point timestamp(s) look like epoch seconds; "
                "kept as milliseconds"
            )
            self.report.change(where, reason)

    def _artifacts(self, run_id: str, tags: dict[str, str]) -> list[dict[str, Any]]:
        folder = self.artifact_dirs.get(run_id)
        recorded: dict[str, dict[str, Any]] = _json_tag(tags, mapping.TAG_ARTIFACTS, {})
        if folder is None or not folder.is_dir():
            return []
        artifacts = []
        for logged_path, entry in recorded.items():
            local = folder / logged_path
            if local.exists():
                artifacts.append(
                    _artifact(entry["id"], entry["path"], entry["type"], local)
                )
        for child in sorted(folder.iterdir()):
            if any(path.split("/")[0] == child.name for path in recorded):
                continue
            artifact_type = "Model" if (child / "MLmodel").is_file() else "Other"
            artifacts.append(
                _artifact(f"{run_id}/{child.name}", child.name, artifact_type, child)
            )
        self.report.count("artifacts", len(artifacts))
        return artifacts

    def _artifact_dir(self, run: Any) -> Path | None:
        if self.store.source_root is not None:
            deleted = run.info.lifecycle_stage == "deleted"
            return self.store.run_artifact_dir(
                run.info.experiment_id, run.info.run_id, deleted
            )
        return _local_path(run.info.artifact_uri)

    def _tags(self, tags: dict[str, str], run_name: str) -> Any:
        user_tags = {
            key: value
            for key, value in sorted(tags.items())
            if not key.startswith("mlspec.") and key != mapping.TAG_PARENT_RUN
        }
        if user_tags.get(mapping.TAG_RUN_NAME) == run_name:
            del user_tags[mapping.TAG_RUN_NAME]
        return mapping.tags_from_mlflow(user_tags, tags.get(mapping.TAG_TAGS_FORM))

    def _parent(
        self,
        entity: dict[str, Any],
        tags: dict[str, str],
        run_ids: set[str],
        pointer: str,
    ) -> None:
        parent = tags.get(mapping.TAG_PARENT_RUN)
        if parent is None:
            return
        if parent in run_ids:
            entity["parent_run_id"] = parent
            return
        reason = (
            f"parent run {parent} is not among the imported runs; the link was left out"
        )
        self.report.drop(pointer + "/parent_run_id", reason)

    def _report_inputs_outputs(self, run: Any, pointer: str) -> None:
        inputs = getattr(run, "inputs", None)
        for dataset_input in getattr(inputs, "dataset_inputs", None) or []:
            dataset = dataset_input.dataset
            contexts = [
                tag.value
                for tag in dataset_input.tags
                if tag.key == "mlflow.data.context"
            ]
            context = f", context {contexts[0]}" if contexts else ""
            reason = (
                f"dataset input {dataset.name!r} (digest {dataset.digest}{context}) "
                "has no field in mlspec"
            )
            self.report.drop(pointer + "/x-mlflow-inputs", reason)
        outputs = getattr(run, "outputs", None)
        for model_output in getattr(outputs, "model_outputs", None) or []:
            reason = (
                f"MLflow 3 logged model {model_output.model_id} has no field in mlspec"
            )
            self.report.drop(pointer + "/x-mlflow-outputs", reason)

    def _report_created_folders(self, run_id: str, pointer: str) -> None:
        missing = self.store.created_folders.get(run_id)
        if missing:
            reason = (
                f"run folder lacked {', '.join(missing)}; "
                "created empty in the scratch copy"
            )
            self.report.change(pointer, reason)

    # Training definitions.

    def definition(self, run: Any, index: int) -> dict[str, Any]:
        pointer = join_pointer(("model_training", "training_definitions", index))
        tags = run.data.tags
        if mapping.TAG_ID in tags:
            self.report.map_id(
                "training_definitions", run.info.run_id, tags[mapping.TAG_ID]
            )
        stored = _json_tag(tags, mapping.TAG_DEFINITION, None)
        if stored is None:
            reason = "the definition's JSON tag is missing; only its name was restored"
            self.report.drop(pointer, reason)
            stored = {"definition_name": run.info.run_name or run.info.run_id}
        stored["definition_id"] = run.info.run_id
        self.report.count("training definitions")
        return stored

    # Registry support.

    def local_source(self, source: str, run_id: str) -> Path | None:
        """Return the local folder of a model version's source, or None if remote."""
        folder = self.artifact_dirs.get(run_id)
        prefix = f"runs:/{run_id}/"
        if source.startswith(prefix):
            return None if folder is None else folder / source.removeprefix(prefix)
        marker = f"/{run_id}/artifacts/"
        if marker in source and folder is not None:
            return folder / source.split(marker, 1)[1]
        return _local_path(source)


def _is_latest_only(
    histories: dict[str, list[dict[str, Any]]], default_ms: int
) -> bool:
    """Return whether every metric is one point at step 0 at the run's default time.

    Such histories are exactly what a metric map means, so the importer
    writes the shorter map form.
    """
    for points in histories.values():
        if (
            len(points) != 1
            or points[0]["step"] != 0
            or points[0]["x-ms"] != default_ms
        ):
            return False
    return True


def _artifact(
    artifact_id: str, path: str, artifact_type: str, local: Path
) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "artifact_id": artifact_id,
        "artifact_path": path,
        "artifact_type": artifact_type,
    }
    if local.is_file():
        entity["artifact_size"] = local.stat().st_size
    return entity


def _local_path(uri: str | None) -> Path | None:
    if not uri:
        return None
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "" and uri.startswith("/"):
        return Path(uri)
    return None


def _json_tag(tags: dict[str, str], key: str, default: Any) -> Any:
    try:
        return json.loads(tags[key]) if key in tags else default
    except json.JSONDecodeError:
        return default
