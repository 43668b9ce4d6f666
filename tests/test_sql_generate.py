"""Tests of the SQL generator: the rendered DDL, upserts and reports, run on PostgreSQL 15."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest

from mlspec.generate import sql as sql_generator
from mlspec.generate.sql import (
    REPORTS_FILE,
    SCHEMA_FILE,
    UPSERTS_FILE,
    SqlGenerationError,
    generate_sql,
    named_statements,
)
from mlspec.spec import load_spec
from mlspec.store.tables import MAX_IDENTIFIER_BYTES, build_tables, quote, shorten

ROOT = Path(__file__).resolve().parents[1]
BRIEF_TABLES = [
    "experiment_metadata",
    "run_metadata",
    "run_parameters",
    "run_metrics",
    "model_registry",
    "model_versions",
    "model_deployments",
    "model_predictions",
    "model_monitoring_metrics",
]


def _generate(spec=None) -> tuple[dict[str, str], list[tuple[str, str]]]:
    messages: list[tuple[str, str]] = []
    outputs = generate_sql(
        spec or load_spec(), lambda loc, msg: messages.append((loc, msg))
    )
    return outputs, messages


def _columns(
    conn: psycopg.Connection, table: str
) -> dict[str, tuple[str, bool, str | None]]:
    rows = conn.execute(
        "SELECT column_name, data_type, is_nullable = 'NO', column_default "
        "FROM information_schema.columns WHERE table_name = %s",
        (table,),
    ).fetchall()
    return {
        name: (data_type, not_null, default)
        for name, data_type, not_null, default in rows
    }


def test_generate_is_deterministic():
    first, _ = _generate()
    second, _ = _generate()
    assert first == second
    assert set(first) == {SCHEMA_FILE, UPSERTS_FILE, REPORTS_FILE}


def test_generated_files_are_current():
    outputs, _ = _generate()
    for relative, text in outputs.items():
        path = ROOT / "generated" / relative
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale"


def test_unsupported_channel_reports_lossy_columns():
    _, messages = _generate()
    locations = {location for location, _ in messages}
    assert "experiment_metadata.experiment_tags" in locations
    assert "run_parameters.parameter_value" in locations
    assert "model_registry.model_tags" in locations


def test_invalid_template_output_fails_with_position():
    with pytest.raises(SqlGenerationError) as caught:
        sql_generator._checked("SELECT a FROM t WHERE AND b")
    message = str(caught.value)
    assert 'at character 23: syntax error at or near "AND"' in message
    assert "SELECT a FROM t WHERE AND b" in message


def test_formatting_keeps_the_parse_tree():
    text = "SELECT a FROM t WHERE b = %(value)s ORDER BY a"
    checked = sql_generator._checked(text)
    assert sql_generator._parse_tree(checked, None) == sql_generator._parse_tree(
        text, None
    )


def test_named_statements_cover_every_table():
    outputs, _ = _generate()
    upserts = named_statements(outputs[UPSERTS_FILE])
    for table in build_tables(load_spec(), lambda loc, msg: None):
        assert f"stage_{table.name}" in upserts
        assert f"copy_{table.name}" in upserts
        assert f"upsert_{table.name}" in upserts
    reports = named_statements(outputs[REPORTS_FILE])
    assert {
        "report_experiment_summary",
        "report_model_performance",
        "report_deployments",
        "report_health",
        "report_run_comparison",
        "monitor_insert",
    } <= set(reports)


def test_ddl_applies_to_empty_database(pg_dsn):
    outputs, _ = _generate()
    with psycopg.connect(pg_dsn) as conn:
        conn.execute(outputs[SCHEMA_FILE])
        conn.execute(outputs[SCHEMA_FILE])
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
    assert set(BRIEF_TABLES) <= tables
    for extra in (
        "run_tags",
        "run_artifacts",
        "training_iterations",
        "model_version_aliases",
    ):
        assert extra in tables


def test_ddl_columns_types_and_defaults(store_conn):
    parameters = _columns(store_conn, "run_parameters")
    assert set(parameters) == {
        "parameter_id",
        "run_id",
        "parameter_name",
        "parameter_value",
    }
    assert parameters["parameter_value"][0] == "text"

    metrics = _columns(store_conn, "run_metrics")
    assert {
        "metric_id",
        "run_id",
        "metric_name",
        "metric_value",
        "metric_timestamp",
        "step",
    } == set(metrics)
    assert metrics["metric_value"][0] == "double precision"
    assert metrics["metric_timestamp"][0] == "timestamp with time zone"
    assert metrics["step"][2] == "0"

    experiments = _columns(store_conn, "experiment_metadata")
    assert experiments["created_at"][2] == "CURRENT_TIMESTAMP"
    assert experiments["updated_at"][2] == "CURRENT_TIMESTAMP"
    assert experiments["experiment_name"][1] is True
    assert experiments["experiment_description"][1] is False

    monitoring = _columns(store_conn, "model_monitoring_metrics")
    assert "gen_random_uuid()" in monitoring["metric_id"][2]
    assert "monitoring_id" in monitoring

    predictions = _columns(store_conn, "model_predictions")
    assert predictions["deployment_id"][1] is True
    assert predictions["input_data"][0] == "jsonb"
    assert "monitoring_id" in predictions

    runs = _columns(store_conn, "run_metadata")
    assert runs["run_status"][2] == "'Running'::text"
    definitions = _columns(store_conn, "training_definitions")
    assert definitions["batch_size"][2] == "32"
    assert definitions["data_preprocessing"][0] == "jsonb"


def test_ddl_checks_reject_out_of_range_values(store_conn):
    store_conn.execute(
        "INSERT INTO training_definitions (definition_id, definition_name) VALUES ('D', 'd')"
    )
    with pytest.raises(psycopg.errors.CheckViolation):
        store_conn.execute("UPDATE training_definitions SET batch_size = 0")
    store_conn.rollback()
    with pytest.raises(psycopg.errors.CheckViolation):
        store_conn.execute(
            "INSERT INTO training_definitions (definition_id, definition_name, optimizer) "
            "VALUES ('D', 'd', 'Adamw')"
        )
    store_conn.rollback()
    with pytest.raises(psycopg.errors.CheckViolation):
        store_conn.execute(
            "INSERT INTO training_definitions (definition_id, definition_name, model_type) "
            "VALUES ('D', 'd', 'Tree')"
        )


def test_indexes_on_foreign_keys_and_status(store_conn):
    foreign_keys = store_conn.execute(
        """
        SELECT c.conrelid::regclass::text, array_agg(a.attname ORDER BY k.ord)
        FROM pg_constraint c
        CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE c.contype = 'f'
        GROUP BY c.oid, c.conrelid
        """
    ).fetchall()
    indexes = store_conn.execute(
        """
        SELECT i.indrelid::regclass::text, array_agg(a.attname ORDER BY k.ord)
        FROM pg_index i
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        GROUP BY i.indexrelid, i.indrelid
        """
    ).fetchall()
    assert len(foreign_keys) >= 15
    required_indexes = foreign_keys + [
        ("run_metadata", ["run_status"]),
        ("model_versions", ["version_stage"]),
        ("model_deployments", ["deployment_status"]),
    ]
    for table, columns in required_indexes:
        leading = [cols[: len(columns)] for t, cols in indexes if t == table]
        assert columns in leading, f"{table}({', '.join(columns)}) has no index"


def test_reserved_and_long_field_names(tmp_path, pg_dsn):
    spec_dir = tmp_path / "spec"
    shutil.copytree(ROOT / "spec", spec_dir)
    run_file = spec_dir / "experiment_management" / "run.schema.json"
    schema = json.loads(run_file.read_text())
    long_a = (
        "a_field_name_that_is_much_longer_than_postgresql_allows_for_identifiers_one"
    )
    long_b = (
        "a_field_name_that_is_much_longer_than_postgresql_allows_for_identifiers_two"
    )
    for name in ("user", "order", "window", "Mixed Case", long_a, long_b):
        schema["properties"][name] = {"type": "string", "description": f"Field {name}."}
    run_file.write_text(json.dumps(schema))
    load_spec.cache_clear()
    try:
        outputs, _ = _generate(load_spec(spec_dir))
    finally:
        load_spec.cache_clear()

    with psycopg.connect(pg_dsn) as conn:
        conn.execute(outputs[SCHEMA_FILE])
        columns = _columns(conn, "run_metadata")
        upserts = named_statements(outputs[UPSERTS_FILE])
        conn.execute(
            "INSERT INTO experiment_metadata (experiment_id, experiment_name, created_by) "
            "VALUES ('E', 'e', 'me')"
        )
        conn.execute(upserts["stage_run_metadata"])
        conn.execute(
            'INSERT INTO stage_run_metadata (run_id, experiment_id, run_name, start_time, "user",'
            ' "order", "window") VALUES (%s, %s, %s, now(), %s, %s, %s)',
            ("R", "E", "r", "alice", "1", "w"),
        )
        counts = conn.execute(upserts["upsert_run_metadata"]).fetchone()
        stored = conn.execute(
            'SELECT "user", "order", "window" FROM run_metadata'
        ).fetchone()

    assert {"user", "order", "window", "Mixed Case"} <= set(columns)
    assert shorten(long_a) in columns
    assert shorten(long_b) in columns
    assert shorten(long_a) != shorten(long_b)
    assert all(len(name.encode()) <= MAX_IDENTIFIER_BYTES for name in columns)
    assert counts[0] == 1
    assert stored == ("alice", "1", "w")


def test_quote_and_shorten():
    assert quote("run_id") == "run_id"
    assert quote("user") == '"user"'
    assert quote("Mixed") == '"Mixed"'
    assert quote('a"b') == '"a""b"'
    long_name = "x" * 80
    assert len(shorten(long_name)) == MAX_IDENTIFIER_BYTES
    assert shorten(long_name) == shorten(long_name)
    assert shorten("é" * 40).encode().__len__() <= MAX_IDENTIFIER_BYTES


def test_duplicate_index_names_rejected():
    with pytest.raises(SqlGenerationError) as caught:
        sql_generator._reject_duplicates(
            ["a_idx", "b_idx", "a_idx"], "table and index names"
        )
    assert "duplicate table and index names: a_idx" in str(caught.value)
