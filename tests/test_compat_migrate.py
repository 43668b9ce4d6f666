"""``mlspec migrate`` applied to a real PostgreSQL database that contains the churn example."""

from __future__ import annotations

from pathlib import Path

import compat_edits as edits
import psycopg
import pytest
from click.testing import CliRunner

from mlspec import store
from mlspec.cli import main
from mlspec.compat.database import generated_schema, schema_diff
from mlspec.compat.ddl import parse_schema
from mlspec.compat.migrate import migration_sql, render_migration
from mlspec.spec import load_spec

pytestmark = pytest.mark.postgres


@pytest.fixture
def loaded_conn(store_conn, example_document):
    """A database with the current spec's tables and the churn example stored."""
    store.load(store_conn, example_document, progress=False)
    return store_conn


def edited_spec(tmp_path: Path, *steps):
    root = edits.copy_spec(tmp_path / "new")
    for step in steps:
        step(root)
    return load_spec(root)


def row_counts(conn: psycopg.Connection) -> dict[str, int]:
    tables = generated_schema(load_spec()).tables
    counts = {}
    for name in tables:
        counts[name] = conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    conn.rollback()
    return counts


def columns_in_database(conn: psycopg.Connection, table: str) -> dict[str, bool]:
    rows = conn.execute(
        "SELECT column_name, is_nullable = 'NO' FROM information_schema.columns"
        " WHERE table_name = %s",
        (table,),
    ).fetchall()
    conn.rollback()
    return dict(rows)


def constraints_in_database(conn: psycopg.Connection, table: str) -> set[str]:
    rows = conn.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass"
        " AND contype <> 'n'",
        (table,),
    ).fetchall()
    conn.rollback()
    return {name for (name,) in rows}


def apply(conn: psycopg.Connection, script: str) -> None:
    """Run the script as psql would: its own BEGIN and COMMIT, rolled back on error."""
    conn.autocommit = True
    try:
        conn.execute(script)
    except psycopg.Error:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.autocommit = False


def test_compatible_migration_keeps_data(tmp_path, loaded_conn):
    new = edited_spec(
        tmp_path, edits.add_optional_field, edits.add_defaulted_field, edits.widen_enum
    )
    before = row_counts(loaded_conn)

    apply(loaded_conn, migration_sql(load_spec(), new))

    assert row_counts(loaded_conn) == before
    priorities = loaded_conn.execute(
        "SELECT DISTINCT run_priority FROM run_metadata"
    ).fetchall()
    assert priorities == [(5,)]
    loaded_conn.execute("UPDATE run_metadata SET run_status = 'Queued'")
    loaded_conn.rollback()


def test_migrated_schema_matches_generated(tmp_path, loaded_conn):
    new = edited_spec(
        tmp_path, edits.add_defaulted_field, edits.tighten_range, edits.make_optional
    )

    apply(loaded_conn, migration_sql(load_spec(), new))
    expected = generated_schema(new).tables["run_metadata"]

    columns = columns_in_database(loaded_conn, "run_metadata")
    assert columns == {
        name: column.not_null for name, column in expected.columns.items()
    }
    assert constraints_in_database(loaded_conn, "run_metadata") == set(
        expected.constraints
    )


def test_drop_of_stored_column_rejected(tmp_path, loaded_conn):
    new = edited_spec(tmp_path, edits.remove_field)
    script = migration_sql(load_spec(), new)

    with pytest.raises(
        psycopg.errors.RaiseException, match="run_metadata.duration contains data"
    ):
        apply(loaded_conn, script)

    assert "duration" in columns_in_database(loaded_conn, "run_metadata")


def test_drop_with_data_loss_allowed(tmp_path, loaded_conn):
    new = edited_spec(tmp_path, edits.remove_field)
    before = row_counts(loaded_conn)

    apply(loaded_conn, migration_sql(load_spec(), new, allow_data_loss=True))

    assert "duration" not in columns_in_database(loaded_conn, "run_metadata")
    assert row_counts(loaded_conn) == before


def test_violated_check_rolls_back(tmp_path, loaded_conn):
    new = edited_spec(
        tmp_path, edits.tighten_status_to_running, edits.add_optional_field
    )
    before = row_counts(loaded_conn)

    with pytest.raises(psycopg.errors.CheckViolation):
        apply(loaded_conn, migration_sql(load_spec(), new))

    assert "run_owner" not in columns_in_database(loaded_conn, "run_metadata")
    assert row_counts(loaded_conn) == before


def test_required_column_fails_on_stored_rows(tmp_path, loaded_conn):
    new = edited_spec(tmp_path, edits.add_required_field)

    with pytest.raises(psycopg.errors.NotNullViolation):
        apply(loaded_conn, migration_sql(load_spec(), new))


def test_command_writes_script(tmp_path):
    new_root = edits.copy_spec(tmp_path / "new")
    edits.add_optional_field(new_root)
    output = tmp_path / "migration.sql"

    result = CliRunner().invoke(
        main, ["migrate", str(edits.SPEC), str(new_root), "-o", str(output)]
    )
    script = output.read_text(encoding="utf-8")

    assert result.exit_code == 0, result.stderr
    assert script.splitlines()[3] == "BEGIN;"
    assert "ALTER TABLE run_metadata ADD COLUMN run_owner text;" in script
    assert script.endswith("COMMIT;\n")


def test_same_spec_is_empty_transaction():
    script = migration_sql(load_spec(), load_spec())

    assert script.split("\n\n")[1:] == ["BEGIN;", "COMMIT;\n"]


def test_renames_and_new_table_on_postgres(pg_dsn):
    old = """
CREATE TABLE IF NOT EXISTS parent (
    parent_id text NOT NULL,
    CONSTRAINT parent_pkey PRIMARY KEY (parent_id)
);
CREATE TABLE IF NOT EXISTS item (
    item_id text NOT NULL,
    parent_id text NOT NULL,
    CONSTRAINT item_pkey PRIMARY KEY (item_id),
    CONSTRAINT item_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent (parent_id)
);
CREATE INDEX IF NOT EXISTS item_parent_id_idx ON item (parent_id);
"""
    new = (
        old.replace("EXISTS parent (", "EXISTS owner (")
        .replace("REFERENCES parent (", "REFERENCES owner (")
        .replace("parent_pkey", "owner_pkey")
        + "CREATE TABLE IF NOT EXISTS extra (extra_id text NOT NULL,"
        " CONSTRAINT extra_pkey PRIMARY KEY (extra_id));\n"
    )
    script = render_migration(schema_diff(parse_schema(old), parse_schema(new)))

    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(old)
        conn.execute("INSERT INTO parent VALUES ('p1')")
        conn.execute("INSERT INTO item VALUES ('i1', 'p1')")
        conn.execute(script)

        rows = conn.execute("SELECT item_id, parent_id FROM item").fetchall()
        owners = conn.execute("SELECT parent_id FROM owner").fetchall()
        extra = conn.execute("SELECT count(*) FROM extra").fetchone()

    assert rows == [("i1", "p1")]
    assert owners == [("p1",)]
    assert extra == (0,)
