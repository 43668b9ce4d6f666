"""Spec versions: parsing, ordering and how a document's version relates to the spec."""

from __future__ import annotations

import pytest

from mlspec import load_spec
from mlspec.compat.versions import (
    SpecVersion,
    VersionStatus,
    classify,
    is_major_bump,
    version_message,
)
from mlspec.errors import UsageError


def test_parse_and_print():
    version = SpecVersion.parse("1.10")

    assert (version.major, version.minor) == (1, 10)
    assert str(version) == "1.10"


def test_order_is_numeric():
    assert SpecVersion.parse("1.9") < SpecVersion.parse("1.10")
    assert SpecVersion.parse("2.0") > SpecVersion.parse("1.99")


@pytest.mark.parametrize("text", ["1", "1.0.0", "v1.0", "01.0", "1.-1", "", None, 1.0])
def test_parse_rejects(text):
    with pytest.raises(UsageError, match="MAJOR.MINOR"):
        SpecVersion.parse(text)


@pytest.mark.parametrize(
    ("declared", "status"),
    [
        ("1.2", VersionStatus.CURRENT),
        ("1.0", VersionStatus.OLDER_MINOR),
        ("0.9", VersionStatus.OLDER_MAJOR),
        ("1.3", VersionStatus.NEWER),
        ("2.0", VersionStatus.NEWER),
        ("latest", VersionStatus.UNKNOWN),
        (None, VersionStatus.UNKNOWN),
    ],
)
def test_classify(declared, status):
    assert classify(declared, "1.2") is status


def test_installed_spec_version_parses():
    assert SpecVersion.parse(load_spec().version) >= SpecVersion(1, 0)


def test_major_bump():
    assert is_major_bump("1.4", "2.0")
    assert not is_major_bump("1.4", "1.5")
    assert not is_major_bump("2.0", "1.0")


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("1.2", None),
        ("1.0", None),
        ("1.3", "newer than spec 1.2 of the installed mlspec"),
        ("0.9", "rewrite the document with mlspec upgrade"),
        ("v1", "'v1' is not a MAJOR.MINOR version"),
    ],
)
def test_version_message(declared, expected):
    message = version_message(declared, "1.2")

    if expected is None:
        assert message is None
    else:
        assert expected in message
