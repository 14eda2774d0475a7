"""Benchmark: one round of the main job for N synthetic forces, the ways a user could run it, side by side.

    python benchmarks/bench_run.py                          # 10, 43 and 200 forces (takes a while)
    python benchmarks/bench_run.py --forces 43 --naive-sample 3
    python benchmarks/bench_run.py --demo                   # README command 1: the shipped demo, both rounds
    python benchmarks/bench_run.py --no-fresh 200           # all three sizes, fresh kernels only at 10 and 43

For each N, in one process on the same machine:
- naive: a user's loop, one force after another: `papermill` then `jupyter nbconvert --to html --no-input`, timed
  on a sample of forces and scaled to N (national overview and pack not included, so it is flattered);
- fresh: `gapkit run --fresh-kernels` (a new kernel for every notebook);
- warm: `gapkit run` (one warm kernel per worker), then a re-run with nothing changed, then a re-run after one
  force's action plan changed.
Wall time and the peak memory of the whole process tree (every process the command started, summed, sampled every
0.1 s with psutil). The round is 2019, whose previous round (2017) has no outputs yet, so each force's previous
round is computed from its inputs: the heavier case. A benchmark, not a test: nothing fails on time."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from openpyxl import load_workbook

from gapkit.core import paths
from gapkit.demo.generate import generate

ROUND = "2019"


def measure(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak summed RSS (MB) of the command's whole process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "MPLBACKEND": "Agg"})
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [root] + root.children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 1: some force had input errors, which the demo data does not have
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
    return seconds, peak / 2**20


def gapkit_run(data: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "gapkit", "run", "--data", str(data), "--out", str(out), "--round", ROUND, *extra]


def naive_per_force(data: Path, work: Path, forces: list[str]) -> tuple[float, float]:
    """Seconds and peak MB per force of papermill + nbconvert, one force after another."""
    total, peak = 0.0, 0.0
    for force in forces:
        out_dir = work / force
        out_dir.mkdir(parents=True)
        executed = out_dir / f"{force}.ipynb"
        s1, m1 = measure(["papermill", str(paths.FORCE_NOTEBOOK), str(executed), "-p", "force", force,
                          "-p", "round_id", ROUND, "-p", "data_dir", str(data), "-p", "out_dir", str(out_dir),
                          "--no-progress-bar"])
        s2, m2 = measure(["jupyter", "nbconvert", "--to", "html", "--no-input", str(executed)])
        total += s1 + s2
        peak = max(peak, m1, m2)
    return total / len(forces), peak


def touch_one_force(data: Path) -> None:
    """Change one force's action plan the way a person would: a new update in a cell, saved again."""
    book = sorted((data / "rounds" / ROUND / "submissions").glob("*.xlsx"))[0]
    wb = load_workbook(book)
    ws = wb["Actions"] if "Actions" in wb.sheetnames else wb.worksheets[0]
    ws.cell(ws.max_row + 2, 1, "benchmark: a change")
    wb.save(book)


def bench(n: int, workers: int, naive_sample: int, root: Path, fresh: bool = True) -> dict:
    data = generate(root / f"data-{n}", n_forces=n)
    forces = sorted(p.stem for p in (data / "rounds" / ROUND / "submissions").glob("*.xlsx"))
    row: dict = {"forces": n}
    if naive_sample:
        per_force, peak = naive_per_force(data, root / f"naive-{n}", forces[:naive_sample])
        row["naive"] = {"seconds": per_force * n, "per_force": per_force, "peak_mb": peak,
                        "measured_on": min(naive_sample, n)}
    if fresh:
        seconds, peak = measure(gapkit_run(data, root / f"fresh-{n}", "--fresh-kernels", "--workers", str(workers)))
        row["fresh"] = {"seconds": seconds, "peak_mb": peak}
    out = root / f"warm-{n}"
    seconds, peak = measure(gapkit_run(data, out, "--workers", str(workers)))
    row["warm"] = {"seconds": seconds, "peak_mb": peak}
    seconds, peak = measure(gapkit_run(data, out, "--workers", str(workers)))
    row["warm_rerun_nothing_changed"] = {"seconds": seconds, "peak_mb": peak}
    touch_one_force(data)
    seconds, peak = measure(gapkit_run(data, out, "--workers", str(workers)))
    row["warm_rerun_one_force_changed"] = {"seconds": seconds, "peak_mb": peak}
    for name in ("fresh-", "warm-", "naive-", "data-"):
        shutil.rmtree(root / f"{name}{n}", ignore_errors=True)
    return row


def bench_demo(workers: int, root: Path) -> dict:
    """README command 1: the shipped demo, both rounds, into an empty folder (after install)."""
    cmd = [sys.executable, "-m", "gapkit", "run", "--out", str(root / "demo"), "--workers", str(workers)]
    first = measure(cmd)
    again = measure(cmd)
    return {"demo_first_run": {"seconds": first[0], "peak_mb": first[1]},
            "demo_rerun_nothing_changed": {"seconds": again[0], "peak_mb": again[1]}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forces", type=int, nargs="+", default=[10, 43, 200])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--naive-sample", type=int, default=3, help="forces timed with the naive loop (0: skip)")
    parser.add_argument("--demo", action="store_true", help="time README command 1 (the demo) instead")
    parser.add_argument("--warm-only", action="store_true",
                        help="skip the naive loop and fresh kernels (for large N, where they take tens of minutes)")
    parser.add_argument("--no-fresh", type=int, nargs="*", default=[], metavar="N",
                        help="skip fresh kernels for these N (they take about 10 minutes at 200 forces); the naive "
                             "loop, timed on a sample, is still measured")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.demo:
            results.append(bench_demo(args.workers, Path(tmp)))
        else:
            for n in args.forces:
                results.append(bench(n, args.workers, 0 if args.warm_only else args.naive_sample, Path(tmp),
                                     fresh=not args.warm_only and n not in args.no_fresh))
                print_row(results[-1], args.workers)
            print_targets(results)
    if args.demo:
        for name, fig in results[0].items():
            print(f"{name:32s} {fig['seconds']:7.1f} s  peak {fig['peak_mb']:6.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


def print_row(row: dict, workers: int) -> None:
    n = row["forces"]
    print(f"\n{n} forces, round {ROUND}, {workers} workers, {os.cpu_count()} cores")
    for name, fig in row.items():
        if name == "forces":
            continue
        extra = f"  ({fig['per_force']:.1f} s a force on {fig['measured_on']}, scaled)" if name == "naive" else ""
        print(f"  {name:30s} {fig['seconds']:8.1f} s  peak {fig['peak_mb']:6.0f} MB{extra}")
    if "naive" in row:
        print(f"  warm is {row['naive']['seconds'] / row['warm']['seconds']:.1f}x faster than the naive loop"
              + (f", {row['fresh']['seconds'] / row['warm']['seconds']:.1f}x faster than fresh kernels"
                 if "fresh" in row else ""))


def print_targets(results: list[dict]) -> None:
    """The issue's targets beside what was measured in this run (those this run has the figures for)."""
    rows = {r["forces"]: r for r in results}
    checks = []
    if 43 in rows:
        r = rows[43]
        checks.append(("43 forces, first run", f"{r['warm']['seconds']:.1f} s", "at most 20 s",
                       r["warm"]["seconds"] <= 20))
        if "naive" in r:
            ratio = r["naive"]["seconds"] / r["warm"]["seconds"]
            checks.append(("43 forces, against the naive loop", f"{ratio:.1f}x faster", "at least 30x", ratio >= 30))
        if 200 in rows:
            ratio = rows[200]["warm"]["seconds"] / r["warm"]["seconds"]
            checks.append(("200 forces against 43", f"{ratio:.1f}x the time", "at most 5x", ratio <= 5))
    for n, r in sorted(rows.items()):
        checks.append((f"{n} forces, re-run with nothing changed", f"{r['warm_rerun_nothing_changed']['seconds']:.1f} s",
                       "at most 2 s", r["warm_rerun_nothing_changed"]["seconds"] <= 2))
        checks.append((f"{n} forces, re-run with one force changed",
                       f"{r['warm_rerun_one_force_changed']['seconds']:.1f} s", "at most 6 s",
                       r["warm_rerun_one_force_changed"]["seconds"] <= 6))
    if 200 in rows:
        peak = max(fig["peak_mb"] for name, fig in rows[200].items() if name.startswith("warm"))
        checks.append(("200 forces, peak memory of the process tree", f"{peak:.0f} MB", "at most 1,536 MB",
                       peak <= 1536))
    print("\nAgainst the targets (this machine, this run):")
    for what, measured, target, met in checks:
        print(f"  {what:46s} {measured:>16s}   target {target:18s} {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
