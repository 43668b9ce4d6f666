"""Edits to a copy of ``spec/`` that the compatibility tests classify."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec"
RUN = "experiment_management/run.schema.json"
DEFS = "defs.schema.json"
DOCUMENT = "document.schema.json"


def copy_spec(destination: Path) -> Path:
    shutil.copytree(SPEC, destination)
    return destination


def edit_json(
    root: Path, relative: str, edit: Callable[[dict[str, Any]], None]
) -> None:
    path = root / relative
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")


def add_optional_field(root: Path) -> None:
    def edit(schema):
        schema["properties"]["run_owner"] = {"type": "string"}

    edit_json(root, RUN, edit)


def add_required_field(root: Path) -> None:
    def edit(schema):
        schema["properties"]["run_owner"] = {"type": "string"}
        schema["required"].append("run_owner")

    edit_json(root, RUN, edit)


def remove_field(root: Path) -> None:
    edit_json(root, RUN, lambda schema: schema["properties"].pop("duration"))


def widen_enum(root: Path) -> None:
    edit_json(
        root, RUN, lambda schema: schema["$defs"]["RunStatus"]["enum"].append("Queued")
    )


def narrow_enum(root: Path) -> None:
    edit_json(
        root, RUN, lambda schema: schema["$defs"]["RunStatus"]["enum"].remove("Killed")
    )


def tighten_range(root: Path) -> None:
    def edit(schema):
        schema["properties"]["duration"]["maximum"] = 86400

    edit_json(root, RUN, edit)


def loosen_shared_length(root: Path) -> None:
    edit_json(root, DEFS, lambda schema: schema["$defs"]["id"].update(maxLength=512))


def tighten_shared_length(root: Path) -> None:
    edit_json(root, DEFS, lambda schema: schema["$defs"]["id"].update(maxLength=64))


def widen_type(root: Path) -> None:
    def edit(schema):
        schema["properties"]["run_name"]["type"] = ["string", "null"]

    edit_json(root, RUN, edit)


def narrow_type(root: Path) -> None:
    def edit(schema):
        schema["$defs"]["ParameterValue"]["type"] = "string"

    edit_json(root, RUN, edit)


def make_optional(root: Path) -> None:
    edit_json(root, RUN, lambda schema: schema["required"].remove("run_name"))


def rename_entity(root: Path) -> None:
    """Rename run to execution: its file, ``$id``, title and list name."""
    old_path = root / RUN
    new_relative = "experiment_management/execution.schema.json"
    old_path.rename(root / new_relative)

    def edit_entity(schema):
        schema["$id"] = schema["$id"].replace(
            "run.schema.json", "execution.schema.json"
        )
        schema["title"] = "Execution"

    def edit_document(schema):
        section = schema["$defs"]["ExperimentManagement"]["properties"]
        runs = section.pop("runs")
        runs["items"]["$ref"] = "experiment_management/execution.schema.json"
        section["executions"] = runs

    edit_json(root, new_relative, edit_entity)
    edit_json(root, DOCUMENT, edit_document)


def bump_major(root: Path) -> None:
    edit_json(
        root,
        DOCUMENT,
        lambda schema: schema["properties"]["spec_version"].update(default="2.0"),
    )


def bump_minor(root: Path) -> None:
    edit_json(
        root,
        DOCUMENT,
        lambda schema: schema["properties"]["spec_version"].update(default="1.1"),
    )


def add_defaulted_field(root: Path) -> None:
    def edit(schema):
        schema["properties"]["run_priority"] = {"type": "integer", "default": 5}

    edit_json(root, RUN, edit)


def tighten_status_to_running(root: Path) -> None:
    """Narrow RunStatus so that Finished runs, which the churn example holds, are invalid."""

    def edit(schema):
        schema["$defs"]["RunStatus"]["enum"] = ["Running", "Failed", "Killed"]

    edit_json(root, RUN, edit)
