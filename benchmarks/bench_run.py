"""Benchmark: the main job end to end (`gapkit run`) on the demo or on N synthetic forces.

    python benchmarks/bench_run.py                 # the shipped demo: 13 forces x 2 rounds
    python benchmarks/bench_run.py --forces 43     # 43 synthetic forces x 2 rounds (generated first)

Times a first run into an empty folder and a re-run with nothing changed (every force skipped)."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from gapkit.core import paths
from gapkit.demo.generate import generate
from gapkit.run.runner import run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forces", type=int, default=0, help="0: the shipped demo")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = paths.DEMO_DIR
        if args.forces:
            data = generate(Path(tmp) / "data", n_forces=args.forces)
        out = Path(tmp) / "reports"
        for label in ("first run", "re-run, nothing changed"):
            start = time.perf_counter()
            results = run(data, out_dir=out, workers=args.workers, progress=False)
            seconds = time.perf_counter() - start
            forces = sum(len(r.forces) for r in results)
            ran = sum(not f.get("skipped") for r in results for f in r.forces)
            print(f"{label:24s} {seconds:7.1f} s  ({forces} force-rounds, {ran} notebooks run, "
                  f"{args.workers} workers, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
