"""`gapkit run`: execute the force notebook for every force in a process pool, then the national notebook and the
board pack, and write the round model (gapkit.scoring.store) and run.json.

- One force failing never stops the others; the exit code and run.json say which failed and why.
- A force's outputs are written to a temporary folder and swapped in only when complete, so a failed run never
  leaves half-written reports over good ones.
- A force whose inputs, code, notebook and frameworks have not changed since its last good run is skipped.
- The notebook executor is a parameter (default: papermill on a Jupyter kernel), so the orchestration can be
  tested with an in-process stand-in."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from gapkit.catalogue.forces import lookup
from gapkit.core import paths
from gapkit.core.errors import GapkitError
from gapkit.core.fileio import sha256
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import list_forces, list_rounds
from gapkit.outputs.pack import build_pack
from gapkit.run.kernels import CELL_TIMEOUT, execute_notebook, export_html
from gapkit.run.provenance import code_fingerprint, force_fingerprint, previous_status, write_run_json
from gapkit.scoring.model import RoundModel, concat
from gapkit.scoring.store import has_model, read_model, write_model

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
    executor: Executor = execute_notebook


def run_force(job: Job) -> dict:
    """Run one force's notebook into a temporary folder, export HTML, then swap the folder into place."""
    started = time.monotonic()
    out_round = Path(job.out_round)
    final = out_round / job.force
    work = Path(tempfile.mkdtemp(prefix=f".work-{job.force}-", dir=out_round))
    try:
        executed = work / f"{job.force}.ipynb"
        job.executor(paths.FORCE_NOTEBOOK, executed, {
            "force": job.force, "round_id": job.round, "data_dir": job.data_dir, "out_dir": str(work)},
            job.timeout)
        export_html(executed, work / f"{job.force}.html")
        status = read_model(work).forces.iloc[0]
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


def _run_jobs(jobs: list[Job], workers: int, log_dir: Path, desc: str, progress: bool) -> list[dict]:
    """Each job in a spawned worker process (zmq contexts are not fork-safe); with one worker, in this process."""
    if workers <= 1 or len(jobs) <= 1:
        return [run_force(job) for job in tqdm(jobs, desc=desc, unit="force", disable=not progress)]
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=mp.get_context("spawn"),
                             initializer=_quiet_worker, initargs=(str(log_dir),)) as pool:
        futures = [pool.submit(run_force, job) for job in jobs]
        return [f.result() for f in tqdm(as_completed(futures), total=len(futures), desc=desc, unit="force",
                                         disable=not progress)]


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
    models = []
    for result in sorted(results, key=lambda r: r["force"]):
        folder = out_round / result["force"]
        if has_model(folder):
            model = read_model(folder)
            if result["status"] == "failed":  # an earlier good report stays, but this run's failure is shown
                model.forces["status"] = "failed"
                model.forces["status_detail"] = "; ".join(result.get("errors", []))[:500]
            models.append(model)
        else:
            models.append(_failed_model(out_round.name, result))
    write_model(concat(models), out_round)


def _failed_model(round_id: str, result: dict) -> RoundModel:
    """A status row for a force that has no report at all (its first run failed)."""
    forces = pd.DataFrame([{"force": result["force"], "force_name": result["force"], "region": "",
                            "round": round_id, "status": result["status"], "errors": len(result.get("errors", [])),
                            "warnings": 0, "status_detail": "; ".join(result.get("errors", []))[:500]}])
    return RoundModel.validated({"forces": forces})


def run(data_dir: Path | None = None, rounds: list[str] | None = None, forces: list[str] | None = None,
        workers: int = 2, out_dir: Path | None = None, timeout: int = CELL_TIMEOUT, rerun: bool = False,
        progress: bool = True, pack: bool = True, executor: Executor = execute_notebook) -> list[RoundResult]:
    data_dir = Path(data_dir or paths.DEMO_DIR).resolve()
    out_dir = Path(out_dir or paths.REPORTS_DIR).resolve()
    rounds = rounds or list_rounds(data_dir)
    if not rounds:
        raise GapkitError.one(data_dir, "", "no rounds found (rounds/ROUND/round.yaml)", "see docs/dataset.md")
    code = code_fingerprint()
    results = []
    for round_id in rounds:
        ctx = RoundContext.load(data_dir, round_id)
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
                jobs.append(Job(force, round_id, str(data_dir), str(out_round), fingerprint, timeout, executor))
        started = time.monotonic()
        done = skipped + _run_jobs(jobs, workers, out_round / ".logs", f"round {round_id}", progress)
        earlier = previous_status(out_round)
        for result in done:  # a skipped force keeps the status of its last run
            if result.get("skipped") and result["force"] in earlier:
                result["status"] = earlier[result["force"]].get("status", "ok")
                result["errors"] = earlier[result["force"]].get("errors", [])
        # keep forces run before but not in this selection
        selected = {r["force"] for r in done}
        done += [dict(r, skipped=True, not_selected=True) for f, r in earlier.items()
                 if f not in selected and (out_round / f).exists()]
        collect(out_round, done)
        national = run_national(data_dir, round_id, out_dir, any(not r.get("skipped") for r in done), timeout,
                                executor)
        result = RoundResult(round_id, sorted(done, key=lambda r: r["force"]), national)
        if pack:
            try:
                result.national["pack"] = [str(p.relative_to(out_dir)) for p in build_pack(out_dir, round_id, data_dir)]
            except Exception as exc:  # the pack never stops the run; the note says why
                result.national["pack_error"] = _exception_text(exc)
        write_run_json(out_round, ctx, result.forces, result.national, hashes, code, workers,
                       time.monotonic() - started)
        results.append(result)
    return results


def run_national(data_dir: Path, round_id: str, out_dir: Path, changed: bool, timeout: int,
                 executor: Executor = execute_notebook) -> dict:
    folder = out_dir / round_id / "national"
    summary_hash = sha256(out_dir / round_id / "summary.csv")
    marker = folder / FINGERPRINT
    if not changed and marker.exists() and marker.read_text() == summary_hash:
        return {"status": "ok", "skipped": True, "seconds": 0.0}
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=".work-national-", dir=out_dir / round_id))
    try:
        executed = work / "national_overview.ipynb"
        params = {"round_id": round_id, "data_dir": str(data_dir), "out_dir": str(out_dir),
                  "charts_dir": str(work / "charts")}
        executor(paths.NATIONAL_NOTEBOOK, executed, params, timeout)
        export_html(executed, work / "national_overview.html")
        (work / FINGERPRINT).write_text(summary_hash)
        _swap_in(work, folder)
        return {"status": "ok", "seconds": round(time.monotonic() - started, 2)}
    except Exception as exc:
        return {"status": "failed", "error": _exception_text(exc), "seconds": round(time.monotonic() - started, 2)}
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
