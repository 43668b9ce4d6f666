"""The ``mlspec mlflow`` commands, run in-process (in a subprocess without mlflow)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

pytest.importorskip("mlflow")

from mlflow import MlflowClient  # noqa: E402

from mlspec.cli import main  # noqa: E402

pytestmark = pytest.mark.mlflow

REPO = Path(__file__).resolve().parents[1]
CHURN = REPO / "examples" / "churn.yaml"


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "mlflow.db"
    MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def tracking_uri(empty_store: Path, tmp_path: Path) -> str:
    target = tmp_path / "mlflow.db"
    shutil.copy(empty_store, target)
    return f"sqlite:///{target}"


def run_cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_export_prints_and_writes_report(tracking_uri: str, tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"

    result = run_cli(
        "mlflow",
        "export",
        str(CHURN),
        "--tracking-uri",
        tracking_uri,
        "--report",
        str(report_path),
    )

    assert result.exit_code == 0, result.output
    assert "runs: RUN-20240115103500 -> " in result.output
    assert "MLflow 3." in result.output
    report = json.loads(report_path.read_text())
    assert report["direction"] == "export"
    assert report["id_map"]["experiments"]["EXP-20240115103000"] == "1"
    dropped = {entry["pointer"] for entry in report["entries"]}
    assert "/model_serving/model_deployments/0" in dropped


def test_export_limit_violation_exits_1(tracking_uri: str, tmp_path: Path) -> None:
    document = yaml.safe_load(CHURN.read_text())
    document["model_registry"]["model_versions"][0]["aliases"] = ["latest"]
    path = tmp_path / "churn.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))

    result = run_cli("mlflow", "export", str(path), "--tracking-uri", tracking_uri)

    assert result.exit_code == 1
    expected = "/model_registry/model_versions/0/aliases/0: alias 'latest' is reserved"
    assert expected in result.output
    assert "[mlflow-alias-reserved]" in result.output
    line = next(line for line in result.output.splitlines() if expected in line)
    assert not line.startswith(f"{path}:0:0:")
    assert (
        MlflowClient(tracking_uri, tracking_uri).get_experiment_by_name(
            "CustomerChurnPrediction"
        )
        is None
    )


def test_export_invalid_document_exits_1(tracking_uri: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        'spec_version: "1.0"\nexperiment_management:\n  experiments: [{}]\n'
    )

    result = run_cli("mlflow", "export", str(path), "--tracking-uri", tracking_uri)

    assert result.exit_code == 1
    assert "schema-required" in result.output
    assert "nothing was exported" in result.output


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_import_writes_document(tracking_uri: str, tmp_path: Path, suffix: str) -> None:
    run_cli("mlflow", "export", str(CHURN), "--tracking-uri", tracking_uri)
    output = tmp_path / f"out{suffix}"
    report_path = tmp_path / "report.json"

    result = run_cli(
        "mlflow",
        "import",
        "--tracking-uri",
        tracking_uri,
        "-o",
        str(output),
        "--report",
        str(report_path),
    )

    assert result.exit_code == 0, result.output
    text = output.read_text()
    document = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    names = [run["run_name"] for run in document["experiment_management"]["runs"]]
    assert names == ["RandomForest_v1"]
    report = json.loads(report_path.read_text())
    assert report["direction"] == "import"
    assert "RUN-20240115103500" in report["id_map"]["runs"].values()


def test_import_rejects_unknown_suffix(tracking_uri: str, tmp_path: Path) -> None:
    result = run_cli(
        "mlflow",
        "import",
        "--tracking-uri",
        tracking_uri,
        "-o",
        str(tmp_path / "out.txt"),
    )

    assert result.exit_code == 2
    assert "use a .yaml, .yml or .json file name" in result.output


def test_import_missing_folder_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"

    result = run_cli("mlflow", "import", "--tracking-uri", str(missing), "-o", "x.yaml")

    assert result.exit_code == 2
    assert "not a folder and not a database tracking URI" in result.output


def test_missing_mlflow_exits_2(tmp_path: Path) -> None:
    """Hide the mlflow package the way an install without the extra lacks it."""
    script = (
        "import sys\n"
        "sys.modules['mlflow'] = None\n"
        "from mlspec.cli import main\n"
        "main()\n"
    )
    command = [
        sys.executable,
        "-c",
        script,
        "mlflow",
        "export",
        str(CHURN),
        "--tracking-uri",
        f"sqlite:///{tmp_path / 'x.db'}",
    ]
    environment = {**os.environ, "PYTHONPATH": str(REPO / "src")}

    result = subprocess.run(command, capture_output=True, text=True, env=environment)

    assert result.returncode == 2
    assert "pip install 'mlspec[mlflow]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_import_load_into_postgres(
    tracking_uri: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    pytest.importorskip("mlspec.store", reason="the PostgreSQL store module is missing")
    try:
        dsn = request.getfixturevalue("pg_dsn")
    except pytest.FixtureLookupError:
        pytest.skip("the pg_dsn fixture that starts PostgreSQL is not defined")
    import psycopg

    run_cli("mlflow", "export", str(CHURN), "--tracking-uri", tracking_uri)
    output = tmp_path / "out.yaml"

    result = run_cli(
        "mlflow",
        "import",
        "--tracking-uri",
        tracking_uri,
        "-o",
        str(output),
        "--load",
        "--dsn",
        dsn,
    )

    assert result.exit_code == 0, result.output
    assert "loaded " in result.output
    document = yaml.safe_load(output.read_text())
    run_id = document["experiment_management"]["runs"][0]["run_id"]
    with psycopg.connect(dsn) as connection:
        names = connection.execute(
            "SELECT run_name FROM run_metadata WHERE run_id = %s", (run_id,)
        ).fetchall()
        params = connection.execute(
            "SELECT count(*) FROM run_parameters WHERE run_id = %s", (run_id,)
        ).fetchone()
    assert names == [("RandomForest_v1",)]
    assert params == (3,)


def test_import_load_needs_dsn(tracking_uri: str, tmp_path: Path) -> None:
    output = tmp_path / "out.yaml"

    result = run_cli(
        "mlflow", "import", "--tracking-uri", tracking_uri, "-o", str(output), "--load"
    )

    assert result.exit_code == 2
    assert "--load needs --dsn" in result.output
    assert not output.exists()


def test_import_unwritable_output_exits_2(tracking_uri: str, tmp_path: Path) -> None:
    output = tmp_path / "missing-folder" / "out.yaml"

    result = run_cli(
        "mlflow", "import", "--tracking-uri", tracking_uri, "-o", str(output)
    )

    assert result.exit_code == 2
    assert f"{output}: cannot write: No such file or directory" in result.output


def test_import_leaves_sqlite_unchanged(tracking_uri: str, tmp_path: Path) -> None:
    run_cli("mlflow", "export", str(CHURN), "--tracking-uri", tracking_uri)
    database = Path(tracking_uri.removeprefix("sqlite:///"))
    before = database.read_bytes()
    files_before = sorted(path.name for path in database.parent.iterdir())

    result = run_cli(
        "mlflow",
        "import",
        "--tracking-uri",
        tracking_uri,
        "-o",
        str(tmp_path / "o.json"),
    )

    assert result.exit_code == 0, result.output
    assert database.read_bytes() == before
    files_after = sorted(path.name for path in database.parent.iterdir())
    assert files_after == sorted([*files_before, "o.json"])


def test_import_missing_sqlite_exits_2(tmp_path: Path) -> None:
    database = tmp_path / "missing.db"

    result = run_cli(
        "mlflow", "import", "--tracking-uri", f"sqlite:///{database}", "-o", "o.yaml"
    )

    assert result.exit_code == 2
    assert f"the SQLite database {database} does not exist" in result.output
    assert not database.exists()


def production_without_deployment(tmp_path: Path) -> Path:
    document = yaml.safe_load(CHURN.read_text())
    document["model_registry"]["model_versions"][0]["version_stage"] = "Production"
    del document["model_serving"]
    path = tmp_path / "production.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_export_business_rule_blocks(tracking_uri: str, tmp_path: Path) -> None:
    path = production_without_deployment(tmp_path)

    result = run_cli("mlflow", "export", str(path), "--tracking-uri", tracking_uri)

    assert result.exit_code == 1
    assert "[production-no-active-deployment]" in result.output


def test_export_severity_lowers_rule(tracking_uri: str, tmp_path: Path) -> None:
    path = production_without_deployment(tmp_path)

    result = run_cli(
        "mlflow",
        "export",
        str(path),
        "--tracking-uri",
        tracking_uri,
        "--severity",
        "production-no-active-deployment=warning",
    )

    assert result.exit_code == 0, result.output
    client = MlflowClient(tracking_uri, tracking_uri)
    assert (
        client.get_model_version("CustomerChurnModel", "1").current_stage
        == "Production"
    )


def test_import_unknown_severity_exits_2(tracking_uri: str, tmp_path: Path) -> None:
    output = tmp_path / "out.yaml"

    result = run_cli(
        "mlflow",
        "import",
        "--tracking-uri",
        tracking_uri,
        "-o",
        str(output),
        "--severity",
        "no-such-rule=off",
    )

    assert result.exit_code == 2
    assert "unknown rule 'no-such-rule'" in result.output
    assert not output.exists()


def test_export_json_lines(tracking_uri: str, tmp_path: Path) -> None:
    document = yaml.safe_load(CHURN.read_text())
    lines = [json.dumps({"spec_version": "1.0"})]
    management = document["experiment_management"]
    for kind, entities in (
        ("experiment", management["experiments"]),
        ("run", management["runs"]),
    ):
        lines.extend(json.dumps({"kind": kind, **entity}) for entity in entities)
    path = tmp_path / "churn.jsonl"
    path.write_text("\n".join(lines) + "\n")

    result = run_cli("mlflow", "export", str(path), "--tracking-uri", tracking_uri)

    assert result.exit_code == 0, result.output
    client = MlflowClient(tracking_uri, tracking_uri)
    experiment = client.get_experiment_by_name("CustomerChurnPrediction")
    runs = client.search_runs([experiment.experiment_id])
    assert [run.info.run_name for run in runs] == ["RandomForest_v1"]
    assert runs[0].data.params["n_estimators"] == "100"


def test_export_json_lines_finding_line(tracking_uri: str, tmp_path: Path) -> None:
    experiment = yaml.safe_load(CHURN.read_text())["experiment_management"][
        "experiments"
    ][0]
    run = yaml.safe_load(CHURN.read_text())["experiment_management"]["runs"][0]
    run["parameters"] = {"bad#key": 1}
    lines = [
        json.dumps({"kind": "experiment", **experiment}),
        json.dumps({"kind": "run", **run}),
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")

    result = run_cli("mlflow", "export", str(path), "--tracking-uri", tracking_uri)

    assert result.exit_code == 1
    expected = f"{path}:2:1: /experiment_management/runs/0/parameters/bad#key: "
    assert expected in result.output


def test_import_of_folder_without_store_is_an_error(tmp_path):
    from click.testing import CliRunner

    from mlspec.cli import main

    empty = tmp_path / "empty"
    empty.mkdir()

    result = CliRunner().invoke(
        main,
        [
            "mlflow",
            "import",
            "--tracking-uri",
            str(empty),
            "-o",
            str(tmp_path / "x.yaml"),
        ],
    )

    assert result.exit_code == 2
    assert "no MLflow file store here" in result.output
    assert not (tmp_path / "x.yaml").exists()
