"""Time ``mlspec check`` against ``python -c "import mlspec"``, each in a new process.

    PYTHONPATH=src python bench/bench_check.py --repeat 10

The two commands alternate, so both see the same load. The first
``mlspec check`` fills the generate cache (see ``mlspec.generate.cache``)
and is timed on its own. The later runs find the cache filled, as users do
while they edit nothing that the generated files depend on.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def seconds(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="runs of each command")
    args = parser.parse_args()

    cache = tempfile.mkdtemp(prefix="mlspec-cache-")
    env = {**os.environ, "MLSPEC_CACHE_DIR": cache}
    check = [sys.executable, "-m", "mlspec", "check"]
    bare_import = [sys.executable, "-c", "import mlspec"]
    try:
        first = seconds(check, env)
        imports, checks = [], []
        for _ in range(args.repeat):
            imports.append(seconds(bare_import, env))
            checks.append(seconds(check, env))
    finally:
        shutil.rmtree(cache, ignore_errors=True)

    import_median = statistics.median(imports)
    check_median = statistics.median(checks)
    print(f"mlspec check, empty cache (1 run): {first:.3f} s")
    print(f"import mlspec, median of {args.repeat}:   {import_median:.3f} s")
    print(f"mlspec check, median of {args.repeat}:    {check_median:.3f} s")
    print(f"ratio check / import:             {check_median / import_median:.2f}")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
