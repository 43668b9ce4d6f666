"""Classify spec changes for documents: would a document valid under OLD be rejected?

Entities declare ``additionalProperties: false``, so removing a field breaks
every document that uses it. Loosening a constraint (a wider enum, a lower
minimum, an extra type) is compatible; tightening one is breaking.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlspec.compat.changes import Audience, Change
from mlspec.compat.fields import BOUNDS, ITEMS, VALUES, EntityFields, Field

DOCS = Audience.DOCUMENTS


def document_changes(
    old: dict[str, EntityFields], new: dict[str, EntityFields]
) -> Iterator[Change]:
    """Yield the document-level changes between two flattened specs."""
    # NOTE: only the entities are compared. A new top-level document property
    # other than an entity list is not reported, and spec_version is left to
    # the version rule.
    renamed = _renamed_entities(old, new)
    for kind, old_entity in old.items():
        new_kind = renamed.get(kind, kind)
        if new_kind not in new:
            yield Change(
                DOCS,
                "entity-removed",
                True,
                kind,
                f"the {old_entity.list_name} list is no longer allowed",
                f"{old_entity.file}#",
                None,
            )
            continue
        yield from entity_changes(old_entity, new[new_kind])

    for kind, new_entity in new.items():
        if kind not in old and kind not in renamed.values():
            yield Change(
                DOCS,
                "entity-added",
                False,
                kind,
                f"documents may now hold a {new_entity.list_name} list",
                None,
                f"{new_entity.file}#",
            )


def _renamed_entities(
    old: dict[str, EntityFields], new: dict[str, EntityFields]
) -> dict[str, str]:
    """Pair a removed kind with an added kind that has the same field paths."""
    removed = [kind for kind in old if kind not in new]
    added = [kind for kind in new if kind not in old]
    pairs: dict[str, str] = {}
    for old_kind in removed:
        for new_kind in added:
            same_fields = set(old[old_kind].fields) == set(new[new_kind].fields)
            if same_fields and new_kind not in pairs.values():
                pairs[old_kind] = new_kind
                break
    return pairs


def entity_changes(old: EntityFields, new: EntityFields) -> Iterator[Change]:
    """Yield the document-level changes between two versions of one flattened schema."""
    if old.kind != new.kind or old.list_name != new.list_name:
        breaking = old.list_name != new.list_name
        yield Change(
            DOCS,
            "entity-renamed",
            breaking,
            old.kind,
            f"{old.kind} ({old.list_name}) is now {new.kind} ({new.list_name})",
            f"{old.file}#",
            f"{new.file}#",
        )
    for path, old_field in old.fields.items():
        new_field = new.fields.get(path)
        if new_field is None:
            if _parent_present(path, new) and not _is_structural(path):
                yield _removed(new.kind, old_field, _parent_closed(path, old))
            continue
        yield from compare_fields(new.kind, old_field, new_field)

    for path, new_field in new.fields.items():
        if (
            path not in old.fields
            and _parent_present(path, old)
            and not _is_structural(path)
        ):
            yield _added(new.kind, new_field)


def _parent_present(path: tuple[str, ...], entity: EntityFields) -> bool:
    """Report a field only where its parent exists in both versions, not once per descendant."""
    return len(path) <= 1 or path[:-1] in entity.fields


def _is_structural(path: tuple[str, ...]) -> bool:
    """Tell whether ``path`` is a union branch, array items or map values.

    These appear and disappear with a change of the parent's type or union,
    which is reported on the parent.
    """
    if not path:
        return False
    return path[-1] in (ITEMS, VALUES) or path[-1].startswith(("anyOf[", "oneOf["))


def _parent_closed(path: tuple[str, ...], entity: EntityFields) -> bool:
    parent = entity.fields.get(path[:-1])
    return parent is None or parent.closed


def _removed(kind: str, field: Field, closed: bool) -> Change:
    detail = (
        "documents that set it are rejected"
        if closed
        else "it is now an ordinary additional property"
    )
    return Change(
        DOCS,
        "field-removed",
        closed,
        f"{kind}.{field.name}",
        f"field removed: {detail}",
        field.location,
        None,
    )


def _added(kind: str, field: Field) -> Change:
    if field.required:
        return Change(
            DOCS,
            "field-added-required",
            True,
            f"{kind}.{field.name}",
            "new required field: documents without it are rejected",
            None,
            field.location,
        )
    return Change(
        DOCS,
        "field-added",
        False,
        f"{kind}.{field.name}",
        "new optional field",
        None,
        field.location,
    )


def compare_fields(kind: str, old: Field, new: Field) -> Iterator[Change]:
    """Yield one change per constraint that differs between two versions of a field."""

    def change(name: str, breaking: bool, message: str) -> Change:
        return Change(
            DOCS,
            name,
            breaking,
            f"{kind}.{new.name}",
            message,
            old.location,
            new.location,
        )

    if not old.required and new.required:
        yield change("field-now-required", True, "optional field became required")
    if old.required and not new.required:
        yield change("field-now-optional", False, "required field became optional")
    yield from _type_changes(old, new, change)
    yield from _enum_changes(old, new, change)
    yield from _bound_changes(old, new, change)
    for keyword in sorted(set(old.text_rules) | set(new.text_rules)):
        before, after = old.text_rules.get(keyword), new.text_rules.get(keyword)
        if before != after:
            breaking = after is not None
            yield change(
                f"{keyword}-changed", breaking, f"{keyword} {before!r} -> {after!r}"
            )
    if not old.closed and new.closed:
        yield change("object-closed", True, "additional properties are now rejected")
    if old.closed and not new.closed:
        yield change("object-opened", False, "additional properties are now allowed")
    if old.union != new.union:
        yield _union_change(old, new, change)
    if old.default != new.default:
        yield change(
            "default-changed", False, f"default {old.default} -> {new.default}"
        )


def _union_change(old: Field, new: Field, change) -> Change:
    """Classify a union whose keyword or number of branches changed.

    Branches are paired by position, so a branch inserted before others
    shifts the pairs. More branches with the same keyword is a widening.
    """
    before, after = old.union or "none:1", new.union or "none:1"
    old_keyword, old_count = before.split(":")
    new_keyword, new_count = after.split(":")
    widened = old_keyword == new_keyword and int(new_count) > int(old_count)
    message = f"union {before} -> {after}"
    return change("union-changed", not widened, message)


def _covers(types: frozenset[str], json_type: str) -> bool:
    return json_type in types or (json_type == "integer" and "number" in types)


def _type_changes(old: Field, new: Field, change) -> Iterator[Change]:
    lost = sorted(t for t in old.types if not _covers(new.types, t))
    gained = sorted(t for t in new.types if not _covers(old.types, t))
    if lost:
        yield change("type-narrowed", True, f"type no longer accepts {', '.join(lost)}")
    if gained:
        yield change(
            "type-widened", False, f"type now also accepts {', '.join(gained)}"
        )


def _enum_changes(old: Field, new: Field, change) -> Iterator[Change]:
    if old.enum == new.enum:
        return
    if new.enum is None:
        yield change("enum-widened", False, "the enum was removed")
        return
    if old.enum is None:
        yield change("enum-narrowed", True, f"values limited to {_values(new.enum)}")
        return
    removed, added = old.enum - new.enum, new.enum - old.enum
    if removed:
        yield change("enum-narrowed", True, f"values removed: {_values(removed)}")
    if added:
        yield change("enum-widened", False, f"values added: {_values(added)}")


def _values(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))


def _bound_changes(old: Field, new: Field, change) -> Iterator[Change]:
    for keyword, direction in BOUNDS.items():
        before, after = old.bounds.get(keyword), new.bounds.get(keyword)
        if before == after:
            continue
        if after is None:
            tighter = False
        elif before is None:
            tighter = True
        else:
            tighter = after > before if direction == "min" else after < before
        kind = "range-tightened" if tighter else "range-loosened"
        yield change(kind, tighter, f"{keyword} {before} -> {after}")
