"""``mlspec generate`` and ``mlspec check``: exit codes, drift reports and determinism."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mlspec.cli import main
from mlspec.generate import HEADER_MARK
from mlspec.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
CHURN = ROOT / "examples" / "churn.yaml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def run(*args):
    # load_spec caches by folder, and these tests edit spec copies between runs.
    load_spec.cache_clear()
    return CliRunner().invoke(main, [*map(str, args)])


def copy_spec(tmp_path: Path) -> Path:
    spec_dir = tmp_path / "spec"
    shutil.copytree(ROOT / "spec", spec_dir)
    return spec_dir


def edit_run_schema(spec_dir: Path, change) -> None:
    path = spec_dir / "experiment_management" / "run.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    change(schema)
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")


@pytest.fixture
def generated(tmp_path):
    """Generate from a copy of the spec into a tmp folder; return (spec, out)."""
    spec_dir = copy_spec(tmp_path)
    out_dir = tmp_path / "out"
    result = run("generate", "--spec", spec_dir, "--out", out_dir)
    assert result.exit_code == 0, result.output
    return spec_dir, out_dir


def test_check_passes_on_committed_output():
    result = run("check")

    assert result.exit_code == 0, result.output
    assert "up to date" in result.stderr


def test_generate_writes_models_and_openapi(generated):
    _, out_dir = generated

    files = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*.*"))

    assert "python/models.py" in files
    assert "openapi/openapi.yaml" in files


def test_check_passes_right_after_generate(generated):
    spec_dir, out_dir = generated

    result = run("check", "--spec", spec_dir, "--out", out_dir)

    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_check_fails_after_spec_edit(generated):
    spec_dir, out_dir = generated

    def rename_status(schema):
        schema["$defs"]["RunStatus"]["enum"].append("Paused")

    edit_run_schema(spec_dir, rename_status)

    result = run("check", "--spec", spec_dir, "--out", out_dir)

    assert result.exit_code == 1
    assert f"stale: {out_dir / 'python/models.py'}" in result.stdout
    assert f"stale: {out_dir / 'openapi/openapi.yaml'}" in result.stdout
    assert '+    Paused = "Paused"' in result.stdout
    assert f"mlspec generate --out {out_dir} --spec {spec_dir}" in result.stderr


def test_fix_command_from_check_fixes_drift(generated):
    spec_dir, out_dir = generated
    edit_run_schema(spec_dir, lambda schema: schema.update(description="Changed."))

    run("generate", "--out", out_dir, "--spec", spec_dir)
    result = run("check", "--spec", spec_dir, "--out", out_dir)

    assert result.exit_code == 0, result.output


def test_check_reports_orphaned_file(generated):
    spec_dir, out_dir = generated
    orphan = out_dir / "python" / "old_models.py"
    orphan.write_text(f"# {HEADER_MARK} (generator: python); do not edit.\n")

    result = run("check", "--spec", spec_dir, "--out", out_dir)

    assert result.exit_code == 1
    assert f"orphaned: {orphan}" in result.stdout
    assert "+++ /dev/null" in result.stdout


def test_generate_removes_orphaned_file(generated):
    spec_dir, out_dir = generated
    orphan = out_dir / "python" / "old_models.py"
    orphan.write_text(f"# {HEADER_MARK} (generator: python); do not edit.\n")

    result = run("generate", "--spec", spec_dir, "--out", out_dir)

    assert result.exit_code == 0
    assert not orphan.exists()
    assert "1 removed" in result.stderr


def test_check_reports_missing_file(generated):
    spec_dir, out_dir = generated
    (out_dir / "openapi" / "openapi.yaml").unlink()

    result = run("check", "--spec", spec_dir, "--out", out_dir)

    assert result.exit_code == 1
    assert f"missing: {out_dir / 'openapi/openapi.yaml'}" in result.stdout


def test_check_ignores_hand_written_file(generated):
    spec_dir, out_dir = generated
    (out_dir / "README.md").write_text("Generated files; see docs/generate.md.\n")

    result = run("check", "--spec", spec_dir, "--out", out_dir)

    assert result.exit_code == 0, result.output


def add_if_keyword(schema):
    schema["if"] = {"required": ["end_time"]}


def test_unsupported_construct_warns_without_strict(tmp_path):
    spec_dir = copy_spec(tmp_path)
    edit_run_schema(spec_dir, add_if_keyword)

    result = run("generate", "--spec", spec_dir, "--out", tmp_path / "out")

    assert result.exit_code == 0, result.output
    assert "unsupported construct(s)" in result.stderr
    assert (
        "unsupported: python: experiment_management/run.schema.json#: "
        "keyword 'if' is not enforced" in result.stderr
    )


def test_unsupported_construct_fails_with_strict(tmp_path):
    spec_dir = copy_spec(tmp_path)
    edit_run_schema(spec_dir, add_if_keyword)
    out_dir = tmp_path / "out"

    result = run("generate", "--strict", "--spec", spec_dir, "--out", out_dir)

    assert result.exit_code == 1
    assert "(--strict)" in result.stderr
    assert "keyword 'if' is not enforced" in result.stderr
    assert not out_dir.exists()


def test_document_adds_prediction_endpoint(tmp_path):
    out_dir = tmp_path / "out"

    result = run("generate", "--out", out_dir, "--document", CHURN)

    openapi = (out_dir / "openapi" / "openapi.yaml").read_text()
    models = (out_dir / "python" / "models.py").read_text()
    assert result.exit_code == 0, result.output
    assert "/v1/models/churn/predict:" in openapi
    assert "# Document: churn.yaml, sha256 " in openapi
    assert "# Document:" not in models


def test_check_with_document_compares_document_output(tmp_path):
    out_dir = tmp_path / "out"
    run("generate", "--out", out_dir, "--document", CHURN)

    with_document = run("check", "--out", out_dir, "--document", CHURN)
    without_document = run("check", "--out", out_dir)

    assert with_document.exit_code == 0, with_document.output
    assert without_document.exit_code == 1
    assert "stale:" in without_document.stdout


def test_document_that_is_not_a_mapping_rejected(tmp_path):
    document = tmp_path / "list.yaml"
    document.write_text("- 1\n- 2\n")

    result = run("generate", "--out", tmp_path / "out", "--document", document)

    assert result.exit_code == 2
    assert f"{document}: a document must be a mapping" in result.stderr


def generate_in_subprocess(out_dir: Path, hash_seed: str) -> None:
    environment = dict(
        os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(ROOT / "src")
    )
    command = [sys.executable, "-m", "mlspec", "-q", "generate", "--out", str(out_dir)]
    subprocess.run(command, check=True, env=environment, cwd=ROOT)


def read_tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_output_identical_across_hash_seeds(tmp_path):
    generate_in_subprocess(tmp_path / "first", "1")
    generate_in_subprocess(tmp_path / "second", "2024")

    first = read_tree(tmp_path / "first")
    second = read_tree(tmp_path / "second")

    assert set(first) >= {"python/models.py", "openapi/openapi.yaml"}
    assert first == second


def test_header_has_no_timestamp_or_tool_version(generated):
    _, out_dir = generated

    for path, content in read_tree(out_dir).items():
        text = content.decode()
        header = text[: text.index("\n\n")]
        assert "datamodel-codegen" not in text, path
        assert not re.search(r"\d{4}-\d{2}-\d{2}", header), path
        assert not re.search(r"\d+\.\d+\.\d+", header), path


def test_cli_import_stays_light():
    code = (
        "import sys, mlspec.cli; "
        "heavy = {'datamodel_code_generator', 'mlspec.generate.python', "
        "'mlspec.generate.openapi'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    environment = dict(os.environ, PYTHONPATH=str(ROOT / "src"))

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment
    )

    assert result.stdout.strip() == "[]"


def test_invalid_model_api_names_document(tmp_path):
    document = tmp_path / "bad.yaml"
    text = CHURN.read_text().replace("api_method: POST", "api_method: PUT")
    document.write_text(text)

    result = run("generate", "--out", tmp_path / "out", "--document", document)

    assert result.exit_code == 1
    assert (
        "/model_serving/model_apis/0/api_method: 'PUT' is not one of" in result.stderr
    )
    assert "[schema-enum]" in result.stderr


def test_pre_commit_hooks_run_mlspec_commands(monkeypatch):
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text())}
    monkeypatch.chdir(ROOT)

    check = run(*shlex.split(hooks["mlspec-check"]["entry"])[1:])
    validate = run(*shlex.split(hooks["mlspec-validate"]["entry"])[1:], CHURN)

    assert set(hooks) == {"mlspec-validate", "mlspec-check"}
    assert hooks["mlspec-check"]["pass_filenames"] is False
    assert check.exit_code == 0, check.output
    assert validate.exit_code == 0, validate.output


def test_generate_rejects_an_invalid_document(tmp_path):
    import yaml

    document = yaml.safe_load((ROOT / "examples" / "churn.yaml").read_text())
    document["model_serving"]["model_apis"][0]["response_schema"] = {"type": "bogus"}
    path = tmp_path / "apis.yaml"
    path.write_text(yaml.safe_dump(document))

    result = CliRunner().invoke(
        main, ["generate", "--out", str(tmp_path / "out"), "--document", str(path)]
    )

    assert result.exit_code == 1
    assert "api-schema-invalid" in result.stderr
    assert not (tmp_path / "out").exists()
