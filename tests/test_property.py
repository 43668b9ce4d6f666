"""Property tests: the validator returns findings for any input, never an exception."""

from __future__ import annotations

import copy
import json
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import JSON_VALUES, from_schema

import mlspec
from mlspec.reader import parse_json, parse_yaml
from mlspec.spec import load_spec

SPEC = load_spec()
EXAMPLE = yaml.safe_load(open("examples/churn.yaml", encoding="utf-8"))
# A fixed seed keeps CI repeatable; MLSPEC_PROPERTY_EXAMPLES=5000 runs a long,
# randomised search instead.
LONG_RUN = int(os.environ.get("MLSPEC_PROPERTY_EXAMPLES", "0"))
PROPERTY_SETTINGS = settings(
    max_examples=LONG_RUN or 150,
    derandomize=not LONG_RUN,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(from_schema(SPEC, SPEC.document_uri))
def test_spec_documents_give_findings(document):
    report = mlspec.validate(document)

    assert all(finding.rule in mlspec.RULES for finding in report.findings)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


EXAMPLE_PATHS = [path for path in _paths(EXAMPLE) if path]


@PROPERTY_SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(EXAMPLE_PATHS), JSON_VALUES | st.just(None)),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_example_gives_findings(mutations):
    document = copy.deepcopy(EXAMPLE)
    for path, value in mutations:
        target = document
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue

    report = mlspec.validate(document)

    assert all(finding.rule in mlspec.RULES for finding in report.findings)


@PROPERTY_SETTINGS
@given(st.text(max_size=200))
def test_any_text_parses_or_gives_findings(text):
    for parsed in (parse_json("x.json", text), parse_yaml("x.yaml", text)):
        assert parsed.readable or parsed.findings


@PROPERTY_SETTINGS
@given(st.binary(max_size=200))
def test_any_bytes_validate_without_raising(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "input.json"
    path.write_bytes(data)

    report = mlspec.validate(path)

    assert not report.valid or data.strip() != b""


def test_example_text_cut_anywhere_gives_findings():
    text = json.dumps(EXAMPLE)
    for end in range(0, len(text), max(1, len(text) // 50)):
        parsed = parse_json("cut.json", text[:end])
        if end < len(text):
            assert not parsed.readable
            assert parsed.findings[0].line is not None


@pytest.mark.parametrize("seed_document", [EXAMPLE])
def test_example_stays_valid(seed_document):
    assert mlspec.validate(seed_document).valid
