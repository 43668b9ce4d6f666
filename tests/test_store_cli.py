"""Tests of ``mlspec db``, run in-process with click's test runner."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
import yaml
from click.testing import CliRunner

from mlspec.cli import main
from mlspec.store import server

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _invoke(*args: str, dsn: str | None = None):
    runner = CliRunner(env={"MLSPEC_DSN": dsn})
    return runner.invoke(main, ["db", *args], catch_exceptions=False)


def test_load_and_report_with_dsn(pg_dsn):
    loaded = _invoke("load", str(EXAMPLES / "churn.yaml"), dsn=pg_dsn)
    summary = _invoke("report", "experiment-summary", "--format", "json", dsn=pg_dsn)
    again = _invoke("load", str(EXAMPLES / "churn.json"), dsn=pg_dsn)

    assert loaded.exit_code == 0, loaded.output
    assert "run_parameters            3         0        0" in loaded.stdout
    assert json.loads(summary.stdout) == [
        {
            "experiment_id": "EXP-20240115103000",
            "experiment_name": "CustomerChurnPrediction",
            "run_count": 1,
            "finished_run_count": 1,
            "failed_run_count": 0,
        }
    ]
    assert again.exit_code == 0
    assert "run_parameters            0         0        3" in again.stdout


def test_report_formats(pg_dsn):
    _invoke("load", str(EXAMPLES / "churn.yaml"), dsn=pg_dsn)
    compare = _invoke(
        "report", "compare", "RUN-20240115103500", "--format", "csv", dsn=pg_dsn
    )
    deployments = _invoke("report", "deployments", "--active-only", dsn=pg_dsn)
    health = _invoke(
        "report",
        "health",
        "DEP-20240116090000",
        "--as-of",
        "2024-01-16T10:00:00Z",
        "--format",
        "json",
        dsn=pg_dsn,
    )

    rows = {
        row["field"]: row["RUN-20240115103500"]
        for row in csv.DictReader(io.StringIO(compare.stdout))
    }
    assert rows["run_status"] == "Finished"
    assert rows["param max_depth"] == "10"
    assert rows["metric accuracy"] == "0.85"
    lines = deployments.stdout.splitlines()
    assert lines[0].split() == [
        "deployment_id",
        "model_name",
        "version_number",
        "deployment_environment",
        "deployment_status",
        "deployment_date",
    ]
    assert lines[2].split()[:5] == [
        "DEP-20240116090000",
        "CustomerChurnModel",
        "1",
        "Production",
        "Active",
    ]
    measured = json.loads(health.stdout)[0]
    assert measured["prediction_count"] == 3
    assert measured["avg_latency_ms"] == 50.0


def test_invalid_document_exit_code(pg_dsn, tmp_path):
    document = yaml.safe_load((EXAMPLES / "churn.yaml").read_text())
    document["experiment_management"]["runs"][0]["run_status"] = "Done"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(document))
    result = _invoke("load", str(path), dsn=pg_dsn)

    assert result.exit_code != 0
    assert "/experiment_management/runs/0/run_status" in result.stderr
    assert "nothing was loaded" in result.stderr


def test_bad_dsn_masks_password(tmp_path):
    result = _invoke(
        "init", dsn=f"host={tmp_path} dbname=x password=hunter2 connect_timeout=2"
    )
    assert result.exit_code == 1
    assert "hunter2" not in result.stderr
    assert "password=********" in result.stderr


def test_embedded_server_start_and_stop(monkeypatch):
    folder = Path(tempfile.mkdtemp(prefix="mlspec-cli-"))
    folder.chmod(0o711)
    monkeypatch.chdir(folder)
    try:
        loaded = _invoke("load", str(EXAMPLES / "churn.yaml"))
        deployments = _invoke("report", "deployments", "--format", "json")
        stopped = _invoke("stop")
        stopped_again = _invoke("stop")
    finally:
        server.stop(folder / ".mlspec" / "postgres")
        shutil.rmtree(folder, ignore_errors=True)

    assert loaded.exit_code == 0, loaded.output
    assert "using the embedded PostgreSQL server" in loaded.stderr
    assert json.loads(deployments.stdout)[0]["deployment_id"] == "DEP-20240116090000"
    assert "stopped the PostgreSQL server" in stopped.stderr
    assert "no PostgreSQL server is running" in stopped_again.stderr


@pytest.mark.parametrize("window", ["30m", "1h", "2d", "90 minutes"])
def test_monitor_command(pg_dsn, window):
    _invoke("load", str(EXAMPLES / "churn.yaml"), dsn=pg_dsn)
    result = _invoke(
        "monitor",
        "DEP-20240116090000",
        "--window",
        window,
        "--as-of",
        "2024-01-16T10:00:00Z",
        "--format",
        "json",
        dsn=pg_dsn,
    )
    assert result.exit_code == 0, result.output
    metrics = {
        row["metric_name"]: row["metric_value"] for row in json.loads(result.stdout)
    }
    # Predictions at 09:30, 09:40 and 09:50; a 30-minute window ending 10:00 excludes 09:30.
    expected_count = 2 if window == "30m" else 3
    assert metrics["prediction_count"] == expected_count


def test_load_validates_every_file_before_storing(pg_dsn, tmp_path):
    invalid = tmp_path / "bad.json"
    invalid.write_text(
        '{"spec_version": "1.0", "experiment_management": {"runs": "x"}}'
    )

    result = _invoke("load", str(EXAMPLES / "churn.yaml"), str(invalid), dsn=pg_dsn)

    assert result.exit_code == 1
    assert "nothing was loaded" in result.stderr
    with psycopg.connect(pg_dsn) as conn:
        count = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'run_metadata'"
        ).fetchone()[0]
    assert count == 0


def test_load_of_unparseable_file_exits_two(pg_dsn, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"a": NaN}')

    result = _invoke("load", str(broken), dsn=pg_dsn)

    assert result.exit_code == 2
    assert "[parse-non-finite]" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--window", "banana"],
        ["--window", "-1h"],
        ["--window", "0m"],
        ["--as-of", "2024-02-30T00:00:00Z"],
    ],
)
def test_monitor_rejects_bad_window_and_time(pg_dsn, args):
    _invoke("load", str(EXAMPLES / "churn.yaml"), dsn=pg_dsn)

    result = _invoke("monitor", "DEP-20240116090000", *args, dsn=pg_dsn)

    assert result.exit_code == 2
    assert "invalid" in result.stderr


@pytest.mark.parametrize(
    "command", [["monitor", "DEP-NOPE"], ["report", "health", "DEP-NOPE"]]
)
def test_unknown_deployment_is_reported(pg_dsn, command):
    _invoke("load", str(EXAMPLES / "churn.yaml"), dsn=pg_dsn)

    result = _invoke(*command, dsn=pg_dsn)

    assert result.exit_code == 1
    assert "deployment 'DEP-NOPE' not found" in result.stderr


def test_compare_of_unknown_run_is_an_error(pg_dsn):
    _invoke("load", str(EXAMPLES / "churn.yaml"), dsn=pg_dsn)

    result = _invoke("report", "compare", "RUN-NOPE", dsn=pg_dsn)

    assert result.exit_code == 1
    assert "run 'RUN-NOPE' not found" in result.stderr


def test_monitor_rejects_huge_window(pg_dsn):
    _invoke("load", str(EXAMPLES / "churn.yaml"), dsn=pg_dsn)

    result = _invoke(
        "monitor", "DEP-20240116090000", "--window", "99999999999d", dsn=pg_dsn
    )

    assert result.exit_code == 2
    assert "invalid window" in result.stderr
