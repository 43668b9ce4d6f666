"""``mlspec validate`` run in-process: output lines, formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlspec.cli import main

ROOT = Path(__file__).resolve().parents[1]
CHURN = ROOT / "examples" / "churn.yaml"
INVALID = ROOT / "examples" / "invalid"


def run(*args, input=None):
    return CliRunner().invoke(main, ["validate", *map(str, args)], input=input)


def test_valid_documents_exit_zero():
    result = run(CHURN, ROOT / "examples" / "churn.json")

    assert result.exit_code == 0
    assert result.stdout == ""
    assert "2 valid, 0 invalid" in result.stderr


def test_text_line_format():
    result = run(INVALID / "schema-enum.yaml")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{INVALID / 'schema-enum.yaml'}:12:19: /experiment_management/runs/0/run_status: "
        "'Done' is not one of 'Running', 'Finished', 'Failed', 'Killed' [schema-enum]"
    ]


def test_json_format_has_finding_keys():
    result = run("--format", "json", INVALID / "ref-unresolved.yaml")

    output = json.loads(result.stdout)
    assert result.exit_code == 1
    assert output["valid"] is False
    assert set(output["findings"][0]) == {
        "file",
        "line",
        "column",
        "pointer",
        "schema_path",
        "rule",
        "severity",
        "message",
    }


def test_parse_error_exits_two():
    result = run(INVALID / "parse-non-finite.json")

    assert result.exit_code == 2
    assert "[parse-non-finite]" in result.stdout


def test_missing_file_exits_two():
    result = run(ROOT / "no-such-file.json")

    assert result.exit_code == 2
    assert "no such file" in result.stdout


def test_folder_is_searched(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.yaml").write_text(CHURN.read_text())
    (tmp_path / "notes.txt").write_text("not a document")

    result = run(tmp_path)

    assert result.exit_code == 0
    assert "checked 1 document(s)" in result.stderr


def test_empty_folder_is_a_usage_error(tmp_path):
    result = run(tmp_path)

    assert result.exit_code == 2
    assert "no documents" in result.stderr


def test_stdin_yaml():
    result = run("-", input=CHURN.read_text())

    assert result.exit_code == 0


def test_severity_turns_business_rule_into_warning():
    result = run(
        "--severity",
        "run-finished-no-metric=warning",
        INVALID / "run-finished-no-metric.yaml",
    )

    assert result.exit_code == 0
    assert "warning: run is Finished but has no metric" in result.stdout


def test_severity_off_hides_rule():
    result = run(
        "--severity",
        "run-finished-no-metric=off",
        INVALID / "run-finished-no-metric.yaml",
    )

    assert result.exit_code == 0
    assert result.stdout == ""


@pytest.mark.parametrize(
    "value",
    [
        "schema-enum=warning",
        "no-such-rule=off",
        "run-finished-no-metric=loud",
        "nonsense",
    ],
)
def test_bad_severity_is_a_usage_error(value):
    result = run("--severity", value, CHURN)

    assert result.exit_code == 2


def test_strict_turns_warnings_into_errors(tmp_path):
    path = tmp_path / "naive.yaml"
    path.write_text(
        CHURN.read_text().replace('"2024-01-15T10:30:00Z"', '"2024-01-15 10:30:00"', 1)
    )

    relaxed, strict = run(path), run("--strict", path)

    assert relaxed.exit_code == 0
    assert "[timestamp-naive]" in relaxed.stdout
    assert strict.exit_code == 1


def test_jsonl_reports_file_lines(tmp_path):
    path = tmp_path / "runs.jsonl"
    path.write_text(
        '{"kind": "experiment", "experiment_id": "E1", "experiment_name": "n", "created_by": "u", "created_at": "2024-01-01T00:00:00Z"}\n'
        "\n"
        '{"kind": "run", "run_id": "R1", "experiment_id": "E2", "run_name": "r", "start_time": "2024-01-01T00:00:00Z"}\n'
        '{"kind": "run", "run_id": "R1", "experiment_id": "E1", "run_name": "r", "start_time": "nope"}\n'
    )

    result = run(path)

    lines = result.stdout.splitlines()
    assert result.exit_code == 1
    assert any(":3:" in line and "[ref-unresolved]" in line for line in lines)
    assert any(":4:" in line and "[id-duplicate]" in line for line in lines)
    assert any(":4:" in line and "[timestamp-invalid]" in line for line in lines)


def test_jsonl_forward_reference_and_cycle(tmp_path):
    path = tmp_path / "runs.jsonl"
    run = '{{"kind": "run", "run_id": "{id}", "experiment_id": "E1", "run_name": "r", "start_time": "2024-01-01T00:00:00Z", "parent_run_id": "{parent}"}}\n'
    path.write_text(
        run.format(id="R1", parent="R2")
        + run.format(id="R2", parent="R1")
        + '{"kind": "experiment", "experiment_id": "E1", "experiment_name": "n", "created_by": "u", "created_at": "2024-01-01T00:00:00Z"}\n'
    )

    result = run_cli_lines(path)

    assert [line.rsplit("[", 1)[1] for line in result] == ["run-parent-cycle]"]


def run_cli_lines(path):
    return run(path).stdout.splitlines()


def test_stdin_jsonl_with_a_bad_line():
    good = '{"kind": "experiment", "experiment_id": "E1", "experiment_name": "n", "created_by": "u", "created_at": "2024-01-01T00:00:00Z"}\n'

    result = run("-", input=good + '{"kind": "run", bad\n')

    assert result.exit_code == 2
    assert result.stdout.startswith("<stdin>:2:")
