"""Reading JSON, YAML and JSON Lines: strictness, positions and hostile input."""

from __future__ import annotations

import pytest

import mlspec
from mlspec.reader import MAX_DEPTH, decode, parse_json, parse_yaml


def rules_of(parsed):
    return [finding.rule for finding in parsed.findings]


def test_bare_nan_is_a_parse_error_with_position():
    parsed = parse_json("m.json", '{\n  "accuracy": NaN\n}')

    finding = parsed.findings[0]
    assert finding.rule == "parse-non-finite"
    assert (finding.line, finding.column) == (2, 15)
    assert finding.pointer == "/accuracy"


@pytest.mark.parametrize("token", ["Infinity", "-Infinity"])
def test_bare_infinity_is_a_parse_error(token):
    parsed = parse_json("m.json", f'{{"loss": {token}}}')

    assert rules_of(parsed) == ["parse-non-finite"]


def test_number_beyond_double_is_reported():
    parsed = parse_json("m.json", '{"value": 1e400}')

    assert rules_of(parsed) == ["parse-number-range"]


def test_largest_double_is_kept():
    parsed = parse_json("m.json", '{"value": 1.7976931348623157e308}')

    assert parsed.findings == []
    assert parsed.instance["value"] == 1.7976931348623157e308


def test_duplicate_json_key_points_at_second_key():
    parsed = parse_json("d.json", '{"a": 1,\n "a": 2}')

    finding = parsed.findings[0]
    assert finding.rule == "parse-duplicate-key"
    assert (finding.line, finding.column) == (2, 2)


def test_duplicate_yaml_key_is_reported():
    parsed = parse_yaml("d.yaml", "a: 1\na: 2\n")

    assert rules_of(parsed) == ["parse-duplicate-key"]
    assert parsed.findings[0].line == 2


def test_truncated_json_reports_line_and_column():
    parsed = parse_json("t.json", '{\n  "a": [1, 2')

    finding = parsed.findings[0]
    assert finding.rule == "parse-json"
    assert finding.line == 2
    assert not parsed.readable


@pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"a":', "}")])
def test_deep_json_nesting_is_rejected_without_recursion_error(opener, closer):
    text = opener * 10_000 + "1" + closer * 10_000

    parsed = parse_json("deep.json", text)

    assert rules_of(parsed) == ["parse-too-deep"]


def test_deep_yaml_nesting_is_rejected():
    parsed = parse_yaml("deep.yaml", "[" * 10_000 + "]" * 10_000)

    assert rules_of(parsed) == ["parse-too-deep"]


def test_nesting_at_the_limit_is_accepted():
    depth = MAX_DEPTH - 1
    parsed = parse_json("ok.json", "[" * depth + "]" * depth)

    assert parsed.readable


def test_yaml_alias_bomb_is_rejected():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")

    parsed = parse_yaml("bomb.yaml", "\n".join(lines))

    assert rules_of(parsed) == ["parse-too-large"]


def test_yaml_python_tag_is_rejected():
    parsed = parse_yaml("tag.yaml", "a: !!python/object/apply:os.system [echo hi]")

    assert rules_of(parsed) == ["parse-yaml-tag"]


def test_yaml_keeps_timestamps_as_written():
    parsed = parse_yaml("t.yaml", "created_at: 2024-01-15T10:30:00Z\n")

    assert parsed.instance == {"created_at": "2024-01-15T10:30:00Z"}


def test_yaml_nan_becomes_string_form():
    parsed = parse_yaml("n.yaml", "a: .nan\nb: -.inf\n")

    assert parsed.instance == {"a": "NaN", "b": "-Infinity"}


def test_yaml_anchors_and_merge_keys_work():
    parsed = parse_yaml("m.yaml", "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n")

    assert parsed.instance["other"] == {"x": 1, "y": 3}


def test_yaml_several_documents_are_rejected():
    parsed = parse_yaml("s.yaml", "a: 1\n---\nb: 2\n")

    assert rules_of(parsed) == ["parse-yaml"]


def test_bom_is_a_warning_and_dropped():
    text, findings = decode("b.json", b'\xef\xbb\xbf{"a": 1}')

    assert text == '{"a": 1}'
    assert [finding.rule for finding in findings] == ["parse-bom"]


def test_invalid_utf8_reports_position():
    text, findings = decode("u.json", b'{\n  "a": "\xff"}')

    assert text is None
    assert findings[0].rule == "parse-encoding"
    assert findings[0].line == 2


@pytest.mark.parametrize("content", [b"", b"   \n", b"# only a comment\n"])
def test_empty_inputs_are_reported(tmp_path, content):
    path = tmp_path / "empty.yaml"
    path.write_bytes(content)

    report = mlspec.validate(path)

    assert [finding.rule for finding in report.findings] == ["parse-empty"]


def test_huge_string_message_is_short(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(
        '{"spec_version": "1.0", "experiment_management": {"experiments": [{"experiment_id": "'
        + "x" * 5_000_000
        + '"}]}}'
    )

    report = mlspec.validate(path)

    assert report.errors
    assert all(len(finding.message) < 500 for finding in report.findings)


def test_read_document_raises_document_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"a": NaN}')

    with pytest.raises(mlspec.DocumentError) as caught:
        mlspec.read_document(path)

    assert caught.value.findings[0].rule == "parse-non-finite"


def test_directory_as_file_is_an_input_error(tmp_path):
    with pytest.raises(mlspec.InputError):
        mlspec.validate(tmp_path)


@pytest.mark.parametrize(
    "text,value",
    [
        ("012", 12),
        ("0o17", 15),
        ("0x1F", 31),
        ("1e-5", 1e-05),
        ("yes", "yes"),
        ("NO", "NO"),
        ("12:30", "12:30"),
        ("2024-01-15", "2024-01-15"),
        ("~", None),
        ("True", True),
        ("'true'", "true"),
        ("-.inf", "-Infinity"),
    ],
)
def test_yaml_plain_scalars_follow_yaml_1_2_core(text, value):
    parsed = parse_yaml("s.yaml", f"a: {text}\n")

    assert parsed.instance == {"a": value}
