"""Validation throughput: mlspec against orjson + jsonschema-rs on the same document.

    python bench/bench_validate.py --runs 10000 --repeat 5

The baseline parses with orjson and validates the schema only, with
jsonschema-rs; mlspec parses strictly (duplicate keys, bare NaN, numbers
beyond a double), validates the schema, checks every cross-entity rule and
is ready to report line and column. ``--with-python-jsonschema`` also
times python-jsonschema alone on the parsed document (slow: minutes).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import jsonschema_rs
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import write  # noqa: E402

import mlspec  # noqa: E402
from mlspec.spec import load_spec  # noqa: E402


def median_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--params", type=int, default=20)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--tags", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--with-python-jsonschema", action="store_true")
    args = parser.parse_args()

    spec = load_spec()
    registry = jsonschema_rs.Registry(
        [(spec.uris[name], schema) for name, schema in spec.files.items()]
    )
    baseline_validator = jsonschema_rs.validator_for(
        {"$ref": spec.document_uri}, registry=registry, offline=True
    )

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.json"
        write(path, args.runs, args.params, args.points, args.tags, seed=1)
        size_mb = path.stat().st_size / 1e6

        def baseline() -> None:
            assert baseline_validator.is_valid(orjson.loads(path.read_bytes()))

        def candidate() -> None:
            assert mlspec.validate(path, spec=spec).valid

        candidate()  # warm the validator caches
        baseline_s = median_seconds(baseline, args.repeat)
        mlspec_s = median_seconds(candidate, args.repeat)
        print(
            f"document: {args.runs} runs, {size_mb:.1f} MB; median of {args.repeat} runs"
        )
        print(
            f"baseline orjson + jsonschema-rs: {baseline_s:.3f} s ({size_mb / baseline_s:.1f} MB/s)"
        )
        print(
            f"mlspec validate:                 {mlspec_s:.3f} s ({size_mb / mlspec_s:.1f} MB/s)"
        )
        print(f"mlspec throughput / baseline:    {baseline_s / mlspec_s:.3f}")

        if args.with_python_jsonschema:
            from jsonschema import Draft202012Validator

            document = orjson.loads(path.read_bytes())
            slow = Draft202012Validator(
                {"$ref": spec.document_uri}, registry=spec.registry
            )
            slow_s = median_seconds(lambda: list(slow.iter_errors(document)), 1)
            print(
                f"python-jsonschema alone:         {slow_s:.3f} s (throughput / baseline {baseline_s / slow_s:.3f})"
            )


if __name__ == "__main__":
    main()
