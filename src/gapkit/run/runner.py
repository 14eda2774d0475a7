"""`gapkit run`: for every force, compute its model and render its notebook in a process pool, then the national
notebook and the board pack, and write the round model (gapkit.scoring.store) and run.json.

- Each worker process computes a force's model (read, assess, score; the previous round read from its outputs) and
  then renders the force notebook from it on the worker's warm kernel (gapkit.run.kernels); one pool serves the
  whole run, so each worker starts its kernel once.

- One force failing never stops the others; the exit code and run.json say which failed and why.
- A force's outputs are written to a temporary folder and swapped in only when complete, so a failed run never
  leaves half-written reports over good ones.
- A force whose inputs, code, notebook and frameworks have not changed since its last good run is skipped; the
  national overview and the pack are redone only when the round model changed (or they failed last time).
- The notebook executor is a parameter (default: papermill on a Jupyter kernel), so the orchestration can be
  tested with an in-process stand-in."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from gapkit.catalogue.forces import lookup
from gapkit.core import paths
from gapkit.core.errors import GapkitError
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import list_forces, list_rounds
from gapkit.run import CELL_TIMEOUT
from gapkit.run.provenance import code_fingerprint, force_fingerprint, hash_files, previous_status, write_run_json
from gapkit.scoring.files import has_model, model_files

# Jupyter, the scoring model (pandas, pandera), the readers and the pack are imported by the functions that do that
# work: a run with nothing to do needs none of them and finishes in about a second.

FINGERPRINT = ".fingerprint"
Executor = Callable[[Path, Path, dict, int], None]  # (notebook, executed notebook, parameters, cell timeout)


# ---- one force ----------------------------------------------------------------------------------------------

@dataclass
class Job:
    force: str
    round: str
    data_dir: str
    out_round: str
    fingerprint: str
    timeout: int = CELL_TIMEOUT
    executor: Executor | None = None  # default: this worker's warm kernel
    svg: bool = False


def run_force(job: Job) -> dict:
    """Compute one force's model, render its notebook from it into a temporary folder, export HTML, then swap the
    folder into place."""
    from gapkit.run.kernels import execute_warm, export_html, tidy_executed  # noqa: PLC0415  (start-up time: see the note on imports)
    from gapkit.scoring.compute import force_model  # noqa: PLC0415  (start-up time, as above)
    from gapkit.scoring.store import read_model, write_model  # noqa: PLC0415  (start-up time, as above)

    started = time.monotonic()
    out_round = Path(job.out_round)
    final = out_round / job.force
    work = Path(tempfile.mkdtemp(prefix=f".work-{job.force}-", dir=out_round))
    try:
        ctx = RoundContext.load(job.data_dir, job.round)
        write_model(force_model(ctx, job.force, out_round.parent), work)
        executed = work / f"{job.force}.ipynb"
        # run in the force's folder with paths relative to it, so the executed notebook opens and re-runs where
        # it ends up (the folder keeps its depth when it is swapped into place)
        with contextlib.chdir(work):
            (job.executor or execute_warm)(paths.FORCE_NOTEBOOK, executed, {
                "force": job.force, "round_id": job.round, "data_dir": os.path.relpath(job.data_dir, work),
                "out_dir": ".", "model_dir": ".", "svg": job.svg}, job.timeout)
        status = read_model(work).forces.iloc[0]
        title = f"{status['force_name']}: {ctx.round.title}"
        tidy_executed(executed, title, paths.FORCE_NOTEBOOK.name)
        export_html(executed, work / f"{job.force}.html", title)
        (work / FINGERPRINT).write_text(job.fingerprint)
        _swap_in(work, final)
        return {"force": job.force, "status": status["status"], "seconds": round(time.monotonic() - started, 2),
                "errors": [m for m in status["status_detail"].split("; ") if m], "warnings": int(status["warnings"])}
    except Exception as exc:  # a failing force is reported; the others go on
        return {"force": job.force, "status": "failed", "seconds": round(time.monotonic() - started, 2),
                "errors": [_exception_text(exc)], "warnings": 0}
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def _quiet_worker(log_dir: str) -> None:
    """Pool worker start: its (and so its kernels') stderr goes to a log file, since kernels print benign shutdown
    noise; numeric libraries use one thread each, as the pool already uses the cores."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    log = Path(log_dir) / f"worker-{os.getpid()}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def _exception_text(exc: Exception) -> str:
    evalue = getattr(exc, "evalue", None)
    ename = getattr(exc, "ename", None)
    if ename:
        return f"{ename}: {evalue}".strip()
    return f"{type(exc).__name__}: {exc}"


def _swap_in(work: Path, final: Path) -> None:
    """Replace `final` by `work` so that at every moment one complete version exists."""
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.chmod(work, 0o755)  # mkdtemp makes folders private; reports are meant to be shared
    os.replace(work, final)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def is_current(final: Path, fingerprint: str) -> bool:
    marker = final / FINGERPRINT
    return marker.exists() and marker.read_text() == fingerprint and has_model(final)


class Workers:
    """Where jobs run: a pool of spawned processes (zmq contexts are not fork-safe), each keeping its own warm
    kernel for the whole run; with one worker, this process."""

    def __init__(self, workers: int, log_dir: Path) -> None:
        self.workers, self.log_dir, self.pool = workers, log_dir, None

    def map(self, fn: Callable, jobs: list, desc: str, progress: bool) -> list:
        if self.workers <= 1:
            return [fn(job) for job in tqdm(jobs, desc=desc, unit="force", disable=not progress or not jobs)]
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                            initializer=_quiet_worker, initargs=(str(self.log_dir),))
        futures = [self.pool.submit(fn, job) for job in jobs]
        return [f.result() for f in tqdm(as_completed(futures), total=len(futures), desc=desc, unit="force",
                                         disable=not progress or not jobs)]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


# ---- the round ----------------------------------------------------------------------------------------------

@dataclass
class RoundResult:
    round: str
    forces: list[dict] = field(default_factory=list)
    national: dict = field(default_factory=dict)

    @property
    def failed(self) -> list[dict]:
        return [f for f in self.forces if f["status"] != "ok"]


def collect(out_round: Path, results: list[dict]) -> None:
    """The round's model from the forces' own models; a force whose notebook failed keeps its status row."""
    from gapkit.scoring.model import concat  # noqa: PLC0415  (start-up time: see the note on imports)
    from gapkit.scoring.store import read_model, write_model  # noqa: PLC0415  (start-up time, as above)

    models = []
    for result in sorted(results, key=lambda r: r["force"]):
        folder = out_round / result["force"]
        if has_model(folder):
            model = read_model(folder, validate=False)  # concat checks the whole round's tables once
            if result["status"] == "failed":  # an earlier good report stays, but this run's failure is shown
                model.forces["status"] = "failed"
                model.forces["status_detail"] = "; ".join(result.get("errors", []))[:500]
            models.append(model)
        else:
            models.append(_failed_model(out_round.name, result))
    write_model(concat(models), out_round)


def _failed_model(round_id: str, result: dict):
    """A status row for a force that has no report at all (its first run failed)."""
    import pandas as pd  # noqa: PLC0415  (start-up time: see the note on imports)

    from gapkit.scoring.model import RoundModel  # noqa: PLC0415  (start-up time, as above)

    forces = pd.DataFrame([{"force": result["force"], "force_name": result["force"], "region": "",
                            "round": round_id, "status": result["status"], "errors": len(result.get("errors", [])),
                            "warnings": 0, "status_detail": "; ".join(result.get("errors", []))[:500]}])
    return RoundModel.validated({"forces": forces})


def run(data_dir: Path | None = None, rounds: list[str] | None = None, forces: list[str] | None = None,
        workers: int = 2, out_dir: Path | None = None, timeout: int = CELL_TIMEOUT, rerun: bool = False,
        progress: bool = True, pack: bool = True, executor: Executor | None = None,
        fresh_kernels: bool = False, svg: bool = False) -> list[RoundResult]:
    """Run every round (oldest first, so each round's previous one is already there).

    `executor` runs one notebook (default: a warm kernel per worker; `fresh_kernels` for a new kernel each time);
    `svg` writes every chart as SVG beside its PNG."""
    data_dir = Path(data_dir or paths.DEMO_DIR).resolve()
    out_dir = Path(out_dir or paths.REPORTS_DIR).resolve()
    if executor is None and fresh_kernels:
        from gapkit.run.kernels import execute_fresh  # noqa: PLC0415  (start-up time: see the note on imports)
        executor = execute_fresh
    rounds = rounds or list_rounds(data_dir)
    if not rounds:
        raise GapkitError.one(data_dir, "", "no rounds found (rounds/ROUND/round.yaml)", "see docs/dataset.md")
    code = code_fingerprint()
    pool = Workers(workers, out_dir / ".logs")
    try:
        return [_run_round(RoundContext.load(data_dir, round_id), out_dir, forces, pool, code, timeout, rerun,
                           progress, pack, executor, svg) for round_id in rounds]
    finally:
        pool.close()


def _run_round(ctx: RoundContext, out_dir: Path, forces: list[str] | None, pool: Workers, code: str, timeout: int,
               rerun: bool, progress: bool, pack: bool, executor: Executor, svg: bool) -> RoundResult:
    data_dir, round_id = ctx.data_dir, ctx.round.round
    out_round = out_dir / round_id
    out_round.mkdir(parents=True, exist_ok=True)
    wanted = [lookup(f, ctx.forces)["force_id"] for f in forces] if forces else list_forces(data_dir, round_id)
    jobs, skipped, hashes = [], [], {}
    for force in wanted:
        fingerprint, hashes[force] = force_fingerprint(ctx, force, code)
        if not rerun and is_current(out_round / force, fingerprint):
            skipped.append({"force": force, "status": "ok", "seconds": 0.0, "skipped": True, "errors": [],
                            "warnings": 0})
        else:
            jobs.append(Job(force, round_id, str(data_dir), str(out_round), fingerprint, timeout, executor, svg))
    started = time.monotonic()
    done = skipped + pool.map(run_force, jobs, f"round {round_id}", progress)
    earlier = previous_status(out_round)
    for result in done:  # a skipped force keeps the status of its last run
        if result.get("skipped") and result["force"] in earlier:
            result["status"] = earlier[result["force"]].get("status", "ok")
            result["errors"] = earlier[result["force"]].get("errors", [])
    # keep forces run before but not in this selection
    selected = {r["force"] for r in done}
    done += [dict(r, skipped=True, not_selected=True) for f, r in earlier.items()
             if f not in selected and (out_round / f).exists()]
    if jobs or not has_model(out_round):
        collect(out_round, done)
    model_print = hash_files(model_files(out_round)) + code
    job = NationalJob(str(data_dir), round_id, str(out_dir), model_print, timeout, executor, svg)
    _step(progress, f"round {round_id}: national overview")
    national = {"status": "ok", "skipped": True, "seconds": 0.0} if not rerun and national_is_current(job) else \
        pool.map(run_national, [job], "national overview", False)[0]
    result = RoundResult(round_id, sorted(done, key=lambda r: r["force"]), national)
    if pack:
        _step(progress, f"round {round_id}: board pack")
        result.national.update(make_pack(ctx, out_dir, model_print, rerun))
    write_run_json(out_round, ctx, result.forces, result.national, hashes, code, pool.workers,
                   time.monotonic() - started)
    return result


def _step(progress: bool, text: str) -> None:
    """A line saying what the run is doing (the steps after the forces take a few seconds each)."""
    if progress:
        tqdm.write(text, file=sys.stderr)


PACK_FINGERPRINT = ".pack-fingerprint"


def make_pack(ctx: RoundContext, out_dir: Path, model_print: str, rerun: bool = False) -> dict:
    """The board pack, unless the round model is unchanged since the last good one; never stops the run."""
    marker = out_dir / ctx.round.round / PACK_FINGERPRINT
    if not rerun and marker.exists() and marker.read_text() == model_print:
        return {"pack_skipped": True}
    from gapkit.outputs.pack import build_pack  # noqa: PLC0415  (start-up time: see the note on imports)

    try:
        written = build_pack(out_dir, ctx.round.round, ctx.data_dir)
    except Exception as exc:  # the pack never stops the run; the note says why
        return {"pack_error": _exception_text(exc)}
    marker.write_text(model_print)
    return {"pack": [str(p.relative_to(out_dir)) for p in written]}


@dataclass
class NationalJob:
    data_dir: str
    round: str
    out_dir: str
    fingerprint: str  # of the round model and the code
    timeout: int = CELL_TIMEOUT
    executor: Executor | None = None  # default: this worker's warm kernel
    svg: bool = False


def national_is_current(job: NationalJob) -> bool:
    """The national overview was made from this round model and this code, and finished."""
    marker = Path(job.out_dir) / job.round / "national" / FINGERPRINT
    return marker.exists() and marker.read_text() == job.fingerprint


def run_national(job: NationalJob) -> dict:
    """Run the national notebook on the round model into a temporary folder, export HTML, swap it into place."""
    from gapkit.run.kernels import execute_warm, export_html, tidy_executed  # noqa: PLC0415  (start-up time: see the note on imports)

    out_dir = Path(job.out_dir)
    folder = out_dir / job.round / "national"
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=".work-national-", dir=out_dir / job.round))
    try:
        executed = work / "national_overview.ipynb"
        params = {"round_id": job.round, "data_dir": os.path.relpath(job.data_dir, work),
                  "out_dir": os.path.relpath(out_dir, work), "charts_dir": "charts", "svg": job.svg}
        with contextlib.chdir(work):  # relative paths, as for a force
            (job.executor or execute_warm)(paths.NATIONAL_NOTEBOOK, executed, params, job.timeout)
        title = f"National overview: {RoundContext.load(job.data_dir, job.round).round.title}"
        tidy_executed(executed, title, paths.NATIONAL_NOTEBOOK.name)
        export_html(executed, work / "national_overview.html", title)
        (work / FINGERPRINT).write_text(job.fingerprint)
        _swap_in(work, folder)
        return {"status": "ok", "seconds": round(time.monotonic() - started, 2)}
    except Exception as exc:
        return {"status": "failed", "error": _exception_text(exc), "seconds": round(time.monotonic() - started, 2)}
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
