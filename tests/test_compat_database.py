"""The database audience of ``mlspec diff``: generated schemas compared table by table."""

from __future__ import annotations

from pathlib import Path

import compat_edits as edits
import pytest

from mlspec.compat.database import (
    SCHEMA_FILE,
    classify,
    generated_schema,
    schema_diff,
)
from mlspec.compat.ddl import parse_schema
from mlspec.compat.diff import diff_specs
from mlspec.compat.migrate import render_migration
from mlspec.generate.sql import generate_sql
from mlspec.spec import load_spec


def database_kinds(tmp_path: Path, *steps) -> set[tuple[str, str, bool]]:
    new_root = edits.copy_spec(tmp_path / "new")
    for step in steps:
        step(new_root)
    report = diff_specs(load_spec(edits.SPEC), load_spec(new_root))
    return {
        (change.kind, change.subject, change.breaking)
        for change in report.changes
        if change.audience == "database"
    }


CASES = [
    (edits.add_optional_field, ("column-added", "run_metadata.run_owner", False)),
    (
        edits.add_required_field,
        ("column-added-not-null", "run_metadata.run_owner", True),
    ),
    (edits.add_defaulted_field, ("column-added", "run_metadata.run_priority", False)),
    (edits.remove_field, ("column-dropped", "run_metadata.duration", True)),
    (
        edits.widen_enum,
        ("check-loosened", "run_metadata.run_metadata_run_status_check", False),
    ),
    (
        edits.narrow_enum,
        ("check-tightened", "run_metadata.run_metadata_run_status_check", True),
    ),
    (edits.make_optional, ("column-drop-not-null", "run_metadata.run_name", False)),
]


@pytest.mark.parametrize(
    ("edit", "expected"), CASES, ids=[case[0].__name__ for case in CASES]
)
def test_edit_classification(tmp_path, edit, expected):
    assert expected in database_kinds(tmp_path, edit)


def test_tightened_range_is_breaking_check(tmp_path):
    kinds = database_kinds(tmp_path, edits.tighten_range)
    checks = {
        (kind, breaking)
        for kind, subject, breaking in kinds
        if subject.startswith("run_metadata.run_metadata_duration_check")
    }

    # The generator may add a second CHECK or extend the existing one.
    assert checks in ({("check-added", True)}, {("check-tightened", True)})


def test_unchanged_spec_has_no_database_changes(tmp_path):
    assert database_kinds(tmp_path) == set()


def test_renamed_entity_without_mapping_is_reported(tmp_path):
    kinds = database_kinds(tmp_path, edits.rename_entity)

    assert ("schema-not-generated", "database", True) in kinds


@pytest.fixture(scope="module")
def current_ddl() -> str:
    return generate_sql(load_spec(), lambda location, message: None)[SCHEMA_FILE]


def test_renamed_table_keeps_rows(current_ddl):
    renamed = current_ddl.replace("run_tags", "run_labels")

    diff = schema_diff(parse_schema(current_ddl), parse_schema(renamed))
    changes = {(c.kind, c.subject, c.breaking) for c in classify(diff)}

    assert diff.renamed_tables == {"run_tags": "run_labels"}
    assert diff.dropped_tables == []
    assert diff.added_tables == []
    assert ("table-renamed", "run_tags", True) in changes
    assert ("constraint-renamed", "run_labels.run_tags_pkey", False) in changes


def test_renamed_table_migration(current_ddl):
    renamed = current_ddl.replace("run_tags", "run_labels")

    script = render_migration(
        schema_diff(parse_schema(current_ddl), parse_schema(renamed))
    )

    assert "ALTER TABLE run_tags RENAME TO run_labels;" in script
    assert (
        "ALTER TABLE run_labels RENAME CONSTRAINT run_tags_pkey TO run_labels_pkey;"
        in script
    )
    assert "DROP TABLE" not in script


def test_dropped_table_is_data_loss(current_ddl):
    old = parse_schema(current_ddl)
    new = parse_schema(current_ddl)
    del new.tables["run_tags"]
    new.indexes = {k: v for k, v in new.indexes.items() if v.table != "run_tags"}

    changes = {(c.kind, c.subject, c.breaking) for c in classify(schema_diff(old, new))}

    assert ("table-dropped", "run_tags", True) in changes


def test_generated_schema_parses():
    schema = generated_schema(load_spec())

    assert "run_metadata" in schema.tables
    assert schema.tables["run_metadata"].columns["run_id"].not_null
