"""Side-by-side comparison of runs: status, parameters and latest metric values.

For each metric the comparison marks the run with the best value. Higher is
better unless the metric's name contains a word of ``LOWER_IS_BETTER``, such
as ``loss``, ``error``, ``rmse``, ``mae`` or ``mse``. A name that starts with
``neg`` is higher is better again, because scikit-learn negates error scores
(``neg_mean_squared_error``). NaN and the infinities are never best.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeGuard

from mlspec.errors import UsageError
from mlspec.timestamps import TimestampError, parse_timestamp

LOWER_IS_BETTER = frozenset(
    {
        "loss",
        "logloss",
        "error",
        "err",
        "rmse",
        "mae",
        "mse",
        "msle",
        "rmsle",
        "mape",
        "smape",
        "wer",
        "cer",
        "perplexity",
    }
)

# Splits snake_case, kebab-case, dotted and camelCase names into lower-case words.
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


@dataclass(frozen=True)
class RunSummary:
    """One run's status, parameters and latest metric values."""

    run_id: str
    run_name: str
    experiment_id: str
    status: str
    parameters: dict[str, Any]
    metrics: dict[str, Any]


@dataclass(frozen=True)
class MetricComparison:
    """One metric across the compared runs.

    ``values`` maps each run id to the run's latest value, or None when the
    run has no such metric. ``best_run_ids`` lists the runs that share the
    best finite value, and is empty when no run has a finite value.
    """

    key: str
    higher_is_better: bool
    values: dict[str, Any]
    best_run_ids: list[str]


@dataclass(frozen=True)
class RunComparison:
    """The result of ``compare_runs``: runs in the order given, names sorted."""

    runs: list[RunSummary]
    parameter_names: list[str]
    metrics: list[MetricComparison]

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as plain JSON data, with NaN and infinities as strings."""
        return asdict(self)


def compare_runs(
    document: Mapping[str, Any],
    run_ids: Sequence[str],
    higher_is_better: Mapping[str, bool] | None = None,
) -> RunComparison:
    """Compare runs of a canonical document.

    ``higher_is_better`` overrides the direction per metric name. A run id
    given twice is compared once. Raises ``UsageError`` when no run id is
    given or one is not in the document.
    """
    if not run_ids:
        raise UsageError("no run ids given; name at least one run to compare")
    runs = _find_runs(document, list(dict.fromkeys(run_ids)))
    summaries = [_summarize(run) for run in runs]

    overrides = dict(higher_is_better or {})
    parameter_names = sorted({name for run in summaries for name in run.parameters})
    metric_names = sorted({name for run in summaries for name in run.metrics})
    metrics = [
        _compare_metric(name, summaries, overrides.get(name, is_higher_better(name)))
        for name in metric_names
    ]
    return RunComparison(summaries, parameter_names, metrics)


def is_higher_better(metric_name: str) -> bool:
    """Guess from the name whether a larger value of the metric is better."""
    words = [word.lower() for word in _WORD.findall(metric_name)]
    if words and words[0] == "neg":
        return True
    return not any(word in LOWER_IS_BETTER for word in words)


def latest_metrics(run: Mapping[str, Any]) -> dict[str, Any]:
    """Return each metric's latest value, whichever form the run stores metrics in.

    In the list form the latest point has the highest step, then the latest
    timestamp. A point without a timestamp counts as the run's end_time, else
    its start_time. Of points equal in both, the later one in the list wins.
    """
    metrics = run.get("metrics") or {}
    if isinstance(metrics, Mapping):
        return dict(metrics)

    implied_time = run.get("end_time") or run.get("start_time")
    latest: dict[str, Mapping[str, Any]] = {}
    for point in metrics:
        current = latest.get(point["key"])
        if current is None or _is_later(point, current, implied_time):
            latest[point["key"]] = point
    return {key: point["value"] for key, point in latest.items()}


def _is_later(
    point: Mapping[str, Any], current: Mapping[str, Any], implied: Any
) -> bool:
    """Return whether ``point`` is at least as late as ``current``, by step, then time."""
    step, current_step = point.get("step", 0), current.get("step", 0)
    if step != current_step:
        return step > current_step
    # Timestamps are parsed only for points of equal step, which keeps long
    # histories (one point per step) fast.
    time = _epoch_us(point.get("timestamp") or implied)
    current_time = _epoch_us(current.get("timestamp") or implied)
    return time >= current_time


def _find_runs(
    document: Mapping[str, Any], run_ids: list[str]
) -> list[Mapping[str, Any]]:
    runs = (document.get("experiment_management") or {}).get("runs") or []
    by_id = {run.get("run_id"): run for run in runs}
    missing = [run_id for run_id in run_ids if run_id not in by_id]
    if missing:
        known = ", ".join(sorted(map(str, by_id))[:10]) or "none"
        raise UsageError(
            f"run {', '.join(missing)} not found; the document's runs: {known}"
        )
    return [by_id[run_id] for run_id in run_ids]


def _summarize(run: Mapping[str, Any]) -> RunSummary:
    return RunSummary(
        run_id=run["run_id"],
        run_name=run.get("run_name", ""),
        experiment_id=run.get("experiment_id", ""),
        status=run.get("run_status", "Running"),
        parameters=dict(run.get("parameters") or {}),
        metrics=latest_metrics(run),
    )


def _compare_metric(
    name: str, runs: list[RunSummary], higher_is_better: bool
) -> MetricComparison:
    values = {run.run_id: run.metrics.get(name) for run in runs}
    finite = {
        run_id: value for run_id, value in values.items() if _is_finite_number(value)
    }
    best_run_ids: list[str] = []
    if finite:
        pick = max if higher_is_better else min
        best_value = pick(finite.values())
        best_run_ids = [
            run_id for run_id, value in finite.items() if value == best_value
        ]
    return MetricComparison(name, higher_is_better, values, best_run_ids)


def _is_finite_number(value: Any) -> TypeGuard[int | float]:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _epoch_us(timestamp: str | None) -> int:
    if timestamp is None:
        return 0
    try:
        return parse_timestamp(timestamp).epoch_us
    except TimestampError:
        # NOTE: an unparsable timestamp sorts as the earliest; validation reports it.
        return 0
