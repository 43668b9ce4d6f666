"""Time the Document API on a large run: metric logging, saving and comparing.

Run from the repository root:
    PYTHONPATH=src python bench/bench_document.py [POINTS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import mlspec


def main(points: int) -> None:
    doc = mlspec.Document(user="bench")
    experiment = doc.create_experiment("bench")

    started = time.perf_counter()
    with doc.start_run(experiment, "long") as run:
        for step in range(points):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
    logged = time.perf_counter() - started
    print(f"log_metric: {points} points in {logged:.2f} s ({points / logged:,.0f}/s)")

    with tempfile.TemporaryDirectory() as folder:
        for suffix in (".json", ".yaml"):
            started = time.perf_counter()
            path = doc.save(Path(folder) / f"bench{suffix}")
            saved = time.perf_counter() - started
            size = path.stat().st_size / 1e6
            print(
                f"save {suffix}: {size:.1f} MB in {saved:.2f} s (validation included)"
            )

    started = time.perf_counter()
    doc.compare_runs([run])
    print(f"compare_runs: {time.perf_counter() - started:.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
