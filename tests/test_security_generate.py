"""Security tests of ``mlspec generate``: nothing is written outside ``--out``.

A document's model APIs reach the OpenAPI file, so their ids and endpoints
are attacker-controlled text. The generated file names come from the
generators only, and a symbolic link inside ``--out`` must not redirect a
write to another folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlspec import read_document, validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "churn.yaml"
GENERATED = {
    "openapi/openapi.yaml",
    "python/models.py",
    "sql/postgres/reports.sql",
    "sql/postgres/schema.sql",
    "sql/postgres/upserts.sql",
}
ESCAPING_TEXT = [
    "../../x",
    "/../../../x",
    "..\\..\\x",
    "..%2F..%2Fx",
    "http://127.0.0.1:9/../../x",
    "x/../../../../../../tmp/escaped",
]


def _generate(out_dir: Path, document: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run(
        [sys.executable, "-m", "mlspec", "-q", "generate"]
        + ["--out", str(out_dir), "--document", str(document)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=out_dir.parent,
        check=False,
    )


def _tree(folder: Path) -> set[str]:
    """List every path under ``folder``, links included, relative to it."""
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")}


def _escaping_document(folder: Path) -> Path:
    document = read_document(EXAMPLE)
    apis = document["model_serving"]["model_apis"]
    template = apis[0]
    apis.clear()
    for index, text in enumerate(ESCAPING_TEXT):
        apis.append({**template, "api_id": text, "api_endpoint": f"{text}/{index}"})
    report = validate(document)
    assert report.valid, [finding.format_text() for finding in report.errors]
    path = folder / "escaping.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_escaping_api_text_stays_in_out(tmp_path):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    document = _escaping_document(tmp_path)
    out_dir = work / "out"
    before = _tree(tmp_path)

    result = _generate(out_dir, document)

    assert result.returncode == 0, result.stderr
    new_paths = _tree(tmp_path) - before
    outside = [path for path in new_paths if not path.startswith("a/b/out")]
    assert outside == []
    assert {path for path in _tree(out_dir) if (out_dir / path).is_file()} == GENERATED
    openapi = (out_dir / "openapi" / "openapi.yaml").read_text(encoding="utf-8")
    assert "../../x" in openapi


@pytest.mark.parametrize("link", ["sql", "openapi/openapi.yaml"])
def test_symlink_in_out_not_followed(tmp_path, link):
    out_dir = tmp_path / "out"
    outside = tmp_path / "outside"
    outside.mkdir()
    (out_dir / "openapi").mkdir(parents=True)
    target = outside if link == "sql" else outside / "openapi.yaml"
    (out_dir / link).symlink_to(target)

    result = _generate(out_dir, EXAMPLE)

    lines = result.stderr.splitlines()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert "outside" in lines[0]
    assert _tree(outside) == set()
