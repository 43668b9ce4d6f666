"""``mlspec diff``: classification of spec edits, exit codes and ``--git``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import compat_edits as edits
import pytest
from click.testing import CliRunner

from mlspec.cli import main
from mlspec.compat.diff import diff_specs
from mlspec.spec import load_spec


def diff_after(tmp_path: Path, *steps):
    new_root = edits.copy_spec(tmp_path / "new")
    for step in steps:
        step(new_root)
    return diff_specs(load_spec(edits.SPEC), load_spec(new_root))


def kinds(report, audience: str) -> set[tuple[str, str, bool]]:
    return {
        (change.kind, change.subject, change.breaking)
        for change in report.changes
        if change.audience == audience
    }


# (edit, expected document change, expected API change); each a (kind,
# subject, breaking) triple.
GET_RUN = "GET /runs/{run_id} response"
POST_RUN = "POST /runs request"
CASES = [
    (
        edits.add_optional_field,
        ("field-added", "run.run_owner", False),
        ("request-field-added", f"{POST_RUN}: run_owner", False),
    ),
    (
        edits.add_required_field,
        ("field-added-required", "run.run_owner", True),
        ("request-field-added-required", f"{POST_RUN}: run_owner", True),
    ),
    (
        edits.remove_field,
        ("field-removed", "run.duration", True),
        ("response-field-removed", f"{GET_RUN}: duration", True),
    ),
    (
        edits.widen_enum,
        ("enum-widened", "run.run_status", False),
        ("response-enum-widened", f"{GET_RUN}: run_status", False),
    ),
    (
        edits.narrow_enum,
        ("enum-narrowed", "run.run_status", True),
        ("request-enum-narrowed", f"{POST_RUN}: run_status", True),
    ),
    (
        edits.tighten_range,
        ("range-tightened", "run.duration", True),
        ("request-range-tightened", f"{POST_RUN}: duration", True),
    ),
    (
        edits.widen_type,
        ("type-widened", "run.run_name", False),
        ("response-type-widened", f"{GET_RUN}: run_name", True),
    ),
    (
        edits.narrow_type,
        ("type-narrowed", "run.parameters.{}", True),
        ("request-type-narrowed", f"{POST_RUN}: parameters.{{}}", True),
    ),
    (
        edits.make_optional,
        ("field-now-optional", "run.run_name", False),
        ("response-field-now-optional", f"{GET_RUN}: run_name", True),
    ),
    (
        edits.rename_entity,
        ("entity-renamed", "run", True),
        ("operation-removed", "POST /runs", True),
    ),
]


@pytest.mark.parametrize(
    ("edit", "document_change", "api_change"),
    CASES,
    ids=[case[0].__name__ for case in CASES],
)
def test_edit_classification(tmp_path, edit, document_change, api_change):
    report = diff_after(tmp_path, edit)

    assert kinds(report, "documents") == {document_change}
    assert api_change in kinds(report, "api")


def test_unchanged_spec_has_no_changes(tmp_path):
    report = diff_after(tmp_path)

    assert report.changes == []
    assert report.acceptable


def test_shared_definition_change_reaches_every_use(tmp_path):
    report = diff_after(tmp_path, edits.tighten_shared_length)
    subjects = {subject for _, subject, _ in kinds(report, "documents")}

    assert "run.run_id" in subjects
    assert "run.parent_run_id" in subjects
    assert "model_deployment.version_id" in subjects
    assert all(breaking for *_, breaking in kinds(report, "documents"))


def test_loosened_shared_length_is_compatible(tmp_path):
    report = diff_after(tmp_path, edits.loosen_shared_length)

    assert ("range-loosened", "run.run_id", False) in kinds(report, "documents")
    assert report.breaking == []


def test_api_locations_point_into_openapi(tmp_path):
    report = diff_after(tmp_path, edits.narrow_enum)
    change = next(c for c in report.changes if c.kind == "request-enum-narrowed")

    assert change.old == (
        "openapi/openapi.yaml#/components/schemas/Run/properties/run_status"
    )
    assert change.new == change.old


def test_request_only_changes_skip_responses(tmp_path):
    report = diff_after(tmp_path, edits.narrow_enum)
    api = kinds(report, "api")

    assert all("response" not in subject for _, subject, _ in api)


def test_entity_outside_api_has_no_api_changes(tmp_path):
    def narrow_training_metric(root):
        edits.edit_json(
            root,
            "model_training/training_metric.schema.json",
            lambda schema: schema["$defs"]["DatasetType"]["enum"].pop(),
        )

    report = diff_after(tmp_path, narrow_training_metric)

    assert kinds(report, "documents")
    assert kinds(report, "api") == set()


def test_locations_name_both_versions(tmp_path):
    report = diff_after(tmp_path, edits.narrow_enum)
    change = next(c for c in report.changes if c.kind == "enum-narrowed")

    assert change.old == "experiment_management/run.schema.json#/properties/run_status"
    assert change.new == change.old


def test_renamed_entity_locations(tmp_path):
    report = diff_after(tmp_path, edits.rename_entity)
    change = next(c for c in report.changes if c.kind == "entity-renamed")

    assert change.old == "experiment_management/run.schema.json#"
    assert change.new == "experiment_management/execution.schema.json#"
    assert "runs" in change.message
    assert "executions" in change.message


def run_diff(*args):
    return CliRunner().invoke(main, ["diff", *map(str, args)])


def test_exit_one_for_breaking_without_major(tmp_path):
    new_root = edits.copy_spec(tmp_path / "new")
    edits.narrow_enum(new_root)
    edits.bump_minor(new_root)

    result = run_diff(edits.SPEC, new_root)

    assert result.exit_code == 1
    assert "BREAKING [documents] enum-narrowed: run.run_status" in result.stdout
    assert "breaking without a major version bump" in result.stderr


def test_exit_zero_for_breaking_with_major(tmp_path):
    new_root = edits.copy_spec(tmp_path / "new")
    edits.narrow_enum(new_root)
    edits.bump_major(new_root)

    result = run_diff(edits.SPEC, new_root)

    assert result.exit_code == 0
    assert "BREAKING [documents] enum-narrowed" in result.stdout
    assert "1.0 -> 2.0" in result.stderr


def test_exit_zero_for_compatible_change(tmp_path):
    new_root = edits.copy_spec(tmp_path / "new")
    edits.widen_enum(new_root)

    result = run_diff(edits.SPEC, new_root)

    assert result.exit_code == 0


def test_json_format(tmp_path):
    new_root = edits.copy_spec(tmp_path / "new")
    edits.remove_field(new_root)

    result = run_diff(edits.SPEC, new_root, "--format", "json")
    output = json.loads(result.stdout)

    assert result.exit_code == 1
    assert output["old_version"] == "1.0"
    assert output["major_bump"] is False
    assert output["acceptable"] is False
    removed = [c for c in output["changes"] if c["kind"] == "field-removed"]
    assert removed == [
        {
            "audience": "documents",
            "kind": "field-removed",
            "breaking": True,
            "subject": "run.duration",
            "message": "field removed: documents that set it are rejected",
            "old": "experiment_management/run.schema.json#/properties/duration",
            "new": None,
        }
    ]


def test_missing_new_folder_is_usage_error():
    result = run_diff(edits.SPEC)

    assert result.exit_code == 2
    assert "give two spec folders" in result.stderr


@pytest.fixture
def git_repository(tmp_path) -> Path:
    """A git repository whose first commit contains a copy of spec/."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repository = tmp_path / "repo"
    repository.mkdir()
    edits.copy_spec(repository / "spec")
    environment = ["-c", "user.name=test", "-c", "user.email=test@example.com"]
    for command in (["init", "-q"], ["add", "spec"], ["commit", "-q", "-m", "spec"]):
        subprocess.run(["git", *environment, *command], cwd=repository, check=True)
    return repository


def test_git_revision_against_working_tree(git_repository):
    edits.remove_field(git_repository / "spec")

    result = run_diff("--git", "HEAD", git_repository / "spec")

    assert result.exit_code == 1
    assert "field-removed: run.duration" in result.stdout


def test_git_revision_unchanged(git_repository):
    result = run_diff("--git", "HEAD", git_repository / "spec")

    assert result.exit_code == 0
    assert result.stdout == ""


def test_git_unknown_revision(git_repository):
    result = run_diff("--git", "no-such-rev", git_repository / "spec")

    assert result.exit_code == 2
    assert "no-such-rev" in result.stderr


def test_git_defaults_to_repository_spec(git_repository, monkeypatch):
    edits.narrow_enum(git_repository / "spec")
    monkeypatch.chdir(git_repository)

    result = run_diff("--git", "HEAD")

    assert result.exit_code == 1
    assert "enum-narrowed: run.run_status" in result.stdout


def test_git_spec_in_subfolder(git_repository):
    nested = git_repository / "schemas" / "spec"
    nested.parent.mkdir()
    subprocess.run(
        ["git", "mv", "spec", "schemas/spec"], cwd=git_repository, check=True
    )
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com"]
        + ["commit", "-q", "-m", "move"],
        cwd=git_repository,
        check=True,
    )
    edits.widen_enum(nested)

    result = run_diff("--git", "HEAD", nested)

    assert result.exit_code == 0
    assert "enum-widened: run.run_status" in result.stdout


def test_git_revision_option_rejected(git_repository, tmp_path):
    target = tmp_path / "written.tar"

    result = run_diff("--git", f"--output={target}", git_repository / "spec")

    assert result.exit_code == 2
    assert "starts with '-'" in result.stderr
    assert not target.exists()


def test_broken_spec_folder(tmp_path):
    new_root = edits.copy_spec(tmp_path / "new")
    (new_root / edits.RUN).write_text("{not json", encoding="utf-8")

    result = run_diff(edits.SPEC, new_root)

    assert result.exit_code == 2
    assert "run.schema.json: cannot read schema" in result.stderr


def test_union_branch_inner_change(tmp_path):
    def tighten_step(root):
        edits.edit_json(
            root,
            edits.RUN,
            lambda schema: schema["$defs"]["MetricPoint"]["properties"]["step"].update(
                minimum=0
            ),
        )

    report = diff_after(tmp_path, tighten_step)

    assert kinds(report, "documents") == {
        ("range-tightened", "run.metrics.anyOf[1].[].step", True)
    }


def test_union_branch_removed(tmp_path):
    edit = lambda root: edits.edit_json(  # noqa: E731
        root, edits.DEFS, lambda schema: schema["$defs"]["tags"]["anyOf"].pop()
    )

    report = diff_after(tmp_path, edit)
    changes = kinds(report, "documents")

    assert ("union-changed", "run.tags", True) in changes
    assert ("type-narrowed", "run.tags", True) in changes
    assert {kind for kind, _, _ in changes} == {"union-changed", "type-narrowed"}


def test_union_branch_added(tmp_path):
    edit = lambda root: edits.edit_json(  # noqa: E731
        root,
        edits.DEFS,
        lambda schema: schema["$defs"]["tags"]["anyOf"].append({"type": "string"}),
    )

    report = diff_after(tmp_path, edit)

    assert ("union-changed", "run.tags", False) in kinds(report, "documents")
