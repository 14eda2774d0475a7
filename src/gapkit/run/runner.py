"""`gapkit run`: every force's model first, then every notebook, the national overview and the board pack, with
the round model (gapkit.scoring.store) and run.json.

- The pool's workers read and assess every force's inputs in parallel (the previous round read from its outputs);
  the models are built together, once for the round (gapkit.scoring.model.build_round_model). The round's model
  is written as it will be when every notebook succeeds; then the workers render each force's notebook from its
  model on their warm kernels (gapkit.run.kernels), the national overview among them, while this process makes
  the board pack. A notebook that fails changes its force's status: the round's model, the overview and the pack
  are then made again. One pool serves the whole run, so each worker starts its kernel once.
- One force failing never stops the others; the exit code and run.json say which failed and why. A worker process
  that dies (killed, out of memory) fails only the force it was running: the pool is rebuilt and the other jobs
  go on.
- A force's outputs are written to a temporary folder and swapped in only when complete, so a failed run never
  leaves half-written reports over good ones; the round's CSVs are replaced together, and a force that failed this
  time keeps its last good model in them, marked failed. Temporary folders are removed even after a worker died.
- A force whose inputs, code, notebook and frameworks have not changed since its last good run is skipped (its
  status is its own folder's); a force whose last run failed is run again. The national overview and the pack are
  redone when the round model changed or they failed last time.
- Two runs never write to one output folder at once (a lock file names the run that has it).
- The notebook executor is a parameter (default: papermill on a Jupyter kernel), so the orchestration can be
  tested with an in-process stand-in."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from gapkit.catalogue.forces import lookup
from gapkit.core import paths
from gapkit.core.errors import GapkitError
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import list_forces, list_rounds
from gapkit.run import CELL_TIMEOUT
from gapkit.run.provenance import (code_fingerprint, force_fingerprints, hash_files, previous_frameworks,
                                   previous_status, write_run_json)
from gapkit.scoring.files import FILES, has_model, model_files

# Jupyter, the scoring model (pandas, pandera), the readers and the pack are imported by the functions that do that
# work: a run with nothing to do needs none of them and finishes in about a second.

# beside a round's model written before its notebooks run, until they have (a run stopped meanwhile leaves it)
PROVISIONAL = ".round-model-provisional"
FINGERPRINT = ".fingerprint"
LOCK = ".gapkit-run.lock"
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
    model: object = None  # the force's model, computed with the round's (None: computed by the job)


def run_force(job: Job) -> dict:
    """Render a force's notebook from its model (computed here when the job does not bring it) into a temporary
    folder, export HTML, then swap the folder into place."""
    from gapkit.run.kernels import execute_warm, export_html, tidy_executed, warm_kernel  # noqa: PLC0415  (start-up time: see the note on imports)

    started = time.monotonic()
    out_round = Path(job.out_round)
    final = out_round / job.force
    work = Path(tempfile.mkdtemp(prefix=f".work-{job.force}-", dir=out_round))
    try:
        if job.executor is None:
            warm_kernel().start_soon()  # it warms up while this process imports what it needs and computes the model
        # imported after the kernel is started (start-up time, as above)
        from gapkit.scoring.compute import force_model  # noqa: PLC0415
        from gapkit.scoring.store import write_model  # noqa: PLC0415  (start-up time, as above)

        ctx = RoundContext.load(job.data_dir, job.round)
        model = job.model if job.model is not None else \
            force_model(ctx, job.force, out_round.parent, check=False)  # the round's model is checked once
        write_model(model, work)
        executed = work / f"{job.force}.ipynb"
        # run in the force's folder with paths relative to it, so the executed notebook opens and re-runs where
        # it ends up (the folder keeps its depth when it is swapped into place)
        with contextlib.chdir(work):
            (job.executor or execute_warm)(paths.FORCE_NOTEBOOK, executed, {
                "force": job.force, "round_id": job.round, "data_dir": os.path.relpath(job.data_dir, work),
                "out_dir": ".", "model_dir": ".", "svg": job.svg}, job.timeout)
        title = f"{model.forces.iloc[0]['force_name']}: {ctx.round.title}"
        tidy_executed(executed, title, paths.FORCE_NOTEBOOK.name)
        export_html(executed, work / f"{job.force}.html", title)
        (work / FINGERPRINT).write_text(job.fingerprint)
        _swap_in(work, final)
        return {"force": job.force, **_model_status(model), "seconds": round(time.monotonic() - started, 2)}
    except Exception as exc:  # a failing force is reported; the others go on
        forget_fingerprint(final)
        return {"force": job.force, "status": "failed", "seconds": round(time.monotonic() - started, 2),
                "errors": [_exception_text(exc)], "warnings": 0}
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


@dataclass
class AssessJob:
    force: str
    round: str
    data_dir: str
    out_dir: str  # the run's output folder (its caches of plan documents and their suggestions)
    code: str = ""  # the run's fingerprint of gapkit's code and data (the suggestions' cache key)


def assess_job(job: AssessJob):
    """Read and assess one force's inputs for one round (a pool job): its ForceAssessment, or if that fails, the
    force's failed result."""
    from gapkit.scoring.compute import assess_here  # noqa: PLC0415  (start-up time: see the note on imports)

    try:
        return assess_here(RoundContext.load(job.data_dir, job.round), [job.force], Path(job.out_dir),
                           job.code or None)[0]
    except Exception as exc:  # noqa: BLE001  (that force fails; the others go on)
        return {"force": job.force, "status": "failed", "seconds": 0.0, "warnings": 0,
                "errors": [f"round {job.round}: {_exception_text(exc)}"]}


def compute_models(ctx: RoundContext, forces: list[str], out_dir: Path, pool: Workers, progress: bool,
                   code: str = "") -> tuple[dict, dict]:
    """The forces' models for the round, made together before any notebook runs: each force's inputs read and
    assessed in parallel on the pool (the previous round's models read from its outputs, or assessed the same way
    where it has none), then every model built in one go (gapkit.scoring.model.build_round_model). Returns (force
    -> its model, force -> its failed result): a force whose model cannot be made fails alone. `code`: the run's
    fingerprint of gapkit's code and data, which keys the cache of suggestions from plan documents."""
    from gapkit.scoring.compute import previous_models  # noqa: PLC0415  (start-up time: see the note on imports)
    from gapkit.scoring.model import build_round_model  # noqa: PLC0415  (start-up time, as above)

    failures: dict[str, dict] = {}

    def assess(round_ctx: RoundContext, wanted: list[str], _out: Path | None) -> list:
        round_id = round_ctx.round.round
        done = pool.map(assess_job, [AssessJob(f, round_id, str(round_ctx.data_dir), str(out_dir), code)
                                     for f in wanted],
                        f"round {ctx.round.round}: reading inputs" + (f" (and round {round_id}'s)"
                                                                      if round_id != ctx.round.round else ""),
                        progress)
        for force, result in zip(wanted, done):
            if isinstance(result, dict):
                failures.setdefault(force, {**result, "force": force})
        return [a for a in done if not isinstance(a, dict)]

    assessed = assess(ctx, forces, out_dir)
    models: dict = {}
    try:
        previous = previous_models(ctx, [a.force for a in assessed], out_dir, check=False, assess=assess)
        assessed = [a for a in assessed if a.force not in failures]  # also those whose previous round failed
        together = build_round_model(ctx, assessed, previous, check=False)
        models = {force: together.force(force) for force in together.forces["force"]}
    except Exception:  # noqa: BLE001  (then built one by one below, so that the force it was about fails alone)
        models = {}
    for a in assessed:
        if a.force in models or a.force in failures:
            continue
        try:
            before = previous_models(ctx, [a.force], out_dir, check=False, assess=assess)
            models[a.force] = build_round_model(ctx, [a], before, check=False)
        except Exception as exc:  # noqa: BLE001  (that force fails; the others go on)
            failures[a.force] = {"force": a.force, "status": "failed", "seconds": 0.0, "warnings": 0,
                                 "errors": [_exception_text(exc)]}
    return models, failures


def _quiet_worker(log_dir: str, tmp_dir: str | None = None, warm: bool = False) -> None:
    """Pool worker start: its (and so its kernels') stderr goes to a log file, since kernels print benign shutdown
    noise; numeric libraries use one thread each, as the pool already uses the cores. Temporary files (the
    kernels' socket folders among them) go to the run's own temporary folder, which the run removes even when a
    worker was killed before it could tidy up. With `warm`, its warm kernel is started here, at once."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    if tmp_dir:
        os.environ["TMPDIR"] = tmp_dir
        tempfile.tempdir = tmp_dir
    log = Path(log_dir) / f"worker-{os.getpid()}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    if warm:  # the worker's kernel starts and warms up while the worker imports what computing a model needs
        from gapkit.run.kernels import warm_kernel  # noqa: PLC0415  (start-up time: see the note on imports)

        try:
            warm_kernel().start_soon()
        except Exception:  # noqa: BLE001  (the first job tries again and reports why it cannot, for its force)
            warm_kernel().retire()
        import gapkit.scoring.compute  # noqa: F401, PLC0415  (the first job's imports, done while the kernel starts)


# What every pool worker imports, once, in the server the workers are forked from (about 2 s of CPU a worker when
# each imported them itself: scikit-learn alone 0.7 s). None of them starts a thread or a zmq context on import.
WORKER_PRELOAD = ["gapkit.run.runner", "gapkit.run.kernels", "gapkit.scoring.compute", "gapkit.assess.evidence",
                  "sklearn.feature_extraction.text"]


def _worker_context():
    """Workers forked from a fork server that has imported what they need (POSIX), so that they start in a moment
    instead of each importing it again; a plain fork would copy this process's threads and zmq sockets, which are
    not fork-safe. Numeric libraries are told to use one thread each before the server imports them (the pool
    already uses the cores)."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(WORKER_PRELOAD)
    return context


def _tracked(fn: Callable, job, marker: str):
    """Run a job in a pool worker, leaving a note (this process's id) while it runs: if the worker dies, the note
    says which job it was running."""
    Path(marker).write_text(str(os.getpid()))
    try:
        return fn(job)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(marker)


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
    """The force's folder was made from these inputs and this code by a run that did not fail since."""
    marker = final / FINGERPRINT
    return marker.exists() and marker.read_text() == fingerprint and has_model(final)


def forget_fingerprint(final: Path) -> None:
    """After a failed run of a force, its last good reports stay but are no longer current: the next run runs it
    again (removing a file needs no disk space, unlike writing a note)."""
    with contextlib.suppress(OSError):
        (Path(final) / FINGERPRINT).unlink()


def folder_status(final: Path) -> dict:
    """A force's status as its own folder's model records it (read without pandas: this decides a quick run)."""
    try:
        with (Path(final) / FILES["forces"]).open(newline="", encoding="utf-8") as fh:
            row = next(csv.DictReader(fh))
        detail = row.get("status_detail") or ""
        return {"status": row.get("status") or "failed", "errors": [m for m in detail.split("; ") if m],
                "warnings": int(float(row.get("warnings") or 0))}
    except (OSError, StopIteration, ValueError, csv.Error) as exc:
        return {"status": "failed", "errors": [f"its folder's forces.csv cannot be read ({exc})"], "warnings": 0}


def tidy(out_round: Path) -> None:
    """Remove what a run that was stopped or a worker that was killed left behind in a round's folder: work
    folders, and a folder set aside while its replacement was swapped in (put back if the swap did not finish)."""
    if not out_round.is_dir():
        return
    for leftover in out_round.iterdir():
        if leftover.name.startswith(".work-"):
            shutil.rmtree(leftover, ignore_errors=True)
        elif leftover.name.startswith(".old-"):
            name = leftover.name[len(".old-"):].rsplit("-", 1)[0]
            final = out_round / name
            if not final.exists():
                os.replace(leftover, final)
            else:
                shutil.rmtree(leftover, ignore_errors=True)


INLINE_JOBS = 2  # at most this many jobs run in this process rather than on a pool (Workers.inline)
# Up to this many forces in the round, the national overview runs on the pool beside the notebooks and the pack is
# made meanwhile. Beyond, both come after the notebooks, on this process's kernel once the pool's workers are let go:
# at 200 forces the overview's kernel holds about 0.6 GB, and beside two workers, their kernels and the pack the
# run would peak at 1.7 GB instead of 1.2 GB.
BESIDE_AT_MOST = 100


class Workers:
    """Where jobs run: a pool of processes forked from a fork server, never from this process (zmq contexts are not
    fork-safe; _worker_context), each keeping its own warm kernel for the whole run; with one worker, this
    process.

    A worker that dies (killed, out of memory, a crash in a library) breaks a process pool: every job in it is
    lost. Then the job the dead worker was running fails with the reason, the pool is rebuilt and the jobs that had
    not finished are run again; the other workers, which the pool stopped, count as innocent. When the dead worker
    cannot be told apart, each job running at the time is run again, and fails if a worker dies under it twice."""

    def __init__(self, workers: int, log_dir: Path, warm: bool = False) -> None:
        self.workers, self.log_dir, self.pool, self.warm = workers, log_dir, None, warm
        self.stopping: list[threading.Thread] = []  # pools being shut down meanwhile, waited for at close()
        self.tmp = Path(tempfile.mkdtemp(prefix="gapkit-run-")) if workers > 1 else None

    def inline(self, jobs: int) -> bool:
        """Whether this many jobs run here, one after the other, rather than on the pool: with one worker, or when
        there are so few (a re-run after one change: that force and the national overview) that starting the pool's
        workers and their kernels would cost more than the jobs."""
        return self.workers <= 1 or (jobs <= INLINE_JOBS and self.pool is None)

    def map(self, fn: Callable, jobs: list, desc: str, progress: bool) -> list:
        if self.inline(len(jobs)):  # a job's failure is its result, so it cannot stop the one after it
            return [fn(job) for job in tqdm(jobs, desc=desc, unit="force", disable=not progress or not jobs)]
        results: dict[int, dict] = {}
        todo = list(range(len(jobs)))
        deaths: Counter = Counter()
        breaks = 0
        with tqdm(total=len(jobs), desc=desc, unit="force", disable=not progress or not jobs) as bar:
            while todo:
                running, codes = self._run(fn, jobs, todo, results, bar)
                if running is None:
                    break
                breaks += 1
                culprits = {i: pid for i, pid in running.items() if codes.get(pid) != -signal.SIGTERM}
                if not culprits:  # every running job's worker was stopped by the pool: the dead one was idle, or
                    deaths.update(running)  # it cannot be told apart; run them again, twice at most
                    culprits = {i: pid for i, pid in running.items() if deaths[i] >= 2}
                for i, pid in culprits.items():
                    results[i] = lost(jobs[i], self._death(pid, codes.get(pid)))
                    bar.update()
                todo = [i for i in todo if i not in results]
                if breaks > len(jobs) + 2:  # workers die before they start any job
                    for i in todo:
                        results[i] = lost(jobs[i], "the pool's worker processes keep dying before they start a job "
                                                   f"(see the worker logs in {self.log_dir})")
                    todo = []
        return [results[i] for i in range(len(jobs))]

    def _run(self, fn: Callable, jobs: list, todo: list[int], results: dict, bar) -> tuple[dict | None, dict]:
        """Submit the jobs; (None, {}) when all finished, else (job -> pid of the worker that was running it, pid ->
        exit code) after the pool broke."""
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_worker_context(),
                                            initializer=_quiet_worker,
                                            initargs=(str(self.log_dir), str(self.tmp / "tmp"), self.warm))
            (self.tmp / "tmp").mkdir(exist_ok=True)
        notes = Path(tempfile.mkdtemp(prefix="running-", dir=self.tmp))
        futures = {}
        try:
            for i in todo:  # a pool whose worker died while idle is broken already here
                futures[self.pool.submit(_tracked, fn, jobs[i], str(notes / str(i)))] = i
            for future in as_completed(futures):
                try:
                    results[futures[future]] = future.result()
                except BrokenProcessPool:
                    raise
                except Exception as exc:  # noqa: BLE001  (e.g. a result that cannot be sent back: that job fails)
                    results[futures[future]] = lost(jobs[futures[future]], _exception_text(exc))
                bar.update()
            return None, {}
        except BrokenProcessPool:
            processes = dict(getattr(self.pool, "_processes", None) or {})
            self.pool.shutdown(wait=True)  # the stopped workers are joined: their exit codes are known
            self.pool = None
            for future, i in futures.items():
                if i not in results and future.done() and not future.cancelled() and future.exception() is None:
                    results[i] = future.result()
                    bar.update()
            running = {}
            for i in todo:
                note = notes / str(i)
                if i not in results and note.exists():
                    with contextlib.suppress(OSError, ValueError):
                        running[i] = int(note.read_text())
            return running, {pid: p.exitcode for pid, p in processes.items()}
        finally:
            shutil.rmtree(notes, ignore_errors=True)

    def _death(self, pid: int, code: int | None) -> str:
        if code is None:
            how = "died"
        elif code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
            how = f"was killed ({name}{', perhaps for lack of memory' if -code == signal.SIGKILL else ''})"
        else:
            how = f"exited (code {code})"
        return (f"WorkerDied: the worker process running it (pid {pid}) {how}; the rest of the run went on. "
                f"Its log: {self.log_dir / f'worker-{pid}.log'}")

    def stop(self, wait: bool = True) -> None:
        """Shut the pool's workers down (with their kernels); a later map starts a new pool. Without `wait`, the
        workers stop while this process goes on, and close() waits for them (a pool shut down without waiting
        cannot be waited for later, so the waiting is done by a thread)."""
        if self.pool is not None:
            if wait:
                self.pool.shutdown(wait=True)
            else:
                stopping = threading.Thread(target=self.pool.shutdown, kwargs={"wait": True}, daemon=True)
                stopping.start()
                self.stopping.append(stopping)
            self.pool = None

    def close(self) -> None:
        self.stop()
        for stopping in self.stopping:
            stopping.join()
        self.stopping.clear()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def lost(job, reason: str) -> dict:
    """The result of a job whose worker died."""
    if isinstance(job, Job | AssessJob):
        return {"force": job.force, "status": "failed", "seconds": 0.0, "errors": [reason], "warnings": 0}
    return {"status": "failed", "error": reason, "seconds": 0.0}


# ---- one run at a time ------------------------------------------------------------------------------------------

@contextlib.contextmanager
def run_lock(out_dir: Path):
    """Hold OUT/.gapkit-run.lock for the whole run: a second run on the same output folder stops with a message
    naming this one. The lock is the operating system's (flock), so one left by a run that died is free again and
    is taken over; the file only says who holds it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise GapkitError.one(path, "", f"another gapkit run is writing to {out_dir} (pid {holder.get('pid', '?')}"
                                  f" on {holder.get('host', '?')}, started {holder.get('started', '?')})",
                                  "wait for it to finish (or stop it), then run again; two runs on one output "
                                  "folder would mix their reports") from None
        except OSError:  # no flock on this file system: the process named in the file decides
            holder = _holder(fd)
            if holder and holder.get("host") == socket.gethostname() and holder.get("pid") != os.getpid() \
                    and _alive(holder.get("pid")):
                os.close(fd)
                raise GapkitError.one(path, "", f"another gapkit run is writing to {out_dir} (pid {holder['pid']}, "
                                      f"started {holder.get('started', '?')})",
                                      "wait for it to finish (or stop it), then run again") from None
        with contextlib.suppress(OSError):  # the file locked is still the one at the path (not one just removed)
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                break
        os.close(fd)
    me = {"pid": os.getpid(), "host": socket.gethostname(),
          "started": dt.datetime.now().isoformat(timespec="seconds")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(me).encode(), 0)
    try:
        yield me
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _holder(fd: int) -> dict:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---- the round ----------------------------------------------------------------------------------------------

@dataclass
class RoundResult:
    round: str
    forces: list[dict] = field(default_factory=list)
    national: dict = field(default_factory=dict)

    @property
    def failed(self) -> list[dict]:
        return [f for f in self.forces if f["status"] != "ok"]


def collect(out_round: Path, results: list[dict], computed: dict | None = None, before=None,
            trust_unchanged: bool = True) -> None:
    """The round's model from the forces' own models: `computed` as this run's workers computed them, else read
    from their folders. A force that failed this time keeps its last good model (from its folder, or else from the
    round's model as it was), marked failed; one with none has a status row. The round's model is checked here,
    once; its CSVs are written aside and then replaced together, so a failure here leaves the good ones.
    `before`: the round's model as it was before this run (False: none; None: read it here); without
    `trust_unchanged` (a run stopped while the round's model was provisional), every force is read from its folder."""
    from gapkit.scoring.model import concat  # noqa: PLC0415  (start-up time: see the note on imports)
    from gapkit.scoring.store import read_model, write_model  # noqa: PLC0415  (start-up time, as above)

    if before is None:
        before = read_model(out_round, validate=False) if has_model(out_round) else False
    # a force skipped as unchanged keeps its rows of the round model as it was (one read of the round's files
    # instead of one per force); the rest are read from their own folders
    unchanged = set()
    if before is not False and trust_unchanged:
        status = dict(zip(before.forces["force"], before.forces["status"]))
        unchanged = {r["force"] for r in results if r.get("skipped") and r["status"] != "failed"
                     and status.get(r["force"]) == r["status"]}
    models = [before.forces_in(unchanged)] if unchanged else []
    for result in sorted(results, key=lambda r: r["force"]):
        if result["force"] in unchanged:
            continue
        folder = out_round / result["force"]
        model = (computed or {}).get(result["force"])
        if model is None:
            model = read_model(folder, validate=False) if has_model(folder) else None  # concat checks the round
        if model is None and result["status"] == "failed":
            if before is not False and result["force"] in set(before.forces["force"]):
                kept = before.force(result["force"])
                model = kept if not kept.overall.empty else None  # its scores from the last good run
        if model is None:
            models.append(_failed_model(out_round.name, result))
            continue
        if result["status"] == "failed":  # an earlier good report stays, but this run's failure is shown
            model.forces["status"] = "failed"
            model.forces["status_detail"] = "; ".join(result.get("errors", []))[:500]
        models.append(model)
    work = Path(tempfile.mkdtemp(prefix=".work-round-", dir=out_round))
    try:
        write_model(concat(models), work)
        for name in FILES.values():
            os.replace(work / name, out_round / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)


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
    with run_lock(out_dir):
        pool = Workers(workers, out_dir / ".logs", warm=executor is None)
        try:
            results = [_run_round(RoundContext.load(data_dir, round_id), out_dir, forces, pool, code, timeout, rerun,
                                  progress, pack, executor, svg, last=round_id == rounds[-1]) for round_id in rounds]
        finally:
            pool.close()
        made = any(not f.get("skipped") for r in results for f in r.forces) or \
            any(not r.national.get("skipped") or "pack" in r.national for r in results)
        if made or not (out_dir / paths.INDEX_PAGE).exists():  # a re-run that made nothing leaves it as it was
            from gapkit.outputs.index import write_index  # noqa: PLC0415  (start-up time: see the note on imports)

            try:
                write_index(out_dir)  # every round in the folder, not only this run's
            except Exception as exc:  # noqa: BLE001  (the index lists what was made; it never undoes a run)
                print(f"the index page {out_dir / paths.INDEX_PAGE} was not made again: {_exception_text(exc)}",
                      file=sys.stderr)
        return results


def _run_round(ctx: RoundContext, out_dir: Path, forces: list[str] | None, pool: Workers, code: str, timeout: int,
               rerun: bool, progress: bool, pack: bool, executor: Executor, svg: bool,
               last: bool = True) -> RoundResult:
    data_dir, round_id = ctx.data_dir, ctx.round.round
    out_round = out_dir / round_id
    out_round.mkdir(parents=True, exist_ok=True)
    tidy(out_round)  # what a stopped run left (this run holds the lock, so nothing else is writing here)
    provisional = out_round / PROVISIONAL
    trusted = not provisional.exists()  # else a run was stopped while the round's model was provisional
    wanted = [lookup(f, ctx.forces)["force_id"] for f in forces] if forces else list_forces(data_dir, round_id)
    jobs, skipped, hashes = [], [], {}
    for force, (fingerprint, hashes[force]) in force_fingerprints(ctx, wanted, code).items():
        if not rerun and is_current(out_round / force, fingerprint):  # its status is its own folder's
            skipped.append({"force": force, **folder_status(out_round / force), "seconds": 0.0, "skipped": True})
        else:
            jobs.append(Job(force, round_id, str(data_dir), str(out_round), fingerprint, timeout, executor, svg))
    started = time.monotonic()
    if jobs and executor is None and pool.inline(len(jobs) + 1):
        # the notebooks will run here (Workers.inline): this process's kernel warms up while the models are made
        from gapkit.run.kernels import warm_kernel  # noqa: PLC0415  (start-up time: see the note on imports)

        warm_kernel().start_soon()
    made, failures = compute_models(ctx, [job.force for job in jobs], out_dir, pool, progress, code) \
        if jobs else ({}, {})
    for job in jobs:
        job.model = made.get(job.force)
    rendering = [job for job in jobs if job.force not in failures]
    from gapkit.scoring.store import read_model  # noqa: PLC0415  (start-up time: see the note on imports)

    stored = has_model(out_round)
    # the round as it was (read only when something is to be made; None: there is one, not read)
    before = read_model(out_round, validate=False) if jobs and stored else (None if stored else False)
    # every force's model is known before any notebook runs: the round's model is written as it will be when
    # every notebook succeeds, and the national overview and the pack are made from it beside the forces'
    # notebooks; a notebook that fails changes its force's status, and then both are made again after them
    expected = [{"force": job.force, **_model_status(made[job.force]), "seconds": 0.0} for job in rendering]
    done = _round_results(out_round, skipped + expected + [failures[f] for f in failures])
    if jobs or not stored:
        collect(out_round, done, made, before, trusted)
        provisional.touch()  # until the notebooks have run: the round's model says what they will make
    if len(done) <= BESIDE_AT_MOST:  # the overview's memory grows with the round's forces, not those run now
        national, ran = _national_and_pack(ctx, out_dir, code, timeout, executor, svg, rerun, pack, pool, progress,
                                           rendering)
    else:
        national, ran = None, pool.map(run_job, rendering, f"round {round_id}", progress)
    made.clear()
    ran += [failures[job.force] for job in jobs if job.force in failures]
    for result in ran:
        if result["status"] == "failed":  # also when its worker died before it could say so
            forget_fingerprint(out_round / result["force"])
    tidy(out_round)
    done = _round_results(out_round, skipped + ran)
    if any(r["status"] == "failed" for r in ran if r["force"] not in failures):
        models = {job.force: job.model for job in rendering}
        collect(out_round, done, {r["force"]: models[r["force"]] for r in ran if r["status"] != "failed"}, before,
                trusted)
        national = None
    for job in jobs:
        job.model = None
    if national is None:
        if last and pool.pool is not None and executor is None:
            # the run's last national overview runs here, on a kernel of this process: the workers and their
            # kernels (about 0.5 GB each at 200 forces) are let go rather than kept for one notebook
            from gapkit.run.kernels import warm_kernel  # noqa: PLC0415  (start-up time: see the note on imports)

            warm_kernel().start_soon()
            pool.stop(wait=False)  # its workers stop their kernels while this process gets on with the overview
        national, _ = _national_and_pack(ctx, out_dir, code, timeout, executor, svg, rerun, pack, pool, progress, [])
    provisional.unlink(missing_ok=True)  # the round's model now says what the notebooks made
    if national["status"] != "ok":
        forget_fingerprint(out_round / "national")  # also when its worker died before it could say so
    tidy(out_round)
    result = RoundResult(round_id, sorted(done, key=lambda r: r["force"]), national)
    write_run_json(out_round, ctx, result.forces, result.national, hashes, code, pool.workers,
                   time.monotonic() - started, previous=previous_frameworks(out_dir, ctx.round.previous))
    return result


def _model_status(model) -> dict:
    """A force's status as its model gives it (what its notebook run reports when it succeeds)."""
    row = model.forces.iloc[0]
    return {"status": row["status"], "errors": [m for m in row["status_detail"].split("; ") if m],
            "warnings": int(row["warnings"])}


def _round_results(out_round: Path, results: list[dict]) -> list[dict]:
    """This run's forces, and those run before but not in this selection (their folder's status, or their last
    run's failure)."""
    done = list(results)
    earlier = previous_status(out_round)
    selected = {r["force"] for r in done}
    for f, r in earlier.items():
        folder = out_round / f
        if f not in selected and folder.exists():
            status = folder_status(folder) if (folder / FINGERPRINT).exists() and has_model(folder) else \
                {"status": "failed", "errors": r.get("errors") or ["its last run failed"], "warnings": 0}
            done.append({"force": f, **status, "seconds": 0.0, "skipped": True, "not_selected": True})
    return done


def _national_and_pack(ctx: RoundContext, out_dir: Path, code: str, timeout: int, executor: Executor | None,
                       svg: bool, rerun: bool, pack: bool, pool: Workers, progress: bool,
                       forces: list[Job]) -> tuple[dict, list[dict]]:
    """The national overview and the board pack from the round's model on disk, made while the forces' notebooks
    run: the overview is the pool's first job (the longest, so it is not left to the end), the pack is made in
    this process meanwhile. Returns the overview's result (with the pack's) and the forces' results."""
    round_id = ctx.round.round
    out_round = out_dir / round_id
    model_print = hash_files(model_files(out_round)) + code
    job = NationalJob(str(ctx.data_dir), round_id, str(out_dir), model_print, timeout, executor, svg)
    national_due = rerun or not national_is_current(job)
    if not forces:
        _step(progress, f"round {round_id}: national overview" + (" and board pack" if pack else ""))
    jobs = ([job] if national_due else []) + forces
    desc = f"round {round_id}" + (" (and the national overview)" if national_due and forces else "")
    with ThreadPoolExecutor(1) as beside:
        made = beside.submit(make_pack, ctx, out_dir, model_print, rerun) if pack and pool.workers > 1 else None
        results = pool.map(run_job, jobs, desc, progress and bool(forces)) if jobs else []
        national = results.pop(0) if national_due else {"status": "ok", "skipped": True, "seconds": 0.0}
        if pack:
            national.update(made.result() if made is not None else make_pack(ctx, out_dir, model_print, rerun))
    return national, results


def run_job(job: Job | NationalJob) -> dict:
    """A pool job: a force's notebook or the national overview."""
    return run_national(job) if isinstance(job, NationalJob) else run_force(job)


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
    except Exception as exc:  # the pack never stops the run; the note says why, and the next run makes it again
        with contextlib.suppress(OSError):
            marker.unlink()
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
        forget_fingerprint(folder)  # the last good overview stays, and is made again next time
        return {"status": "failed", "error": _exception_text(exc), "seconds": round(time.monotonic() - started, 2)}
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
