"""The orjson fast path and the strict path read every JSON file alike.

``parse_json_fast`` either returns what the strict path would return or
declines. These tests run both paths on the examples, the invalid examples,
the hostile corpus and hand-made edge cases, and compare the instance and
the findings of ``mlspec.validate``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import mlspec
from mlspec import reader

ROOT = Path(__file__).resolve().parents[1]
CORPUS = sorted(
    [
        *(ROOT / "examples").rglob("*.json"),
        *(ROOT / "tests" / "hostile").rglob("*.json"),
    ]
)

EDGE_CASES = {
    "duplicate-spaced-colon": b'{"a" :1, "a":2}',
    "duplicate-newline-colon": b'{"a"\n:1,\n"a"\n:2}',
    "duplicate-colon-string": b'{"a":":","a":1}',
    "duplicate-escaped-quote": b'{"a":"\\"","a":1}',
    "duplicate-unicode-escape": b'{"\\u0061":1,"a":2}',
    "colon-leading-string": b'{"a":":x", "b":[":", " :"]}',
    "int-beyond-64-bits": b'{"a": 18446744073709551616}',
    "int-below-minus-2-63": b'{"a": -9223372036854775809}',
    "int-max-unsigned-64": b'{"a": 18446744073709551615}',
    "float-large": b'{"a": 1e19, "b": -1e19}',
    "float-beyond-double": b'{"a": 1e400}',
    "bare-nan": b'{"a": NaN}',
    "lone-surrogate": b'{"a": "\\ud800"}',
    "byte-order-mark": b'\xef\xbb\xbf{"a": 1}',
    "top-level-string": b'"text"',
    "top-level-number": b"12",
    "empty-object": b"{}",
    "empty-input": b"",
    "depth-254": b"[" * 254 + b"]" * 254,
    "depth-300": b"[" * 300 + b"]" * 300,
    "depth-500": b"[" * 500 + b"]" * 500,
    "digits-in-string": b'{"a": "12345678901234567890123", "b": 1}',
    "digits-after-string": b'{"a": "x", "b": 123456789012345678901}',
    "fraction-19-digits": b'{"a": 0.1234567890123456789}',
    "depth-501": b"[" * 501 + b"]" * 501,
    "depth-1025": b"[" * 1025 + b"]" * 1025,
    "nul-byte": b'{"a": "\x00"}',
    "invalid-utf8": b'{"a": "\xff"}',
}


def strict_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "parse_json_fast", lambda name, data: None)


def both_paths(name: str, data: bytes, monkeypatch: pytest.MonkeyPatch):
    fast = reader.parse_json_bytes(name, data)
    with monkeypatch.context() as patch:
        strict_only(patch)
        strict = reader.parse_json_bytes(name, data)
    return fast, strict


def validate_both(path: Path, monkeypatch: pytest.MonkeyPatch):
    fast = mlspec.validate(path)
    with monkeypatch.context() as patch:
        strict_only(patch)
        strict = mlspec.validate(path)
    return fast, strict


def test_fast_path_reads_examples() -> None:
    data = (ROOT / "examples" / "churn.json").read_bytes()

    parsed = reader.parse_json_fast("churn.json", data)

    assert parsed is not None
    assert parsed.instance == mlspec.read_document(ROOT / "examples" / "churn.yaml")


def test_fast_path_reads_long_digits_in_strings() -> None:
    parsed = reader.parse_json_fast("digits", EDGE_CASES["digits-in-string"])

    assert parsed is not None
    assert parsed.instance == {"a": "12345678901234567890123", "b": 1}


def test_fast_path_declines_long_integers() -> None:
    for label in ("int-beyond-64-bits", "digits-after-string"):
        assert reader.parse_json_fast(label, EDGE_CASES[label]) is None, label


def test_fast_path_declines_duplicates() -> None:
    for label in ("duplicate-spaced-colon", "duplicate-colon-string"):
        assert reader.parse_json_fast(label, EDGE_CASES[label]) is None, label


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: str(path.relative_to(ROOT)))
def test_corpus_same_findings(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, strict = validate_both(path, monkeypatch)

    assert fast.findings == strict.findings
    assert fast.unreadable == strict.unreadable


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: str(path.relative_to(ROOT)))
def test_corpus_same_instance(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, strict = both_paths(path.name, path.read_bytes(), monkeypatch)

    assert fast.readable == strict.readable
    if fast.readable:
        assert repr(fast.instance) == repr(strict.instance)


@pytest.mark.parametrize("label", sorted(EDGE_CASES))
def test_edge_case_same_result(
    label: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"{label}.json"
    path.write_bytes(EDGE_CASES[label])

    parsed_fast, parsed_strict = both_paths(path.name, EDGE_CASES[label], monkeypatch)
    report_fast, report_strict = validate_both(path, monkeypatch)

    assert parsed_fast.findings == parsed_strict.findings
    assert parsed_fast.readable == parsed_strict.readable
    if parsed_fast.readable:
        assert repr(parsed_fast.instance) == repr(parsed_strict.instance)
    assert report_fast.findings == report_strict.findings
