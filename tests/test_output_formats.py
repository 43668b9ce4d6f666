"""Findings in CI formats, each read back by a parser for that format."""

from __future__ import annotations

import json
from pathlib import Path

import junitparser
import pytest
import sarif_pydantic
from click.testing import CliRunner

from mlspec.cli import main

ROOT = Path(__file__).resolve().parents[1]
VALID = ROOT / "examples" / "churn.yaml"
INVALID = ROOT / "examples" / "invalid" / "schema-enum.yaml"
NAIVE_MESSAGE_FILE = "naive.yaml"


def run(output_format, *paths):
    return CliRunner().invoke(
        main, ["validate", "--format", output_format, *map(str, paths)]
    )


def test_sarif_parses_and_points_at_the_line():
    result = run("sarif", INVALID, VALID)

    log = sarif_pydantic.Sarif.model_validate(json.loads(result.stdout))
    results = log.runs[0].results
    assert result.exit_code == 1
    assert log.version == "2.1.0"
    assert len(results) == 1
    assert results[0].rule_id == "schema-enum"
    region = results[0].locations[0].physical_location.region
    assert (region.start_line, region.start_column) == (12, 19)


def test_sarif_rule_index_matches_rule():
    data = json.loads(run("sarif", INVALID).stdout)

    run_data = data["runs"][0]
    result = run_data["results"][0]
    assert (
        run_data["tool"]["driver"]["rules"][result["ruleIndex"]]["id"]
        == result["ruleId"]
    )


def test_junit_has_one_case_per_document():
    result = run("junit", INVALID, VALID)

    xml = junitparser.JUnitXml.fromstring(result.stdout)
    suite = next(iter(xml))
    cases = {case.name: case for case in suite}
    assert set(cases) == {str(INVALID), str(VALID)}
    assert cases[str(VALID)].is_passed
    failure = cases[str(INVALID)].result[0]
    assert isinstance(failure, junitparser.Failure)
    assert "[schema-enum]" in failure.text


def test_github_annotation_line():
    result = run("github", INVALID)

    assert result.stdout == (
        f"::error file={INVALID},line=12,col=19,title=schema-enum::"
        "/experiment_management/runs/0/run_status: "
        "'Done' is not one of 'Running', 'Finished', 'Failed', 'Killed'\n"
    )


def test_github_escapes_newlines_and_separators(tmp_path):
    path = tmp_path / "a,b:c.yaml"
    path.write_text(
        VALID.read_text().replace('"2024-01-15T10:30:00Z"', '"2024-01-15 10:30:00"', 1)
    )

    line = run("github", path).stdout.splitlines()[0]

    assert line.startswith("::warning file=")
    assert "a%2Cb%3Ac.yaml" in line


@pytest.mark.parametrize("output_format", ["sarif", "junit", "github", "json"])
def test_formats_keep_exit_codes(output_format):
    assert run(output_format, VALID).exit_code == 0
    assert run(output_format, INVALID).exit_code == 1


def test_json_counts_unreadable_inputs(tmp_path):
    result = run("json", VALID, tmp_path / "absent.yaml")

    output = json.loads(result.stdout)
    assert output["summary"]["documents"] == 2
    assert {"file": str(tmp_path / "absent.yaml"), "valid": False} in output[
        "documents"
    ]


def test_github_escapes_control_characters(tmp_path):
    path = tmp_path / "ctrl.yaml"
    path.write_text(
        VALID.read_text().replace("run_name: RandomForest_v1", 'run_name: "a\\u202eb"')
    )

    output = run("github", path).stdout

    assert "\u202e" not in output


def test_sarif_uri_is_percent_encoded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "a dir" / "b,c%.yaml"
    path.parent.mkdir()
    path.write_text(INVALID.read_text())

    data = json.loads(run("sarif", "a dir/b,c%.yaml").stdout)

    location = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "a%20dir/b%2Cc%25.yaml"
    assert data["runs"][0]["columnKind"] == "unicodeCodePoints"
