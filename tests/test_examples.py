"""The bundled examples: the valid ones pass, each invalid one fails as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import mlspec

ROOT = Path(__file__).resolve().parents[1]
INVALID = ROOT / "examples" / "invalid"
EXPECTED = yaml.safe_load((INVALID / "expected.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["churn.yaml", "churn.json"])
def test_valid_example_has_no_findings(name):
    report = mlspec.validate(ROOT / "examples" / name)

    assert report.findings == []


def test_yaml_and_json_examples_are_equal():
    assert mlspec.read_document(
        ROOT / "examples" / "churn.yaml"
    ) == mlspec.read_document(ROOT / "examples" / "churn.json")


def test_every_invalid_example_is_listed():
    files = {path.name for path in INVALID.iterdir() if path.name != "expected.yaml"}

    assert files == set(EXPECTED)
    assert len(files) >= 15


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_example_fails_as_expected(name):
    expected = EXPECTED[name]

    report = mlspec.validate(INVALID / name)

    assert [error.rule for error in report.errors] == [expected["rule"]]
    assert report.errors[0].pointer == expected["pointer"]
    assert report.errors[0].line == expected["line"]


def test_rule_codes_match_the_docs():
    documented = re.findall(
        r"^## (\S+)$", (ROOT / "docs" / "rules.md").read_text(), re.M
    )

    assert sorted(documented) == sorted(mlspec.RULES)
