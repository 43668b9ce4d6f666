"""Load the JSON Schema files of the spec and resolve their references.

The spec is a folder of draft 2020-12 schemas. ``document.schema.json`` is the
entry point; each entity has a file of its own and shared types live in
``defs.schema.json``. Every file declares an ``$id`` that mirrors its path, so
a relative ``$ref`` resolves against the file that contains it. All files are
registered in a ``referencing.Registry`` up front, and the registry never
retrieves anything else: an unknown URI is an error, not a download.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import referencing
import referencing.exceptions
from referencing.jsonschema import DRAFT202012

from mlspec.errors import SpecError

log = logging.getLogger(__name__)

DOCUMENT_FILE = "document.schema.json"
SPEC_VERSION = "1.0"


@dataclass(frozen=True)
class EntityKind:
    """One list of entities in a document, such as ``runs`` under ``experiment_management``."""

    kind: str
    section: str
    list_name: str
    uri: str
    title: str
    id_field: str

    @property
    def pointer(self) -> str:
        """JSON pointer of the list in a document."""
        return f"/{self.section}/{self.list_name}"


@dataclass(eq=False)
class Spec:
    """The loaded spec: every schema file, its registry and the entity lists."""

    root: Path
    files: dict[str, dict[str, Any]]
    uris: dict[str, str]
    registry: referencing.Registry
    entities: list[EntityKind] = field(default_factory=list)

    @property
    def document_uri(self) -> str:
        return self.uris[DOCUMENT_FILE]

    @property
    def document_schema(self) -> dict[str, Any]:
        return self.files[DOCUMENT_FILE]

    @property
    def version(self) -> str:
        return self.document_schema["properties"]["spec_version"]["default"]

    def entity(self, kind: str) -> EntityKind:
        """Look up an entity by its kind (``run``) or list name (``runs``)."""
        for entity in self.entities:
            if kind in (entity.kind, entity.list_name):
                return entity
        raise KeyError(kind)

    def schema_at(self, uri: str) -> dict[str, Any]:
        """Return the schema stored under ``uri`` (a file URI, without fragment)."""
        return self.registry.contents(uri)

    def sha256(self) -> str:
        """Hash of every spec file, in path order, for generated-file headers."""
        digest = hashlib.sha256()
        for relative in sorted(self.files):
            digest.update(relative.encode())
            digest.update(b"\0")
            digest.update((self.root / relative).read_bytes())
        return digest.hexdigest()


def default_spec_dir() -> Path:
    """Return the spec folder shipped with the package, or the source tree's ``spec/``."""
    packaged = Path(__file__).parent / "_spec"
    if (packaged / DOCUMENT_FILE).is_file():
        return packaged
    source_tree = Path(__file__).resolve().parents[2] / "spec"
    if (source_tree / DOCUMENT_FILE).is_file():
        return source_tree
    raise SpecError(
        f"no spec found: neither {packaged} nor {source_tree} has {DOCUMENT_FILE}"
    )


@cache
def load_spec(root: Path | None = None) -> Spec:
    """Load and check every ``*.schema.json`` under ``root`` (default: the bundled spec)."""
    root = (root or default_spec_dir()).resolve()
    files: dict[str, dict[str, Any]] = {}
    uris: dict[str, str] = {}
    for path in sorted(root.rglob("*.schema.json")):
        relative = path.relative_to(root).as_posix()
        files[relative] = _read_schema(path)
        uris[relative] = _check_id(files[relative], relative)

    if DOCUMENT_FILE not in files:
        raise SpecError(f"{root}: {DOCUMENT_FILE} is missing")

    registry = _build_registry(files, uris)
    spec = Spec(root=root, files=files, uris=uris, registry=registry)
    _check_refs(spec)
    spec.entities = _entity_kinds(spec)
    log.debug("loaded %d schema files from %s", len(files), root)
    return spec


def _read_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SpecError(f"{path}: cannot read schema: {error}") from error
    if not isinstance(schema, dict):
        raise SpecError(f"{path}: a schema file must contain a JSON object")
    return schema


def _check_id(schema: dict[str, Any], relative: str) -> str:
    """Require an ``$id`` that ends with the file's path, so relative refs match the folders."""
    schema_id = schema.get("$id")
    if not isinstance(schema_id, str) or not schema_id.endswith("/" + relative):
        raise SpecError(
            f"{relative}: $id must end with /{relative}, found {schema_id!r}"
        )
    return schema_id


def _refuse_retrieval(uri: str) -> referencing.Resource:
    raise referencing.exceptions.NoSuchResource(ref=uri)


def _build_registry(
    files: dict[str, dict], uris: dict[str, str]
) -> referencing.Registry:
    resources = [
        (uris[relative], DRAFT202012.create_resource(schema))
        for relative, schema in files.items()
    ]
    registry = referencing.Registry(retrieve=_refuse_retrieval).with_resources(
        resources
    )
    return registry.crawl()


def _entity_kinds(spec: Spec) -> list[EntityKind]:
    """Read the entity lists from the document schema's sections."""
    document = spec.document_schema
    resolver = spec.registry.resolver(base_uri=spec.document_uri)
    kinds = []
    for section, section_schema in document["properties"].items():
        if "$ref" not in section_schema:
            continue
        section_resolved = resolver.lookup(section_schema["$ref"])
        section_resolver = section_resolved.resolver
        for list_name, list_schema in section_resolved.contents["properties"].items():
            entity_resolved = section_resolver.lookup(list_schema["items"]["$ref"])
            entity_schema = entity_resolved.contents
            kinds.append(
                EntityKind(
                    kind=_file_stem(entity_schema["$id"]),
                    section=section,
                    list_name=list_name,
                    uri=entity_schema["$id"],
                    title=entity_schema["title"],
                    id_field=entity_schema["required"][0],
                )
            )
    return kinds


def _file_stem(uri: str) -> str:
    return uri.rsplit("/", 1)[-1].removesuffix(".schema.json")


def _check_refs(spec: Spec) -> None:
    """Resolve every ``$ref`` in every file, so a dangling one fails at load time."""
    for relative, schema in spec.files.items():
        resolver = spec.registry.resolver(base_uri=spec.uris[relative])
        for pointer, ref in _walk_refs(schema, ""):
            try:
                resolved = resolver.lookup(ref)
            except referencing.exceptions.Unresolvable as error:
                raise SpecError(
                    f"{spec.root}/{relative}#{pointer}: cannot resolve $ref {ref!r}"
                ) from error
            _check_ref_chain(spec, relative, pointer, resolved)


def _check_ref_chain(spec: Spec, relative: str, pointer: str, resolved: Any) -> None:
    """Raise on a ``$ref`` that leads back to itself through schemas that are only ``$ref``.

    Such a chain never reaches a keyword, so every tool that follows it
    loops forever. A ``$ref`` inside ``items`` or ``properties`` recurses
    normally and is fine.
    """
    seen: set[int] = set()
    while isinstance(resolved.contents, dict) and set(resolved.contents) <= _REF_ONLY:
        if id(resolved.contents) in seen:
            raise SpecError(
                f"{spec.root}/{relative}#{pointer}: circular $ref: the chain "
                "of $ref never reaches a schema keyword"
            )
        seen.add(id(resolved.contents))
        try:
            resolved = resolved.resolver.lookup(resolved.contents["$ref"])
        except (KeyError, referencing.exceptions.Unresolvable):
            return


_REF_ONLY = {"$ref", "title", "description", "$comment"}


def _walk_refs(node: Any, pointer: str):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield pointer, value
            else:
                yield from _walk_refs(value, f"{pointer}/{escape_pointer(key)}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_refs(value, f"{pointer}/{index}")


def escape_pointer(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def join_pointer(parts) -> str:
    """Build a JSON pointer from path parts (strings and list indices)."""
    return "".join("/" + escape_pointer(str(part)) for part in parts)
