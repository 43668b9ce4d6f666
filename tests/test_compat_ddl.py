"""Reading DDL with pglast, pairing two schemas, and the migration they give."""

from __future__ import annotations

import pytest

from mlspec.compat.database import check_is_looser, classify, schema_diff
from mlspec.compat.ddl import parse_schema
from mlspec.compat.migrate import render_migration
from mlspec.errors import SpecError

OLD = """
CREATE TABLE IF NOT EXISTS parent (
    parent_id text NOT NULL,
    CONSTRAINT parent_pkey PRIMARY KEY (parent_id)
);
CREATE TABLE IF NOT EXISTS item (
    item_id text NOT NULL,
    parent_id text NOT NULL,
    status text DEFAULT 'new',
    size integer,
    note text,
    CONSTRAINT item_pkey PRIMARY KEY (item_id),
    CONSTRAINT item_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent (parent_id),
    CONSTRAINT item_status_check CHECK (status IN ('new', 'done')),
    CONSTRAINT item_size_check CHECK (size >= 0 AND size <= 100)
);
CREATE INDEX IF NOT EXISTS item_parent_id_idx ON item (parent_id);
COMMENT ON COLUMN item.note IS 'Free text.';
"""


def diff_kinds(old: str, new: str) -> set[tuple[str, str, bool]]:
    diff = schema_diff(parse_schema(old), parse_schema(new))
    return {(c.kind, c.subject, c.breaking) for c in classify(diff)}


def check(sql: str):
    table = parse_schema(f"CREATE TABLE t (a integer, b text, CONSTRAINT c {sql})")
    return table.tables["t"].constraints["c"]


def test_parse_reads_columns_and_constraints():
    schema = parse_schema(OLD)
    item = schema.tables["item"]

    assert list(item.columns) == ["item_id", "parent_id", "status", "size", "note"]
    assert item.columns["status"].default_sql == "'new'"
    assert item.columns["item_id"].not_null
    assert item.constraints["item_size_check"].kind == "check"
    assert schema.indexes["item_parent_id_idx"].table == "item"
    assert ("column", "item.note") in schema.comments


def test_parse_rejects_other_statements():
    with pytest.raises(SpecError, match="unsupported statement type InsertStmt"):
        parse_schema("INSERT INTO t VALUES (1)")


@pytest.mark.parametrize(
    ("before", "after", "looser"),
    [
        ("CHECK (b IN ('x'))", "CHECK (b IN ('x', 'y'))", True),
        ("CHECK (b IN ('x', 'y'))", "CHECK (b IN ('x'))", False),
        ("CHECK (a >= 0)", "CHECK (a >= -5)", True),
        ("CHECK (a >= 0)", "CHECK (a >= 5)", False),
        ("CHECK (a <= 10)", "CHECK (a <= 20)", True),
        ("CHECK (a >= 0 AND a <= 10)", "CHECK (a >= 0)", True),
        ("CHECK (a >= 0)", "CHECK (a >= 0 AND a <= 10)", False),
        ("CHECK (a >= 0 AND a <= 10)", "CHECK (a >= -1 AND a <= 11)", True),
        ("CHECK (a > 0)", "CHECK (a >= 0)", False),
        ("CHECK (length(b) > 0)", "CHECK (length(b) >= 0)", False),
    ],
)
def test_check_is_looser(before, after, looser):
    assert check_is_looser(check(before), check(after)) is looser


def test_unchanged_schema_has_no_changes():
    assert diff_kinds(OLD, OLD) == set()


def test_column_changes():
    new = OLD.replace("size integer,", "size bigint NOT NULL,").replace(
        "status text DEFAULT 'new',", "status text DEFAULT 'open',"
    )

    kinds = diff_kinds(OLD, new)

    assert ("column-type-changed", "item.size", True) in kinds
    assert ("column-set-not-null", "item.size", True) in kinds
    assert ("column-default-changed", "item.status", False) in kinds


def test_renamed_constraint_and_index():
    new = OLD.replace("item_status_check", "item_state_check").replace(
        "item_parent_id_idx", "item_parent_idx"
    )

    diff = schema_diff(parse_schema(OLD), parse_schema(new))
    script = render_migration(diff)

    assert diff.renamed_constraints == [
        ("item", "item_status_check", "item_state_check")
    ]
    assert diff.renamed_indexes == [("item_parent_id_idx", "item_parent_idx")]
    assert "ALTER INDEX item_parent_id_idx RENAME TO item_parent_idx;" in script
    assert "DROP CONSTRAINT" not in script


def test_renamed_table_follows_foreign_keys():
    new = (
        OLD.replace("EXISTS parent (", "EXISTS owner (")
        .replace("REFERENCES parent (", "REFERENCES owner (")
        .replace("parent_pkey", "owner_pkey")
    )

    diff = schema_diff(parse_schema(OLD), parse_schema(new))
    script = render_migration(diff)

    assert diff.renamed_tables == {"parent": "owner"}
    assert "ALTER TABLE parent RENAME TO owner;" in script
    assert "ALTER TABLE owner RENAME CONSTRAINT parent_pkey TO owner_pkey;" in script
    assert "DROP" not in script


def test_dropped_table_guard():
    new = OLD.replace(
        "CREATE TABLE IF NOT EXISTS item", "CREATE TABLE IF NOT EXISTS item2"
    )
    new = new.replace("note text,", "note text, extra text,")

    script = render_migration(schema_diff(parse_schema(OLD), parse_schema(new)))
    guard = script.index("table item contains rows")

    assert guard < script.index("DROP TABLE item;")
    assert "CREATE TABLE IF NOT EXISTS item2" in script


def test_migration_order():
    new = OLD.replace(
        "    size integer,\n", "    label text NOT NULL DEFAULT '',\n"
    ).replace("CHECK (size >= 0 AND size <= 100)", "CHECK (label <> 'x')")

    script = render_migration(schema_diff(parse_schema(OLD), parse_schema(new)))
    drop_check = script.index("DROP CONSTRAINT IF EXISTS item_size_check")
    add_check = script.index("ADD CONSTRAINT item_size_check CHECK (label <> 'x')")

    assert script.startswith("BEGIN;")
    assert script.endswith("COMMIT;\n")
    assert drop_check < script.index("DROP COLUMN size")
    assert script.index("ADD COLUMN label text DEFAULT '' NOT NULL") < add_check


def test_data_loss_allowed_drops_guards():
    new = OLD.replace("    note text,\n", "").replace(
        "COMMENT ON COLUMN item.note IS 'Free text.';", ""
    )

    guarded = render_migration(schema_diff(parse_schema(OLD), parse_schema(new)))
    unguarded = render_migration(
        schema_diff(parse_schema(OLD), parse_schema(new)), allow_data_loss=True
    )

    assert "item.note contains data" in guarded
    assert "DO $mlspec$" not in unguarded
    assert "ALTER TABLE item DROP COLUMN note;" in unguarded
