"""Write a seeded synthetic mlspec document for benchmarks.

    python bench/synth.py --runs 10000 --params 20 --points 100 --tags 5 -o /tmp/doc.json

The output format follows the suffix: ``.json``, ``.yaml`` or ``.jsonl``
(one entity per line with its ``kind``). The same arguments and seed give
the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path

START = 1_705_312_800  # 2024-01-15T10:00:00Z


def timestamp(seconds: int) -> str:
    """Format epoch seconds as RFC 3339 UTC without the datetime module's overhead."""
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def entities(
    runs: int, params: int, points: int, tags: int, seed: int, experiments: int = 10
) -> Iterator[tuple[str, dict]]:
    """Yield ``(kind, entity)`` pairs: experiments first, then runs."""
    rng = random.Random(seed)
    for index in range(experiments):
        yield (
            "experiment",
            {
                "experiment_id": f"EXP-{index:08d}",
                "experiment_name": f"experiment-{index}",
                "experiment_tags": ["synthetic", f"group-{index % 3}"],
                "created_by": "bench",
                "created_at": timestamp(START + index),
            },
        )
    metric_keys = ["loss", "accuracy", "val_loss", "val_accuracy"]
    for index in range(runs):
        start = START + 60 * index
        history = [
            {
                "key": metric_keys[step % len(metric_keys)],
                "value": round(rng.random(), 6),
                "step": step // len(metric_keys),
                "timestamp": timestamp(start + step),
            }
            for step in range(points)
        ]
        yield (
            "run",
            {
                "run_id": f"{rng.getrandbits(128):032x}",
                "experiment_id": f"EXP-{index % experiments:08d}",
                "run_name": f"run-{index}",
                "run_status": "Finished",
                "start_time": timestamp(start),
                "end_time": timestamp(start + points + 1),
                "duration": points + 1,
                "parameters": {
                    f"param_{p}": str(rng.randint(0, 1000)) for p in range(params)
                },
                "metrics": history,
                "tags": {f"tag_{t}": f"value-{rng.randint(0, 9)}" for t in range(tags)},
            },
        )


def document(runs: int, params: int, points: int, tags: int, seed: int) -> dict:
    """Return the whole document as one dict."""
    sections: dict[str, list] = {"experiments": [], "runs": []}
    for kind, entity in entities(runs, params, points, tags, seed):
        sections[kind + "s"].append(entity)
    return {"spec_version": "1.0", "experiment_management": sections}


def write(
    path: Path, runs: int, params: int, points: int, tags: int, seed: int
) -> None:
    if path.suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for kind, entity in entities(runs, params, points, tags, seed):
                handle.write(json.dumps({"kind": kind, **entity}) + "\n")
        return
    data = document(runs, params, points, tags, seed)
    if path.suffix in (".yaml", ".yml"):
        import yaml

        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    else:
        path.write_text(json.dumps(data), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--params", type=int, default=20)
    parser.add_argument("--points", type=int, default=100, help="metric points per run")
    parser.add_argument("--tags", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    write(args.output, args.runs, args.params, args.points, args.tags, args.seed)


if __name__ == "__main__":
    main()
