"""Saving documents: formats, validation before writing, and atomic replacement.

The crash tests run a real save in a child process and kill it with SIGKILL
at a chosen point. The child wraps ``os.write`` or ``os.replace`` only to
pause at that point and report it. The bytes still go to the real file
system.
"""

from __future__ import annotations

import math
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import mlspec
from mlspec.document import SaveError, write_atomically
from mlspec.errors import UsageError

SRC = Path(__file__).resolve().parents[1] / "src"
CHUNK = 1 << 20

CHILD = textwrap.dedent(
    """
    import os, sys, time
    import mlspec

    path, mode = sys.argv[1], sys.argv[2]
    doc = mlspec.open(path, user="tester")
    experiment = doc.find_experiment("churn")
    blob = "x" * (1 << 20)
    with doc.start_run(experiment, "large") as run:
        run.log_params({f"blob{index}": blob for index in range(4)})
        run.log_metric("accuracy", 0.9)

    def pause(*args):
        print("paused", flush=True)
        time.sleep(120)

    if mode == "mid-write":
        real_write, calls = os.write, []

        def write(descriptor, data):
            if calls:
                pause()
            calls.append(len(data))
            return real_write(descriptor, data)

        os.write = write
    elif mode == "before-replace":
        os.replace = pause
    elif mode == "file-too-large":
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2 << 20, resource.RLIM_INFINITY))

    try:
        doc.save()
    except mlspec.MlspecError as error:
        print(f"error: {error}", flush=True)
        sys.exit(1)
    print("saved", flush=True)
    """
)


@pytest.fixture
def saved_doc(tmp_path) -> Path:
    """A small valid document on disk, the file the crash tests must keep intact."""
    path = tmp_path / "doc.json"
    doc = mlspec.open(path, user="tester")
    with doc.start_run(doc.create_experiment("churn"), "rf") as run:
        run.log_metric("accuracy", 0.85)
    doc.save()
    return path


def start_child(tmp_path: Path, path: Path, mode: str) -> subprocess.Popen:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen(
        [sys.executable, str(script), str(path), mode],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def first_line(child: subprocess.Popen) -> str:
    """Read the child's first output line, killing it if nothing comes in 60 s."""
    watchdog = threading.Timer(60, child.kill)
    watchdog.start()
    try:
        return child.stdout.readline().strip()
    finally:
        watchdog.cancel()


def temp_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(".doc.json.*.tmp"))


def kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()


def test_kill_mid_write_keeps_previous_file(tmp_path, saved_doc):
    before = saved_doc.read_bytes()
    child = start_child(tmp_path, saved_doc, "mid-write")

    assert first_line(child) == "paused"
    partial = temp_files(tmp_path)
    assert len(partial) == 1
    assert partial[0].stat().st_size == CHUNK
    kill(child)

    assert child.returncode == -signal.SIGKILL
    assert saved_doc.read_bytes() == before
    assert mlspec.validate(saved_doc).valid


def test_kill_before_replace_keeps_previous_file(tmp_path, saved_doc):
    before = saved_doc.read_bytes()
    child = start_child(tmp_path, saved_doc, "before-replace")

    assert first_line(child) == "paused"
    complete = temp_files(tmp_path)
    assert len(complete) == 1
    assert complete[0].stat().st_size > 4 * CHUNK
    kill(child)

    assert saved_doc.read_bytes() == before


def test_save_completes_in_child(tmp_path, saved_doc):
    child = start_child(tmp_path, saved_doc, "plain")

    assert first_line(child) == "saved"
    child.wait(timeout=30)
    child.stdout.close()

    assert saved_doc.stat().st_size > 4 * CHUNK
    assert mlspec.validate(saved_doc).valid
    assert temp_files(tmp_path) == []


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_write_error_removes_temp_file(tmp_path, saved_doc):
    before = saved_doc.read_bytes()
    child = start_child(tmp_path, saved_doc, "file-too-large")

    line = first_line(child)
    child.wait(timeout=30)
    child.stdout.close()

    assert line.startswith(f"error: {saved_doc}: cannot save: File too large")
    assert child.returncode == 1
    assert saved_doc.read_bytes() == before
    assert temp_files(tmp_path) == []


# Formats and paths.


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
def test_save_round_trips(tmp_path, suffix):
    doc = mlspec.Document(user="tester")
    with doc.start_run(doc.create_experiment("churn ✓"), "rf") as run:
        run.log_params({"lr": 0.01, "use_gpu": True, "optimizer": "Adam"})
        run.log_metric("loss", math.nan)
        run.log_metric("loss", 0.25, step=1)

    path = doc.save(tmp_path / f"doc{suffix}")

    assert mlspec.read_document(path) == doc.data
    assert mlspec.validate(path).valid


def test_save_same_document_same_bytes(tmp_path, saved_doc):
    doc = mlspec.open(saved_doc)

    first = doc.save(tmp_path / "a.yaml").read_bytes()
    second = doc.save(tmp_path / "b.yaml").read_bytes()

    assert first == second


def test_save_json_layout(tmp_path):
    doc = mlspec.Document(user="tester")

    text = doc.save(tmp_path / "empty.json").read_text()

    assert text == '{\n  "spec_version": "1.0"\n}\n'


def test_save_unknown_suffix_rejected(tmp_path):
    doc = mlspec.Document(user="tester")

    with pytest.raises(UsageError, match=r"unknown suffix '\.txt'"):
        doc.save(tmp_path / "doc.txt")


def test_save_without_path_rejected():
    with pytest.raises(UsageError, match="has no path"):
        mlspec.Document(user="tester").save()


def test_save_sets_path(tmp_path):
    doc = mlspec.Document(user="tester")

    doc.save(tmp_path / "doc.json")

    assert doc.path == tmp_path / "doc.json"


def test_save_into_missing_folder_fails_cleanly(tmp_path):
    doc = mlspec.Document(user="tester")
    target = tmp_path / "missing" / "doc.json"

    with pytest.raises(SaveError, match="cannot save: No such file or directory"):
        doc.save(target)


def test_save_keeps_file_mode(tmp_path, saved_doc):
    saved_doc.chmod(0o640)

    mlspec.open(saved_doc).save()

    assert stat.S_IMODE(saved_doc.stat().st_mode) == 0o640


def test_document_context_saves_on_error(tmp_path):
    path = tmp_path / "doc.yaml"

    with pytest.raises(RuntimeError):
        with mlspec.open(path, user="tester") as doc:
            with doc.start_run(doc.create_experiment("churn"), "rf") as run:
                raise RuntimeError("out of memory")

    saved = mlspec.open(path)
    assert saved.run(run.run_id).status == "Failed"


def test_write_atomically_replaces_content(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"old")

    write_atomically(path, b"new" * CHUNK)

    assert path.read_bytes() == b"new" * CHUNK
    assert list(tmp_path.iterdir()) == [path]


def test_save_over_folder_fails_cleanly(tmp_path):
    doc = mlspec.Document(user="tester")
    (tmp_path / "doc.json").mkdir()

    with pytest.raises(SaveError, match="doc.json: cannot save: Is a directory"):
        doc.save(tmp_path / "doc.json")

    assert sorted(tmp_path.iterdir()) == [tmp_path / "doc.json"]


def test_save_lone_surrogate_rejected(tmp_path):
    doc = mlspec.Document(user="tester")
    with doc.start_run(doc.create_experiment("churn"), "rf") as run:
        run.log_param("note", "a\ud800b")
        run.log_metric("accuracy", 0.5)

    with pytest.raises(SaveError, match=r"contains '\\ud800', a lone surrogate"):
        doc.save(tmp_path / "doc.json")

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "options",
    [
        {"severities": {"no-such-rule": "error"}},
        {"severities": {"run-finished-no-metric": "fatal"}},
    ],
)
def test_bad_options_fail_at_open(tmp_path, options):
    with pytest.raises(mlspec.UsageError):
        mlspec.open(tmp_path / "doc.yaml", **options)


def test_unknown_suffix_fails_at_open(tmp_path):
    with pytest.raises(mlspec.UsageError, match="unknown suffix"):
        mlspec.open(tmp_path / "doc.txt")
