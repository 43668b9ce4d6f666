"""``check`` uses the generate cache and still finds every difference."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import mlspec.generate as generate
from mlspec.generate import cache, check, generate_all, write
from mlspec.spec import load_spec


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An output folder written by ``generate`` and a cache filled by one ``check``."""
    base = tmp_path_factory.mktemp("check-cache")
    out_dir = base / "generated"
    cache_dir = base / "cache"
    write(out_dir, generate_all(load_spec()))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLSPEC_CACHE_DIR", str(cache_dir))
        assert check(out_dir).in_sync
    return out_dir, cache_dir


@pytest.fixture
def copies(
    filled: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, Path]]:
    """Private copies of the output folder and the cache, with regeneration disabled."""
    out_dir = tmp_path / "generated"
    cache_dir = tmp_path / "cache"
    shutil.copytree(filled[0], out_dir)
    shutil.copytree(filled[1], cache_dir)
    monkeypatch.setenv("MLSPEC_CACHE_DIR", str(cache_dir))
    yield out_dir, cache_dir


def forbid_regeneration(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("check regenerated although the cache matched")

    monkeypatch.setattr(generate, "generate_all", fail)


def test_cache_entry_written(filled: tuple[Path, Path]) -> None:
    entries = list(filled[1].glob("generated-*.json"))

    assert len(entries) == 1


def test_check_hit_skips_generation(copies, monkeypatch: pytest.MonkeyPatch) -> None:
    out_dir, _ = copies
    forbid_regeneration(monkeypatch)

    result = check(out_dir)

    assert result.in_sync


def test_check_hit_finds_stale_file(copies) -> None:
    out_dir, _ = copies
    target = out_dir / "sql" / "postgres" / "schema.sql"
    target.write_bytes(target.read_bytes() + b"-- edited\n")

    result = check(out_dir)

    assert result.stale == ["sql/postgres/schema.sql"]
    assert "-- edited" in result.diff


def test_check_hit_finds_missing_file(copies) -> None:
    out_dir, _ = copies
    (out_dir / "sql" / "postgres" / "reports.sql").unlink()

    result = check(out_dir)

    assert result.missing == ["sql/postgres/reports.sql"]


def test_check_hit_finds_orphan(copies) -> None:
    out_dir, _ = copies
    schema = (out_dir / "sql" / "postgres" / "schema.sql").read_bytes()
    (out_dir / "sql" / "postgres" / "old.sql").write_bytes(schema)

    result = check(out_dir)

    assert result.orphaned == ["sql/postgres/old.sql"]


def test_corrupt_entry_ignored(copies) -> None:
    out_dir, cache_dir = copies
    for entry in cache_dir.glob("generated-*.json"):
        entry.write_text("{not json", encoding="utf-8")

    result = check(out_dir)

    assert result.in_sync


def test_key_follows_spec(tmp_path: Path) -> None:
    spec_dir = tmp_path / "spec"
    shutil.copytree(load_spec().root, spec_dir)
    before = cache.input_key(load_spec(spec_dir))
    defs = spec_dir / "defs.schema.json"
    defs.write_text(defs.read_text(encoding="utf-8") + "\n", encoding="utf-8")

    after = cache.input_key(load_spec(spec_dir))

    assert before != after


def test_unwritable_cache_ignored(
    filled: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("MLSPEC_CACHE_DIR", str(blocker / "cache"))

    result = check(filled[0])

    assert result.in_sync
