"""Rewrite a document from an older spec version to the current one.

Only mechanical changes are rewritten: a renamed field or entity list, and a
new field whose value is a fixed default. Each ``UpgradeStep`` takes
documents from one version to the next; ``STEPS`` lists the steps that ship
with mlspec, in any order, and ``upgrade_document`` chains them. A change
that needs a human (a narrowed enum, a new required field without a
default) has no step, so the upgraded document may still be invalid. The
caller validates it.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from mlspec.compat.versions import SpecVersion
from mlspec.errors import MlspecError
from mlspec.spec import join_pointer

log = logging.getLogger(__name__)


class UpgradeError(MlspecError):
    """A document cannot be upgraded: no path of steps, or a step cannot apply."""

    exit_code = 1


class Operation(Protocol):
    def apply(self, document: dict[str, Any], edits: list[str]) -> None: ...


def _entities(document: dict[str, Any], entities: str) -> list[tuple[str, dict]]:
    """Return ``(pointer, entity)`` for each object in the list at ``section/list``."""
    section, list_name = entities.split("/")
    container = document.get(section)
    items = container.get(list_name) if isinstance(container, dict) else None
    if not isinstance(items, list):
        return []
    return [
        (join_pointer([section, list_name, index]), item)
        for index, item in enumerate(items)
        if isinstance(item, dict)
    ]


def _parent(entity: dict[str, Any], path: str) -> tuple[dict[str, Any] | None, str]:
    """Return the object that contains the dotted ``path`` and the last name in it."""
    *parents, name = path.split(".")
    node: Any = entity
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    return (node if isinstance(node, dict) else None), name


@dataclass(frozen=True)
class RenameField:
    """Rename a field of every entity in a list: ``entities`` is ``section/list``.

    ``old`` and ``new`` may be dotted paths into nested objects that share a
    parent (``deployment_config.replicas`` to ``deployment_config.instance_count``).
    """

    entities: str
    old: str
    new: str

    def apply(self, document: dict[str, Any], edits: list[str]) -> None:
        for pointer, entity in _entities(document, self.entities):
            parent, old_name = _parent(entity, self.old)
            _, new_name = _parent(entity, self.new)
            if parent is None or old_name not in parent:
                continue
            if new_name in parent:
                raise UpgradeError(
                    f"{pointer}: cannot rename {self.old} to {self.new}: both are set"
                )
            parent[new_name] = parent.pop(old_name)
            edits.append(f"{pointer}: renamed {self.old} to {self.new}")


@dataclass(frozen=True)
class RenameList:
    """Rename an entity list: ``old`` and ``new`` are ``section/list``."""

    old: str
    new: str

    def apply(self, document: dict[str, Any], edits: list[str]) -> None:
        old_section, old_list = self.old.split("/")
        new_section, new_list = self.new.split("/")
        source = document.get(old_section)
        if not isinstance(source, dict) or old_list not in source:
            return
        target = document.setdefault(new_section, {})
        if not isinstance(target, dict):
            raise UpgradeError(
                f"/{new_section}: cannot move list {self.old} into it: not an object"
            )
        if new_list in target:
            raise UpgradeError(
                f"/{self.new}: cannot rename list {self.old} to {self.new}: both are set"
            )
        target[new_list] = source.pop(old_list)
        if not source:
            del document[old_section]
        edits.append(f"/{self.old}: renamed list to /{self.new}")


@dataclass(frozen=True)
class AddDefault:
    """Set a new field to ``value`` on every entity of a list that does not have it."""

    entities: str
    path: str
    value: Any

    def apply(self, document: dict[str, Any], edits: list[str]) -> None:
        for pointer, entity in _entities(document, self.entities):
            parent, name = _parent(entity, self.path)
            if parent is None or name in parent:
                continue
            parent[name] = copy.deepcopy(self.value)
            edits.append(f"{pointer}: set {self.path} to {self.value!r}")


@dataclass(frozen=True)
class UpgradeStep:
    """The operations that take a document from ``source`` to ``target`` version."""

    source: str
    target: str
    operations: tuple[Operation, ...] = field(default=())


# Steps that ship with mlspec. Version 1.0 is the first release, so there is
# none yet.
STEPS: list[UpgradeStep] = []


@dataclass
class UpgradeResult:
    """The upgraded document, the versions it went through and every edit made."""

    document: dict[str, Any]
    versions: list[str]
    edits: list[str]

    @property
    def changed(self) -> bool:
        return len(self.versions) > 1


def upgrade_document(
    document: Any, target: str, steps: list[UpgradeStep] | None = None
) -> UpgradeResult:
    """Apply the chain of steps from the document's ``spec_version`` to ``target``.

    The input is not modified. A document of an older minor version of the
    target's major version needs no step, because minor releases only widen.
    Its ``spec_version`` is then set to ``target``. Raises ``UpgradeError`` when
    the document has no usable ``spec_version``, is newer than ``target``, or
    no chain of steps reaches ``target``.
    """
    if not isinstance(document, dict):
        raise UpgradeError("the document must be a JSON object")
    declared = _declared_version(document)
    target_version = SpecVersion.parse(target)
    if declared > target_version:
        raise UpgradeError(
            f"the document is spec {declared}, newer than spec {target_version} that this "
            "mlspec installs; upgrade mlspec instead"
        )

    result = UpgradeResult(copy.deepcopy(document), [str(declared)], [])
    chain = _find_chain(declared, target_version, STEPS if steps is None else steps)
    for step in chain:
        for operation in step.operations:
            operation.apply(result.document, result.edits)
        result.versions.append(step.target)
        log.info("upgraded document from spec %s to %s", step.source, step.target)

    if declared != target_version:
        result.document["spec_version"] = str(target_version)
        if result.versions[-1] != str(target_version):
            result.versions.append(str(target_version))
    return result


def _declared_version(document: dict[str, Any]) -> SpecVersion:
    if "spec_version" not in document:
        raise UpgradeError("/spec_version: missing; the document must declare it")
    try:
        return SpecVersion.parse(document["spec_version"])
    except MlspecError as error:
        raise UpgradeError(f"/spec_version: {error}") from error


def _find_chain(
    start: SpecVersion, target: SpecVersion, steps: list[UpgradeStep]
) -> list[UpgradeStep]:
    """Follow steps from ``start``; stop once the rest is a minor-only move within ``target``'s major."""
    by_source = {SpecVersion.parse(step.source): step for step in steps}
    chain: list[UpgradeStep] = []
    current = start
    while current != target:
        step = by_source.get(current)
        if step is None or SpecVersion.parse(step.target) > target:
            if current.major == target.major:
                break
            raise UpgradeError(
                f"no upgrade step from spec {current} towards {target}; "
                "the document must be migrated by hand"
            )
        chain.append(step)
        current = SpecVersion.parse(step.target)
    return chain
