"""Tests of ``mlspec.store.load`` against PostgreSQL 15: transactions, repeats, conflicts."""

from __future__ import annotations

import copy
import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from mlspec import load_spec, store
from mlspec.store.connection import StoreError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RUN = "RUN-20240115103500"


def _metric_rows(conn: psycopg.Connection) -> list[tuple]:
    rows = conn.execute(
        "SELECT metric_name, step, metric_timestamp, metric_value FROM run_metrics "
        "ORDER BY metric_name, step, metric_timestamp"
    ).fetchall()
    conn.rollback()
    return rows


def _empty_counts(snapshot: dict[str, list]) -> dict[str, int]:
    return {table: len(rows) for table, rows in snapshot.items() if rows}


def test_load_example_rows(store_conn, example_document):
    summary = store.load(store_conn, example_document)

    assert summary.entities == 11
    assert summary.tables["run_parameters"].inserted == 3
    assert summary.tables["run_metrics"].inserted == 3
    assert summary.tables["model_predictions"].inserted == 3
    params = dict(
        store_conn.execute(
            "SELECT parameter_name, parameter_value FROM run_parameters"
        ).fetchall()
    )
    assert params == {"n_estimators": "100", "max_depth": "10", "learning_rate": "0.01"}
    ids = {
        row[0] for row in store_conn.execute("SELECT parameter_id FROM run_parameters")
    }
    assert f"PARAM-{RUN}-n_estimators" in ids
    deployment = store_conn.execute(
        "SELECT deployment_status, deployment_environment, instance_count, cpu, memory, "
        "auto_scaling_enabled, auto_scaling_max_instances FROM model_deployments"
    ).fetchone()
    assert deployment == ("Active", "Production", 2, "2", "4Gi", True, 10)
    output = store_conn.execute(
        "SELECT output_data, error_message FROM model_predictions WHERE log_id = %s",
        ("LOG-20240116095000",),
    ).fetchone()
    assert output == (None, "features must hold 20 numbers, got 0")
    is_json_null = store_conn.execute(
        "SELECT output_data = 'null'::jsonb FROM model_predictions WHERE log_id = %s",
        ("LOG-20240116095000",),
    ).fetchone()[0]
    assert is_json_null is True


def test_load_fills_spec_defaults(store_conn, example_document):
    run = example_document["experiment_management"]["runs"][0]
    for field in ("run_status", "end_time", "duration"):
        del run[field]
    api = example_document["model_serving"]["model_apis"][0]
    del api["api_method"]
    del api["api_version"]
    deployment = example_document["model_serving"]["model_deployments"][0]
    del deployment["deployment_config"]["resource_limits"]["cpu"]
    del deployment["deployment_config"]["auto_scaling"]
    store.load(store_conn, example_document)

    status = store_conn.execute("SELECT run_status FROM run_metadata").fetchone()
    api_row = store_conn.execute(
        "SELECT api_method, api_version FROM model_apis"
    ).fetchone()
    resources = store_conn.execute(
        "SELECT cpu, gpu, auto_scaling_enabled, auto_scaling_max_instances FROM model_deployments"
    ).fetchone()
    assert status == ("Running",)
    assert api_row == ("POST", "v1")
    # Defaults apply inside an object that is present; a missing object stays NULL.
    assert resources == ("1", None, None, None)


def test_load_twice_same_rows(store_conn, example_document, table_snapshot):
    store.load(store_conn, example_document)
    first = table_snapshot(store_conn)
    summary = store.load(store_conn, example_document)
    second = table_snapshot(store_conn)

    assert first == second
    assert summary.inserted == 0
    assert summary.updated == 0
    assert summary.tables["run_metrics"].unchanged == 3


def test_load_update_counts_changed_rows(store_conn, example_document):
    store.load(store_conn, example_document)
    example_document["experiment_management"]["runs"][0]["run_name"] = "renamed"
    summary = store.load(store_conn, example_document)

    assert summary.tables["run_metadata"].updated == 1
    assert summary.updated == 1
    name = store_conn.execute("SELECT run_name FROM run_metadata").fetchone()[0]
    assert name == "renamed"


def test_load_jsonl_matches_yaml(
    tmp_path, store_conn, example_document, table_snapshot
):
    lines = [json.dumps({"spec_version": "1.0"})]
    for kind in load_spec().entities:
        section = example_document.get(kind.section) or {}
        for entity in section.get(kind.list_name) or []:
            lines.append(json.dumps({"kind": kind.kind, **entity}))
    jsonl = tmp_path / "churn.jsonl"
    jsonl.write_text("\n".join(lines) + "\n")

    from_jsonl = store.load(store_conn, jsonl)
    after_jsonl = table_snapshot(store_conn)
    from_yaml = store.load(store_conn, EXAMPLES / "churn.yaml")

    assert from_jsonl.entities == 11
    assert from_jsonl.inserted == 28
    assert from_yaml.inserted == 0
    assert from_yaml.updated == 0
    assert table_snapshot(store_conn) == after_jsonl


def test_invalid_document_writes_nothing(store_conn, example_document, table_snapshot):
    store.load(store_conn, example_document)
    before = table_snapshot(store_conn)
    broken = copy.deepcopy(example_document)
    broken["experiment_management"]["runs"][0]["run_status"] = "Done"
    broken["experiment_management"]["runs"][0]["run_name"] = "changed"

    with pytest.raises(store.DocumentRejected) as caught:
        store.load(store_conn, broken)

    assert caught.value.findings
    assert any(
        f.pointer == "/experiment_management/runs/0/run_status"
        for f in caught.value.findings
    )
    assert "nothing was loaded" in str(caught.value)
    assert table_snapshot(store_conn) == before


def test_parameter_same_value_is_noop(store_conn, example_document):
    store.load(store_conn, example_document)
    params = example_document["experiment_management"]["runs"][0]["parameters"]
    params["max_depth"] = "10"
    summary = store.load(store_conn, example_document)
    assert summary.tables["run_parameters"].updated == 0


def test_parameter_conflict_fails_whole_load(
    store_conn, example_document, table_snapshot
):
    store.load(store_conn, example_document)
    before = table_snapshot(store_conn)
    run = example_document["experiment_management"]["runs"][0]
    run["parameters"]["max_depth"] = 12
    run["run_name"] = "renamed"

    with pytest.raises(store.ImmutableValueConflict) as caught:
        store.load(store_conn, example_document)

    message = str(caught.value)
    assert RUN in message
    assert "max_depth" in message
    assert "'10'" in message
    assert "'12'" in message
    assert table_snapshot(store_conn) == before


def test_metric_non_finite_round_trip(store_conn, example_document):
    run = example_document["experiment_management"]["runs"][0]
    run["metrics"] = [
        {"key": "loss", "value": "NaN", "step": 1},
        {"key": "loss", "value": "Infinity", "step": 2},
        {"key": "loss", "value": "-Infinity", "step": 3},
        {
            "key": "loss",
            "value": -1.5e-300,
            "step": 4,
            "timestamp": "2024-01-15T10:40:00Z",
        },
        {"key": "accuracy", "value": 0.85},
    ]
    store.load(store_conn, example_document)
    first = _metric_rows(store_conn)
    summary = store.load(store_conn, example_document)
    second = _metric_rows(store_conn)

    values = {(name, step): value for name, step, _, value in first}
    assert math.isnan(values[("loss", 1)])
    assert values[("loss", 2)] == math.inf
    assert values[("loss", 3)] == -math.inf
    assert values[("loss", 4)] == -1.5e-300
    assert len(second) == 5
    assert summary.tables["run_metrics"].inserted == 0
    assert summary.tables["run_metrics"].updated == 0


def test_metric_history_keeps_every_point(store_conn, example_document):
    run = example_document["experiment_management"]["runs"][0]
    run["metrics"] = [
        {"key": "loss", "value": 0.9, "step": 0, "timestamp": "2024-01-15T10:36:00Z"},
        {"key": "loss", "value": 0.5, "step": 1, "timestamp": "2024-01-15T10:37:00Z"},
        {
            "key": "loss",
            "value": 0.4,
            "step": 1,
            "timestamp": "2024-01-15T10:38:00+00:00",
        },
        {"key": "accuracy", "value": 0.85},
    ]
    store.load(store_conn, example_document)
    rows = _metric_rows(store_conn)
    ids = {row[0] for row in store_conn.execute("SELECT metric_id FROM run_metrics")}

    assert len(rows) == 4
    assert len(ids) == 4
    accuracy = [row for row in rows if row[0] == "accuracy"][0]
    assert accuracy[1] == 0
    assert accuracy[2].isoformat() == "2024-01-15T10:50:00+00:00"


def test_failed_statement_leaves_database_unchanged(
    store_conn, example_document, table_snapshot
):
    store.load(store_conn, example_document)
    before = table_snapshot(store_conn)
    # The store's own FK rejects a run whose experiment is neither stored nor loaded.
    document = {
        "spec_version": "1.0",
        "experiment_management": {
            "runs": [
                {
                    "run_id": "RUN-ORPHAN",
                    "experiment_id": "EXP-MISSING",
                    "run_name": "orphan",
                    "start_time": "2024-01-15T10:35:00Z",
                }
            ]
        },
    }
    with pytest.raises(StoreError) as caught:
        store.load(store_conn, document)
    assert table_snapshot(store_conn) == before
    assert "nothing was loaded" in str(caught.value)


def test_dsn_password_never_shown(tmp_path, caplog):
    dsn = f"host={tmp_path} dbname=x user=u password=s3cret-pw connect_timeout=2"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StoreError) as caught:
        store.connect(dsn)
    assert "s3cret-pw" not in str(caught.value)
    assert "********" in str(caught.value)
    assert "s3cret-pw" not in caplog.text
    assert "s3cret-pw" not in store.mask_dsn(
        f"postgresql://u:s3cret-pw@/x?host={tmp_path}"
    )


def _large_document(runs: int, points: int) -> dict:
    experiment = {
        "experiment_id": "EXP-BIG",
        "experiment_name": "big",
        "created_by": "test",
        "created_at": "2024-01-01T00:00:00Z",
    }
    run_list = []
    for number in range(runs):
        run_list.append(
            {
                "run_id": f"RUN-{number:06d}",
                "experiment_id": "EXP-BIG",
                "run_name": f"run {number}",
                "start_time": "2024-01-01T00:00:00Z",
                "parameters": {"lr": 0.1, "depth": number % 7},
                "metrics": [
                    {"key": "loss", "value": 1.0 / (s + 1), "step": s}
                    for s in range(points)
                ],
            }
        )
    model = {
        "model_id": "MODEL-BIG",
        "model_name": "big",
        "created_by": "test",
        "created_at": "2024-01-01T00:00:00Z",
    }
    return {
        "spec_version": "1.0",
        "experiment_management": {"experiments": [experiment], "runs": run_list},
        "model_registry": {"registered_models": [model]},
    }


def test_killed_load_leaves_no_rows(pg_dsn, table_snapshot):
    document = _large_document(runs=400, points=20)
    with store.connect(pg_dsn) as setup:
        store.init(setup)
    loader = store.connect(pg_dsn)
    blocker = psycopg.connect(pg_dsn)
    loader_pid = loader.info.backend_pid
    # An uncommitted row with the document's model id makes the loader wait
    # in the model_registry upsert, after the run and metric upserts ran.
    blocker.execute(
        "INSERT INTO model_registry (model_id, model_name, created_by) "
        "VALUES ('MODEL-BIG', 'big', 'test')"
    )
    errors: list[BaseException] = []

    def run_load() -> None:
        try:
            store.load(loader, document, progress=False)
        except BaseException as error:  # noqa: BLE001 - reported to the test thread
            errors.append(error)

    thread = threading.Thread(target=run_load)
    thread.start()
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        _wait_until_waiting(admin, loader_pid)
        staged_runs = admin.execute("SELECT count(*) FROM run_metadata").fetchone()[0]
        admin.execute("SELECT pg_terminate_backend(%s)", (loader_pid,))
    thread.join(timeout=30)
    blocker.rollback()
    blocker.close()
    loader.close()

    assert staged_runs == 0
    assert len(errors) == 1
    assert isinstance(errors[0], StoreError)
    with psycopg.connect(pg_dsn) as check:
        assert _empty_counts(table_snapshot(check)) == {}
    with store.connect(pg_dsn) as rerun:
        summary = store.load(rerun, document, progress=False)
    assert summary.tables["run_metadata"].inserted == 400
    assert summary.tables["run_metrics"].inserted == 8000


def _wait_until_waiting(admin: psycopg.Connection, pid: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        row = admin.execute(
            "SELECT wait_event_type, query FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchone()
        if row and row[0] == "Lock" and "model_registry" in row[1]:
            return
        time.sleep(0.02)
    raise AssertionError("the load never reached the model_registry upsert")


def test_concurrent_loads_match_sequential(pg_dsn, pg_server_dsn, table_snapshot):
    first = _large_document(runs=200, points=5)
    second = _large_document(runs=300, points=5)
    runs = second["experiment_management"]["runs"]
    second["experiment_management"]["runs"] = runs[100:]
    with store.connect(pg_dsn) as setup:
        store.init(setup)

    errors: list[BaseException] = []

    def run_load(document: dict) -> None:
        try:
            with store.connect(pg_dsn) as conn:
                store.load(conn, document, progress=False, batch_rows=100)
        except BaseException as error:  # noqa: BLE001 - reported to the test thread
            errors.append(error)

    threads = [
        threading.Thread(target=run_load, args=(doc,)) for doc in (first, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with store.connect(pg_dsn) as conn:
        concurrent = table_snapshot(conn, exclude=("updated_at",))
        repeat = [store.load(conn, doc, progress=False) for doc in (first, second)]
    with _second_database(pg_server_dsn) as sequential_dsn:
        with store.connect(sequential_dsn) as conn:
            store.init(conn)
            for document in (first, second):
                store.load(conn, document, progress=False)
            sequential = table_snapshot(conn, exclude=("updated_at",))

    assert len(concurrent["run_metadata"]) == 300
    assert len(concurrent["run_metrics"]) == 1500
    assert len(concurrent["run_parameters"]) == 600
    assert concurrent == sequential
    assert all(summary.inserted == 0 and summary.updated == 0 for summary in repeat)


@contextmanager
def _second_database(server_dsn: str) -> Iterator[str]:
    name = f"mlspec_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield psycopg.conninfo.make_conninfo(server_dsn, dbname=name)
    finally:
        with psycopg.connect(server_dsn, autocommit=True) as admin:
            drop = sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            admin.execute(drop)


def test_child_tables_from_nested_fields(store_conn, example_document):
    management = example_document["experiment_management"]
    run = management["runs"][0]
    run["tags"] = {"team": "churn", "priority": "high"}
    run["parameters"]["use_gpu"] = True
    run["parameters"]["tolerance"] = 1e-9
    management["experiments"].append(
        {
            **management["experiments"][0],
            "experiment_id": "EXP-2",
            "experiment_name": "Other",
        }
    )
    management["experiment_comparisons"] = [
        {
            "comparison_id": "CMP-1",
            "experiment_ids": ["EXP-20240115103000", "EXP-2"],
            "comparison_date": "2024-01-20T00:00:00Z",
            "comparison_metrics": {"EXP-2": {"accuracy": "NaN"}},
            "best_experiment_id": "EXP-20240115103000",
        }
    ]
    example_document["model_registry"]["model_versions"][0]["aliases"] = ["champion"]
    iterations = example_document["model_training"]["training_runs"][0][
        "training_iterations"
    ]
    iterations[0]["loss"] = "Infinity"
    store.load(store_conn, example_document)

    tags = dict(
        store_conn.execute("SELECT tag_key, tag_value FROM run_tags").fetchall()
    )
    params = dict(
        store_conn.execute(
            "SELECT parameter_name, parameter_value FROM run_parameters"
        ).fetchall()
    )
    members = store_conn.execute(
        "SELECT experiment_id FROM experiment_comparison_members ORDER BY experiment_id"
    ).fetchall()
    comparison = store_conn.execute(
        "SELECT comparison_metrics, best_experiment_id FROM experiment_comparisons"
    ).fetchone()
    alias = store_conn.execute(
        "SELECT model_id, alias, version_id FROM model_version_aliases"
    ).fetchone()
    loss = store_conn.execute(
        'SELECT loss, "timestamp" FROM training_iterations WHERE iteration_id = %s',
        ("ITER-1",),
    ).fetchone()

    assert tags == {"team": "churn", "priority": "high"}
    assert params["use_gpu"] == "true"
    assert params["tolerance"] == "1e-09"
    assert members == [("EXP-2",), ("EXP-20240115103000",)]
    assert comparison == ({"EXP-2": {"accuracy": "NaN"}}, "EXP-20240115103000")
    assert alias == ("MODEL-20240115110000", "champion", "VER-20240115110000")
    assert loss[0] == math.inf
    assert loss[1].isoformat() == "2024-01-15T10:40:00+00:00"


def test_tag_list_stored_without_values(store_conn, example_document):
    store.load(store_conn, example_document)
    tags = store_conn.execute(
        "SELECT tag_key, tag_value FROM run_tags ORDER BY tag_key"
    ).fetchall()
    experiment_tags = store_conn.execute(
        "SELECT experiment_tags FROM experiment_metadata"
    ).fetchone()
    assert tags == [("baseline", None), ("random_forest", None)]
    assert experiment_tags == (["classification", "customer_analytics"],)


def test_conflict_within_one_load(store_conn, example_document, table_snapshot):
    # The validator rejects a repeated run id, so this document skips it.
    runs = example_document["experiment_management"]["runs"]
    runs[0]["parameters"] = {"lr": 0.1}
    runs.append({**runs[0], "parameters": {"lr": 0.2}})

    with pytest.raises(store.ImmutableValueConflict) as caught:
        store.load(store_conn, example_document, already_validated=True)

    assert "'0.1'" in str(caught.value)
    assert "'0.2'" in str(caught.value)
    assert _empty_counts(table_snapshot(store_conn)) == {}
