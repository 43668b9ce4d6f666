"""Hostile input: the corpus under tests/hostile/, generated cases and fuzzing.

Every case runs ``mlspec validate`` and checks the exit code, the rule code
that must appear, that no traceback is printed, and that parse errors carry
a real line and column. Most cases run in-process through click's
``CliRunner``; a sample runs the real command in a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mlspec
from mlspec.cli import main
from mlspec.cli.validate import printable
from mlspec.rules import iter_document_entities

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "hostile"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))
EXAMPLE = json.loads((ROOT / "examples" / "churn.json").read_text(encoding="utf-8"))
FINDING_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<pointer>/.*)$"
)


def run_cli(*args: str | Path, input: bytes | None = None):
    """Run ``mlspec validate`` in-process and return click's ``Result``."""
    return CliRunner().invoke(
        main, ["validate", *map(str, args)], input=input, catch_exceptions=True
    )


def example() -> dict:
    """Return a fresh copy of the churn example document."""
    return json.loads(json.dumps(EXAMPLE))


def mini_experiment() -> dict:
    """Return a valid experiment with only its required fields."""
    return {
        "experiment_id": "EXP-1",
        "experiment_name": "churn",
        "created_by": "data-science-team",
        "created_at": "2024-01-15T10:30:00Z",
    }


def nested(depth: int, kind: str = "list") -> object:
    """Return a value nested ``depth`` levels deep, built without recursion."""
    value: object = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def check_outcome(result, exit_code: int, rule: str | None) -> None:
    """Assert the exit code, the rule code, no traceback and real parse positions."""
    output = result.stdout + result.stderr

    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == exit_code, output
    if rule is None:
        assert result.stdout == ""
    else:
        assert rule in rules_of(result), output
    for line in result.stdout.splitlines():
        match = FINDING_LINE.match(line)
        assert match is not None, line
        if "[parse-" in line:
            assert (match["line"], match["column"]) != ("0", "0"), line


def rules_of(result) -> set[str]:
    """Return the rule codes in the text output of ``mlspec validate``."""
    return {
        line.rsplit("[", 1)[1].rstrip("]")
        for line in result.stdout.splitlines()
        if line.endswith("]")
    }


# The committed corpus --------------------------------------------------------


@pytest.mark.parametrize("case", MANIFEST, ids=[case["file"] for case in MANIFEST])
def test_corpus_case(case):
    result = run_cli(CORPUS / case["file"])

    check_outcome(result, case["exit"], case["rule"])


def test_corpus_is_large_and_listed():
    files = {
        path.relative_to(CORPUS).as_posix()
        for path in CORPUS.rglob("*")
        if path.is_file() and path.name != "manifest.yaml"
    }
    listed = [case["file"] for case in MANIFEST]

    assert len(listed) == len(set(listed))
    assert files == set(listed)
    assert len(listed) >= 200


# Regressions: each test below failed before the fix it names. -----------------


def test_deep_unknown_field_gives_findings(tmp_path):
    document = example()
    config = document["model_training"]["training_definitions"][0]["data_config"]
    config["unknown"] = nested(300)
    path = tmp_path / "deep-unknown.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    result = run_cli(path)

    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert "schema-additional-property" in rules_of(result)


def test_integer_beyond_double_is_range_error(tmp_path):
    text = json.dumps(example()).replace(
        '"duration": 900', '"duration": 1' + "0" * 5000
    )
    path = tmp_path / "huge-int.json"
    path.write_text(text, encoding="utf-8")

    result = run_cli(path)

    assert isinstance(result.exception, SystemExit)
    assert result.exit_code == 2
    assert "parse-number-range" in rules_of(result)
    assert "(5001 characters)" in result.stdout


def test_integer_2_70_is_kept_exact():
    text = json.dumps({"spec_version": "1.0", "x": 2**70})

    parsed = mlspec.reader.parse_json("x.json", text)

    assert parsed.instance["x"] == 2**70
    assert parsed.findings == []


def test_tiny_and_negative_zero_numbers():
    parsed = mlspec.reader.parse_json("x.json", '{"a": 1e-400, "b": -0}')

    assert parsed.instance == {"a": 0.0, "b": 0}
    assert parsed.findings == []


def test_yaml_float_overflow_is_range_error(tmp_path):
    text = (ROOT / "examples" / "churn.yaml").read_text(encoding="utf-8")
    path = tmp_path / "overflow.yaml"
    path.write_text(text.replace("accuracy: 0.85", "accuracy: 1.0e+400"), "utf-8")

    result = run_cli(path)

    assert result.exit_code == 2
    assert "parse-number-range" in rules_of(result)


def test_yaml_huge_integer_is_range_error(tmp_path):
    path = tmp_path / "huge-int.yaml"
    path.write_text('spec_version: "1.0"\nx: 1' + "0" * 5000 + "\n", "utf-8")

    result = run_cli(path)

    assert isinstance(result.exception, SystemExit)
    assert result.exit_code == 2
    assert "parse-number-range" in rules_of(result)


def test_yaml_inf_literal_stays_allowed():
    parsed = mlspec.reader.parse_yaml("x.yaml", "a: .inf\nb: -.Inf\nc: .nan\n")

    assert parsed.instance == {"a": "Infinity", "b": "-Infinity", "c": "NaN"}
    assert parsed.findings == []


def test_yaml_control_character_has_position(tmp_path):
    path = tmp_path / "control.yaml"
    path.write_bytes(b'spec_version: "1.0"\nx: "a\x01b"\n')

    result = run_cli(path)
    line = result.stdout.splitlines()[0]

    assert result.exit_code == 2
    assert line.startswith(f"{path}:2:6: ")
    assert "U+0001" in line
    assert len(result.stdout.splitlines()) == 1


@pytest.mark.parametrize(
    "timestamp",
    ["２０２４-01-15T10:50:00Z", "2024-01-15T10:50:00Z\n", "2024-01-15T1٠:50:00Z"],
)
def test_timestamp_ascii_only(timestamp):
    document = example()
    document["experiment_management"]["runs"][0]["end_time"] = timestamp

    report = mlspec.validate(document)

    assert "timestamp-invalid" in {finding.rule for finding in report.findings}


def test_surrogate_key_prints_escaped(tmp_path):
    text = json.dumps(example()).replace('"n_estimators"', '"\\udfff\\u00e9"')
    path = tmp_path / "surrogate-key.json"
    path.write_text(text, encoding="utf-8")

    text_result = run_cli(path)
    json_result = run_cli("--format", "json", path)
    finding = json.loads(json_result.stdout)["findings"][0]

    assert text_result.exit_code == 2
    assert "/parameters/\\udfff\u00e9: " in text_result.stdout
    assert json_result.exit_code == 2
    assert finding["pointer"].endswith("/parameters/\\udfff\u00e9")
    assert finding["rule"] == "parse-encoding"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ('{"a": 1}'.encode("utf-16"), "UTF-16 (it starts with a UTF-16 byte order"),
        ('{"a": 1}'.encode("utf-32"), "UTF-32 (it starts with a UTF-32 byte order"),
        ('{"a": 1}'.encode("utf-16-le"), "NUL byte at offset 1"),
        (b'{"a":\n 1\x00}', "NUL byte at offset 8"),
    ],
)
def test_wide_encodings_named(tmp_path, data, expected):
    path = tmp_path / "wide.json"
    path.write_bytes(data)

    result = run_cli(path)

    assert result.exit_code == 2
    assert "parse-encoding" in rules_of(result)
    assert expected in result.stdout


def test_nul_byte_position():
    text, findings = mlspec.reader.decode("x.json", b'{"a":\n 1\x00}')

    assert text is None
    assert (findings[0].line, findings[0].column) == (2, 3)


def test_jsonl_bom_on_later_line(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'{"kind": "run"}\n\xef\xbb\xbf{"kind": "run"}\n')

    result = run_cli(path)

    assert result.exit_code == 1
    assert f"{path}:2:1: /: warning: byte order mark at the start of line 2" in (
        result.stdout
    )


def test_jsonl_missing_kind_message(tmp_path):
    path = tmp_path / "no-kind.jsonl"
    path.write_text('{"run_id": "RUN-1"}\n', encoding="utf-8")

    result = run_cli(path)

    assert result.exit_code == 1
    assert f"{path}:1:1: /: the record has no kind field; expected one of: " in (
        result.stdout
    )
    assert "None" not in result.stdout


def long_value_document(length: int) -> dict:
    """Return the example with ids, references and aliases ``length`` characters long."""
    document = example()
    runs = document["experiment_management"]["runs"]
    versions = document["model_registry"]["model_versions"]
    runs[0]["experiment_id"] = "E" * length
    runs[0]["parent_run_id"] = "P" * length
    runs.append(dict(runs[0]))
    versions[0]["aliases"] = ["a" * length]
    versions.append(dict(versions[0], version_id="VER-2"))
    document["model_registry"]["model_metadata"][0]["metadata_value"] = "V" * length
    return document


def test_rule_messages_cut_long_values(tmp_path):
    path = tmp_path / "long-values.json"
    path.write_text(json.dumps(long_value_document(100_000)), encoding="utf-8")

    result = run_cli(path)
    rules = rules_of(result)
    longest = max(len(line) for line in result.stdout.splitlines())

    assert result.exit_code == 1
    assert {"ref-unresolved", "alias-duplicate", "metadata-type-mismatch"} <= rules
    assert longest < 400


# Generated from the spec: every required field missing, every field mistyped --

SPEC = mlspec.load_spec()
BASE_URI = "https://mlspec.dev/spec/1.0/"


def base_document() -> dict:
    """Return the example with an experiment comparison added, so every entity occurs."""
    document = example()
    experiments = document["experiment_management"]["experiments"]
    experiments.append(dict(experiments[0], experiment_id="EXP-2"))
    document["experiment_management"]["experiment_comparisons"] = [
        {
            "comparison_id": "CMP-1",
            "experiment_ids": [experiments[0]["experiment_id"], "EXP-2"],
            "comparison_date": "2024-01-16T09:00:00Z",
        }
    ]
    return document


# (schema file, path of one such entity in base_document())
ENTITY_SLOTS = [
    (
        f"{entity.section}/{entity.kind}.schema.json",
        (entity.section, entity.list_name, 0),
    )
    for entity in SPEC.entities
] + [
    (
        "experiment_management/artifact.schema.json",
        ("experiment_management", "runs", 0, "artifacts", 0),
    ),
    (
        "model_serving/monitoring_metric.schema.json",
        ("model_serving", "model_monitoring", 0, "monitoring_metrics", 0),
    ),
    (
        "model_serving/prediction_log.schema.json",
        ("model_serving", "model_monitoring", 0, "prediction_logs", 0),
    ),
]
FREE_FORM_FIELDS = {"input_data", "output_data", "metadata_value", "data_preprocessing"}


def entity_at(document: dict, path: tuple) -> dict:
    target = document
    for part in path:
        target = target[part]
    return target


def pointer_of(path: tuple) -> str:
    return "".join(f"/{part}" for part in path)


def schema_of(relative: str) -> tuple[dict, object]:
    resolved = SPEC.registry.resolver().lookup(BASE_URI + relative)
    return resolved.contents, resolved.resolver


def allowed_types(schema, resolver) -> set[str] | None:
    """Return the JSON types a schema accepts, or ``None`` when it accepts any."""
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        return allowed_types(resolved.contents, resolved.resolver)
    if "type" in schema:
        types = schema["type"]
        return {types} if isinstance(types, str) else set(types)
    if "enum" in schema or "const" in schema:
        values = schema.get("enum", [schema.get("const")])
        return {json_type(value) for value in values}
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        found: set[str] = set()
        for branch in branches:
            types = allowed_types(branch, resolver)
            if types is None:
                return None
            found |= types
        return found
    return None


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


WRONG_VALUES = [{"wrong": "type"}, ["wrong"], "wrong", 12345, 1.5, True, None]


def wrong_value(types: set[str]):
    """Return a value of a JSON type outside ``types``."""
    for value in WRONG_VALUES:
        kind = json_type(value)
        accepted = kind in types or (kind == "integer" and "number" in types)
        if not accepted:
            return value
    raise AssertionError(f"no wrong value for {types}")


REQUIRED_CASES = [
    (relative, path, field)
    for relative, path in ENTITY_SLOTS
    for field in schema_of(relative)[0].get("required", [])
]
TYPE_CASES = [
    (relative, path, field)
    for relative, path in ENTITY_SLOTS
    for field in schema_of(relative)[0].get("properties", {})
]


def test_base_document_is_valid():
    assert mlspec.validate(base_document()).findings == []


@pytest.mark.parametrize(
    ("relative", "path", "field"),
    REQUIRED_CASES,
    ids=[f"{relative.split('/')[1]}-{field}" for relative, _, field in REQUIRED_CASES],
)
def test_required_field_missing(tmp_path, relative, path, field):
    document = base_document()
    del entity_at(document, path)[field]
    source = tmp_path / "missing.json"
    source.write_text(json.dumps(document, indent=1), encoding="utf-8")

    result = run_cli(source)

    check_outcome(result, 1, "schema-required")
    assert f"{pointer_of(path)}: '{field}' is required but missing" in result.stdout


@pytest.mark.parametrize(
    ("relative", "path", "field"),
    TYPE_CASES,
    ids=[f"{relative.split('/')[1]}-{field}" for relative, _, field in TYPE_CASES],
)
def test_field_wrong_type(tmp_path, relative, path, field):
    schema, resolver = schema_of(relative)
    types = allowed_types(schema["properties"][field], resolver)
    if types is None:
        assert field in FREE_FORM_FIELDS
        return
    document = base_document()
    value = wrong_value(types)
    entity_at(document, path)[field] = value
    source = tmp_path / "wrong-type.json"
    source.write_text(json.dumps(document, indent=1), encoding="utf-8")

    result = run_cli(source)

    check_outcome(result, 1, "schema-type")
    assert f"{pointer_of(path)}/{field}: " in result.stdout


# Generated: deep nesting -------------------------------------------------------

PLACEHOLDER = "NESTED-VALUE-PLACEHOLDER"
FREE_FORM_SLOTS = {
    "input_data": ("model_serving", "model_monitoring", 0, "prediction_logs", 0),
    "output_data": ("model_serving", "model_monitoring", 0, "prediction_logs", 0),
    "metadata_value": ("model_registry", "model_metadata", 0),
    "request_schema": ("model_serving", "model_apis", 0),
    "data_preprocessing": ("model_training", "training_definitions", 0, "data_config"),
}


def nested_text(depth: int, kind: str, style: str) -> str:
    """Return JSON or YAML flow text of a value nested ``depth`` levels deep."""
    if kind == "list":
        return "[" * depth + "1" + "]" * depth
    separator = '"a": ' if style == "json" else "a: "
    return ("{" + separator) * depth + "1" + "}" * depth


def document_with_nested(field: str, depth: int, kind: str, style: str) -> str:
    """Return the example as JSON or YAML text with ``field`` nested ``depth`` deep."""
    document = example()
    entity = entity_at(document, FREE_FORM_SLOTS[field])
    if field == "request_schema":
        entity[field] = {"default": PLACEHOLDER}
    else:
        entity[field] = PLACEHOLDER
    if field == "metadata_value":
        entity["metadata_type"] = "JSON"
    if style == "json":
        text = json.dumps(document, indent=1)
        return text.replace(f'"{PLACEHOLDER}"', nested_text(depth, kind, style))
    text = yaml.safe_dump(document, sort_keys=False, width=1000)
    return text.replace(PLACEHOLDER, nested_text(depth, kind, style))


DEEP_CASES = [
    (field, depth, kind, style)
    for field in FREE_FORM_SLOTS
    for depth in (600, 10_000)
    for kind in ("list", "object")
    for style in ("json", "yaml")
]


@pytest.mark.parametrize(
    ("field", "depth", "kind", "style"),
    DEEP_CASES,
    ids=["-".join(map(str, case)) for case in DEEP_CASES],
)
def test_free_form_too_deep(tmp_path, field, depth, kind, style):
    source = tmp_path / f"deep.{style}"
    source.write_text(document_with_nested(field, depth, kind, style), "utf-8")

    result = run_cli(source)

    check_outcome(result, 2, "parse-too-deep")


@pytest.mark.parametrize("style", ["json", "yaml"])
@pytest.mark.parametrize("field", sorted(FREE_FORM_SLOTS))
def test_free_form_at_limit_is_valid(tmp_path, field, style):
    # The entity itself sits 4 to 6 levels deep, so 490 levels stay under 500.
    source = tmp_path / f"deep.{style}"
    source.write_text(document_with_nested(field, 490, "list", style), "utf-8")

    result = run_cli(source)

    check_outcome(result, 0, None)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("list.json", "[" * 10_000 + "]" * 10_000),
        ("object.json", '{"a": ' * 10_000 + "1" + "}" * 10_000),
        ("list.yaml", "[" * 10_000 + "]" * 10_000),
        ("object.yaml", "{a: " * 10_000 + "1" + "}" * 10_000),
        ("block.yaml", "".join(" " * level + "a:\n" for level in range(1000))),
        ("block-list.yaml", "".join(" " * level + "-\n" for level in range(1000))),
        (
            "unknown-field.json",
            '{"spec_version": "1.0", "x": ' + "[" * 700 + "]" * 700 + "}",
        ),
    ],
)
def test_document_too_deep(tmp_path, name, text):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")

    result = run_cli(source)

    check_outcome(result, 2, "parse-too-deep")


# Files that cannot be read -------------------------------------------------------


def test_symlink_loop(tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.symlink_to(second)
    second.symlink_to(first)

    result = run_cli(first)

    check_outcome(result, 2, "io-unreadable")
    assert "symbolic links" in result.stdout


def test_missing_file(tmp_path):
    result = run_cli(tmp_path / "absent.json")

    check_outcome(result, 2, "io-unreadable")
    assert f"{tmp_path / 'absent.json'}:0:0: /: no such file" in result.stdout


def test_directory_without_documents(tmp_path):
    folder = tmp_path / "looks-like-a-file.json"
    folder.mkdir()

    result = run_cli(folder)

    assert result.exit_code == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert "no documents" in result.stderr


def test_directory_through_api(tmp_path):
    with pytest.raises(mlspec.InputError, match="is a directory"):
        mlspec.validate(tmp_path)
    with pytest.raises(mlspec.InputError, match="is a directory"):
        mlspec.read_document(tmp_path)


def test_directory_named_jsonl(tmp_path):
    folder = tmp_path / "records.jsonl"
    folder.mkdir()

    with pytest.raises(mlspec.InputError, match="is a directory"):
        list(mlspec.iter_records(folder))


def test_file_without_read_permission(tmp_path):
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(example()), encoding="utf-8")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("this user (root) can read a file without read permission")

    result = run_cli(path)

    check_outcome(result, 2, "io-unreadable")
    assert "Permission denied" in result.stdout


def test_unreadable_file_among_good(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(example()), encoding="utf-8")

    result = run_cli(good, tmp_path / "absent.yaml", good)

    check_outcome(result, 2, "io-unreadable")
    assert len(result.stdout.splitlines()) == 1
    assert "checked 3 document(s): 2 valid, 1 invalid" in result.stderr


# Standard input -----------------------------------------------------------------

STDIN_CASES = [
    ("valid-json", json.dumps(EXAMPLE).encode(), 0, None),
    ("valid-yaml", (ROOT / "examples" / "churn.yaml").read_bytes(), 0, None),
    ("truncated-json", b'{"spec_version": "1.0"', 2, "parse-json"),
    ("truncated-yaml", b"a: [", 2, "parse-yaml"),
    ("empty", b"", 2, "parse-empty"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00", 2, "parse-encoding"),
    ("utf16", json.dumps(EXAMPLE).encode("utf-16"), 2, "parse-encoding"),
    ("python-tag", b"x: !!python/object/apply:os.system [true]\n", 2, "parse-yaml-tag"),
    ("jsonl", b'{"kind": "run"}\n{"kind": "run"}\n', 1, "schema-required"),
    ("jsonl-bad-line", b'{"kind": "run"}\n{"kind": \n', 2, "parse-json"),
]


@pytest.mark.parametrize(
    ("data", "exit_code", "rule"),
    [case[1:] for case in STDIN_CASES],
    ids=[case[0] for case in STDIN_CASES],
)
def test_stdin(data, exit_code, rule):
    result = run_cli("-", input=data)

    check_outcome(result, exit_code, rule)
    if rule:
        assert result.stdout.startswith("<stdin>:")


# The real command in a subprocess -------------------------------------------------

SUBPROCESS_SAMPLE = MANIFEST[::10]
HUNDRED_MB = 100_000_000


def run_subprocess(*args: str | Path, input: bytes | None = None, timeout: float = 20):
    """Run ``python -m mlspec validate`` and return the completed process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "mlspec", "validate", *map(str, args)],
        input=input,
        capture_output=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
        check=False,
    )


def check_process(process, exit_code: int, rule: str | None) -> None:
    stdout = process.stdout.decode("utf-8")
    stderr = process.stderr.decode("utf-8")

    assert "Traceback" not in stdout + stderr
    assert process.returncode == exit_code, stdout + stderr
    if rule is None:
        assert stdout == ""
    else:
        assert f"[{rule}]" in stdout
    for line in stdout.splitlines():
        match = FINDING_LINE.match(line)
        assert match is not None, line
        if "[parse-" in line:
            assert (match["line"], match["column"]) != ("0", "0"), line


@pytest.mark.parametrize(
    "case", SUBPROCESS_SAMPLE, ids=[case["file"] for case in SUBPROCESS_SAMPLE]
)
def test_subprocess_corpus_sample(case):
    process = run_subprocess(CORPUS / case["file"])

    check_process(process, case["exit"], case["rule"])


def test_subprocess_stdin_binary():
    process = run_subprocess("-", input=b"\x00\xff" * 1000)

    check_process(process, 2, "parse-encoding")


def test_subprocess_deep_and_bomb(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")

    process = run_subprocess(deep, CORPUS / "yaml" / "billion-laughs.yaml")

    check_process(process, 2, "parse-too-deep")
    assert b"[parse-too-large]" in process.stdout


@pytest.mark.parametrize("style", ["json", "yaml"])
def test_hundred_megabyte_string(tmp_path, style):
    document = example()
    document["experiment_management"]["runs"][0]["run_id"] = PLACEHOLDER
    if style == "json":
        text = json.dumps(document, indent=1)
    else:
        text = yaml.safe_dump(document, sort_keys=False)
    path = tmp_path / f"huge-string.{style}"
    with path.open("w", encoding="utf-8") as handle:
        before, after = text.split(PLACEHOLDER)
        handle.write(before)
        handle.write("A" * HUNDRED_MB)
        handle.write(after)

    process = run_subprocess(path, timeout=120)
    lines = process.stdout.decode("utf-8").splitlines()

    check_process(process, 1, "schema-length")
    assert f"({HUNDRED_MB} characters) has {HUNDRED_MB} characters" in lines[0]
    assert max(len(line) for line in lines) < 400


# Fuzzing: random mutations of the examples ---------------------------------------

# A fixed seed keeps CI repeatable; MLSPEC_HOSTILE_EXAMPLES=20000 runs a long,
# randomised search instead.
FUZZ_EXAMPLES = int(os.environ.get("MLSPEC_HOSTILE_EXAMPLES", "0"))
FUZZ_SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES or 150,
    derandomize=not FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def example_records() -> bytes:
    """Return the example as JSON Lines: a header, then one entity per line."""
    lines = [json.dumps({"spec_version": "1.0"})]
    for kind, entity, _, _ in iter_document_entities(SPEC, EXAMPLE):
        lines.append(json.dumps({"kind": kind, **entity}))
    return ("\n".join(lines) + "\n").encode("utf-8")


CHURN_BYTES = {
    "json": (ROOT / "examples" / "churn.json").read_bytes(),
    "yaml": (ROOT / "examples" / "churn.yaml").read_bytes(),
    "jsonl": example_records(),
}
TOKENS = [
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b'"',
    b"'",
    b"\\",
    b"\n",
    b"\t",
    b" ",
    b"NaN",
    b"-Infinity",
    b"1e400",
    b"-0",
    b"1" + b"0" * 400,
    b"null",
    b"true",
    b"\\u0000",
    b"\\ud800",
    b"\\udfff",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\xe2\x82",
    b"&a",
    b"*a",
    b"<<: *a",
    b"!!python/object:os.system",
    b"!!binary",
    b"!custom",
    b"---",
    b"...",
    b"- ",
    b"? ",
    b"|",
    b">",
    b"#",
    b"%YAML 1.1",
    b"0x",
    b"1:2:3",
    b".inf",
    b"~",
    b"yes",
    b"2024-13-45T25:61:61Z",
]


@st.composite
def mutated_bytes(draw, style: str) -> bytes:
    """Draw an example file with bits flipped, a cut and tokens inserted."""
    data = bytearray(CHURN_BYTES[style])
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] ^= 1 << draw(st.integers(0, 7))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(data)))
        data[position:position] = draw(st.sampled_from(TOKENS))
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data))) :]
    return bytes(data)


def check_report(report) -> None:
    """Assert that every finding of a report names a known rule and prints as one line."""
    for finding in report.findings:
        line = printable(finding.format_text())

        assert finding.rule in mlspec.RULES
        assert line.encode("utf-8")
        assert "\n" not in line
        if finding.rule.startswith("parse-"):
            assert finding.line is not None, line
            assert finding.line > 0, line
            assert finding.column > 0, line


def read_all(path: Path, style: str) -> None:
    """Read ``path`` through the public readers; only ``MlspecError`` may escape."""
    try:
        if style == "jsonl":
            list(mlspec.iter_records(path))
        else:
            mlspec.read_document(path)
    except mlspec.MlspecError:
        pass


@FUZZ_SETTINGS
@given(data=st.data(), style=st.sampled_from(["json", "yaml", "jsonl"]))
def test_byte_mutations_give_findings(tmp_path_factory, data, style):
    mutated = data.draw(mutated_bytes(style))
    path = tmp_path_factory.mktemp("fuzz") / f"mutated.{style}"
    path.write_bytes(mutated)

    report = mlspec.validate(path)

    check_report(report)
    read_all(path, style)


def test_example_records_are_valid(tmp_path):
    path = tmp_path / "churn.jsonl"
    path.write_bytes(CHURN_BYTES["jsonl"])

    assert mlspec.validate(path).findings == []


YAML_LINES = CHURN_BYTES["yaml"].decode("utf-8").splitlines()
YAML_SNIPPETS = [
    "x-a: &a {k: v}",
    "<<: *a",
    "<<: [*a, *a]",
    "- *a",
    "? [a, b]",
    ": value",
    "!!python/object/apply:os.system [true]",
    "key: !!binary aGk=",
    "---",
    "...",
    "\tkey: tab",
    "key: 'unclosed",
    "key: [1, 2",
    "key: {a: 1, a: 2}",
    "key: *undefined",
    "key: 1.0e+400",
    "key: .nan",
    "%TAG ! tag:example.com,2000:",
    "key: |",
    "  block",
    "run_id: RUN-20240115103500",
    "experiment_id: EXP-20240115103000",
]


@st.composite
def mutated_yaml(draw) -> str:
    """Draw churn.yaml with lines deleted, duplicated, moved, re-indented or added."""
    lines = list(YAML_LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        operation = draw(
            st.sampled_from(["delete", "duplicate", "move", "indent", "dedent", "add"])
        )
        if operation == "delete":
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, lines[index])
        elif operation == "move":
            lines.insert(draw(st.integers(0, len(lines) - 1)), lines.pop(index))
        elif operation == "indent":
            lines[index] = "  " + lines[index]
        elif operation == "dedent":
            lines[index] = lines[index][2:]
        else:
            indent = " " * draw(st.sampled_from([0, 2, 4, 6, 8]))
            lines.insert(index, indent + draw(st.sampled_from(YAML_SNIPPETS)))
    return "\n".join(lines) + "\n"


@FUZZ_SETTINGS
@given(mutated_yaml())
def test_yaml_mutations_give_findings(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "mutated.yaml"
    path.write_text(text, encoding="utf-8")

    report = mlspec.validate(path)

    check_report(report)


def test_control_characters_escaped_in_text(tmp_path):
    path = tmp_path / "control-key.json"
    path.write_text(
        '{"spec_version": "1.0", "a\\nb": 1, "\\u001b[31mred\\u202e": 2}', "utf-8"
    )

    result = run_cli(path)
    lines = result.stdout.splitlines()

    check_outcome(result, 1, "schema-additional-property")
    assert len(lines) == 2
    assert f"{path}:1:25: /a\\nb: " in lines[0]
    assert "/\\x1b[31mred\\u202e: " in lines[1]
    assert "\x1b" not in result.stdout


# Python data passed to mlspec.validate ---------------------------------------------


def self_containing() -> dict:
    document: dict = {"spec_version": "1.0"}
    document["x-self"] = document
    return document


API_CASES = [
    ("float-nan", ("metrics", "accuracy"), float("nan"), "number-not-finite"),
    ("float-inf", ("duration",), float("inf"), "number-not-finite"),
    ("bytes", ("run_name",), b"x", "schema-type"),
    ("tuple", ("tags",), ("a", "b"), "schema-type"),
    ("set", ("tags",), {"a"}, "schema-type"),
    ("int-key", ("parameters",), {1: "x"}, "schema-type"),
    ("deep-10000", ("run_name",), nested(10_000), "parse-too-deep"),
]


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [case[1:] for case in API_CASES],
    ids=[case[0] for case in API_CASES],
)
def test_api_rejects_non_json_values(path, value, rule):
    document = example()
    target = document["experiment_management"]["runs"][0]
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value

    report = mlspec.validate(document)

    assert not report.valid
    assert rule in {finding.rule for finding in report.findings}
    assert all(
        finding.pointer.startswith("/experiment_management/runs/0/")
        for finding in report.findings
    )


def test_api_self_containing_dict():
    report = mlspec.validate(self_containing())

    assert [finding.rule for finding in report.findings] == ["parse-too-deep"]


@pytest.mark.parametrize(
    "path",
    [
        (),
        ("model_serving",),
        ("experiment_management", "runs", 0, "artifacts", 0),
        ("model_serving", "model_deployments", 0),
    ],
    ids=["document", "section", "artifact", "deployment"],
)
def test_deep_extension_field_json(tmp_path, path):
    document = example()
    entity_at(document, path)["x-deep"] = nested(600)
    source = tmp_path / "deep-extension.json"
    source.write_text(json.dumps(document), encoding="utf-8")

    result = run_cli(source)

    check_outcome(result, 2, "parse-too-deep")
    assert f"{pointer_of(path)}/x-deep/0/0/" in result.stdout


def test_deep_extension_field_jsonl(tmp_path):
    record = {"kind": "experiment", **mini_experiment(), "x-deep": nested(600)}
    source = tmp_path / "deep-extension.jsonl"
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")

    result = run_cli(source)

    check_outcome(result, 2, "parse-too-deep")


@pytest.mark.parametrize("field", ["run_id", "run_name", "experiment_id"])
def test_api_lone_surrogate_no_crash(field):
    # Python data may hold a lone surrogate; the schema pass then runs in
    # python-jsonschema alone, and saving is what rejects the string.
    document = example()
    document["experiment_management"]["runs"][0][field] = "a\udfffb"

    report = mlspec.validate(document)

    assert all(finding.rule in mlspec.RULES for finding in report.findings)


@pytest.mark.parametrize("key", ["k" * 2000, '"' + "k" * 2000 + '"'])
def test_yaml_long_key_message(tmp_path, key):
    path = tmp_path / "long-key.yaml"
    path.write_text(f'spec_version: "1.0"\n{key}: 1\n', encoding="utf-8")

    result = run_cli(path)

    check_outcome(result, 2, "parse-yaml")
    assert "longer than 1024 characters" in result.stdout
    assert "explicit form: ? key" in result.stdout


def test_folder_with_link_loops(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)
    (tmp_path / "first.json").symlink_to(tmp_path / "second.json")
    (tmp_path / "second.json").symlink_to(tmp_path / "first.json")
    (tmp_path / "churn.json").write_text(json.dumps(example()), encoding="utf-8")

    result = run_cli(tmp_path)

    check_outcome(result, 0, None)
    assert "checked 1 document(s): 1 valid" in result.stderr


def test_api_schema_message_cut(tmp_path):
    document = example()
    document["model_serving"]["model_apis"][0]["request_schema"] = {"type": "x" * 5000}
    path = tmp_path / "bad-request-schema.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    result = run_cli(path)
    lines = result.stdout.splitlines()

    check_outcome(result, 1, "api-schema-invalid")
    assert max(len(line) for line in lines) < 400


def test_long_key_printed_in_full(tmp_path):
    key = "k" * 5000
    path = tmp_path / "long-key.json"
    path.write_text(json.dumps({"spec_version": "1.0", key: 1}), encoding="utf-8")

    result = run_cli(path)

    check_outcome(result, 1, "schema-additional-property")
    assert f": /{key}: unknown field 'kkkk" in result.stdout
    assert "(5000 characters)" in result.stdout


@pytest.mark.parametrize("style", ["json", "yaml"])
def test_integer_rounding_to_infinity(tmp_path, style):
    # 2**1024 - 1 is below 2**1024 but rounds to infinity as a double.
    source = ROOT / "examples" / f"churn.{style}"
    old = '"duration": 900' if style == "json" else "duration: 900"
    text = source.read_text(encoding="utf-8").replace(old, old[:-3] + str(2**1024 - 1))
    path = tmp_path / f"edge-int.{style}"
    path.write_text(text, encoding="utf-8")

    result = run_cli(path)

    check_outcome(result, 2, "parse-number-range")
