"""``docs/compatibility.md`` documents every change kind, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from mlspec.compat.changes import KINDS

DOC = Path(__file__).resolve().parents[1] / "docs" / "compatibility.md"


def test_every_kind_has_a_heading():
    headings = re.findall(r"^### (\S+)$", DOC.read_text(encoding="utf-8"), re.M)

    assert sorted(headings) == sorted(KINDS)


def test_headings_name_their_audience():
    text = DOC.read_text(encoding="utf-8")
    for kind, (audience, _) in KINDS.items():
        section = text.split(f"### {kind}\n", 1)[1].lstrip()
        label = {"documents": "Documents:", "api": "API:", "database": "Database:"}
        assert section.startswith(label[audience]), kind
