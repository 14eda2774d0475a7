"""Benchmark: the scoring rule over many forces at once.

    python benchmarks/bench_scoring.py [--forces 43 430 4300]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import pandas as pd

from gapkit.assess.table import normalise
from gapkit.catalogue.frameworks import default_catalogue
from gapkit.catalogue.settings import default_config
from gapkit.scoring.rule import score


def assessment(n_forces: int, seed: int = 1) -> pd.DataFrame:
    rng = random.Random(seed)
    catalogue = default_catalogue()
    rows = [{"force": f"f{i:05d}", "round": "r", "framework": fid, "requirement_id": req.id,
             "level": rng.randint(0, 3), "level_source": "force-reported"}
            for i in range(n_forces) for fid, fw in catalogue.frameworks.items() for req in fw.requirements]
    return normalise(pd.DataFrame(rows))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forces", type=int, nargs="+", default=[43, 430, 4300])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    catalogue, config = default_catalogue(), default_config()
    for n in args.forces:
        frame = assessment(n)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = score(frame, catalogue, config, as_of="2019-09-27")
            times.append(time.perf_counter() - start)
        print(f"{n:5d} forces x {len(catalogue.frameworks)} frameworks = {len(result.requirements):7d} requirement rows: "
              f"median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
