"""`gapkit run`: execute the force notebook for every force with papermill in a process pool, then the national
notebook, and collect summary.csv, scores.csv and run.json.

- One force failing never stops the others; the exit code and run.json say which failed and why.
- A force's outputs are written to a temporary folder and swapped in only when complete, so a failed run never
  leaves half-written reports over good ones.
- A force whose inputs, code, notebook and frameworks have not changed since its last good run is skipped."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing as mp
import os
import platform
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gapkit import __version__, paths
from gapkit.fileio import sha256, write_text

FINGERPRINT = ".fingerprint"
CELL_TIMEOUT = 600
START_TIMEOUT = 120


# ---- kernels ------------------------------------------------------------------------------------------------

def _kernel_manager_class():
    """A kernel manager on IPC sockets in a private folder: no TCP port races between parallel kernels."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self):
            return "ipc"

        @default("ip")
        def _default_ip(self):
            return os.path.join(tempfile.mkdtemp(prefix="gapkit-kernel-"), "k")

    return IPCKernelManager


def execute_notebook(template: Path, output: Path, parameters: dict, timeout: int = CELL_TIMEOUT) -> None:
    import papermill as pm

    declared = set(pm.inspect_notebook(str(template)))
    unknown = set(parameters) - declared
    if unknown:  # papermill only warns about these; a typo must not pass silently
        raise ValueError(f"{template.name} has no parameter(s) {', '.join(sorted(unknown))}")
    pm.execute_notebook(str(template), str(output), parameters=parameters, kernel_name="python3",
                        progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                        start_timeout=START_TIMEOUT, execution_timeout=timeout,
                        kernel_manager_class=_kernel_manager_class())


def export_html(notebook: Path, target: Path) -> Path:
    """HTML without code cells or prompts, and with no scripts fetched from the internet."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(str(notebook), as_version=4))
    return write_text(target, strip_remote_scripts(body))


def strip_remote_scripts(html_text: str) -> str:
    """Remove <script src="http..."> tags (MathJax, require.js): the reports need no network."""
    import re

    html_text = re.sub(r"<script[^>]*src=\"https?://[^\"]*\"[^>]*>\s*</script>", "", html_text)
    return re.sub(r"<script[^>]*>[^<]*MathJax[^<]*</script>", "", html_text, flags=re.S)


# ---- one force ----------------------------------------------------------------------------------------------

@dataclass
class Job:
    force: str
    round: str
    data_dir: str
    out_round: str
    fingerprint: str
    timeout: int = CELL_TIMEOUT


def run_force(job: Job) -> dict:
    """Run one force's notebook into a temporary folder, export HTML, then swap the folder into place."""
    started = time.monotonic()
    out_round = Path(job.out_round)
    final = out_round / job.force
    work = Path(tempfile.mkdtemp(prefix=f".work-{job.force}-", dir=out_round))
    try:
        executed = work / f"{job.force}.ipynb"
        _quiet_kernel_stderr(out_round / ".logs" / f"{job.force}.log")
        execute_notebook(paths.FORCE_NOTEBOOK, executed, {
            "force": job.force, "round_id": job.round, "data_dir": job.data_dir, "out_dir": str(work)},
            timeout=job.timeout)
        # the notebook wrote its CSVs into `work`; fix the paths it recorded to the final folder
        export_html(executed, work / f"{job.force}.html")
        issues = json.loads((work / "issues.json").read_text())
        errors = [i for i in issues if i["severity"] == "error"]
        (work / FINGERPRINT).write_text(job.fingerprint)
        _swap_in(work, final)
        status = "input errors" if errors else "ok"
        return {"force": job.force, "status": status, "seconds": round(time.monotonic() - started, 2),
                "errors": [_issue_text(i) for i in errors], "warnings": sum(i["severity"] == "warning" for i in issues)}
    except Exception as exc:  # a failing force is reported; the others go on
        return {"force": job.force, "status": "failed", "seconds": round(time.monotonic() - started, 2),
                "errors": [_exception_text(exc)], "warnings": 0}
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def _quiet_kernel_stderr(log: Path) -> None:
    """Send this worker's (and so its kernels') stderr to a log file: kernels print benign shutdown noise."""
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def _issue_text(issue: dict) -> str:
    text = f"{Path(issue['file']).name} > {issue['where']}: {issue['message']}"
    return f"{text}. Fix: {issue['fix']}" if issue.get("fix") else text


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


# ---- fingerprints -------------------------------------------------------------------------------------------

def _hash_files(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for f in sorted(files, key=str):
        digest.update(str(f.name).encode())
        digest.update(sha256(f).encode())
    return digest.hexdigest()


def code_fingerprint() -> str:
    """gapkit's code, the notebooks, the frameworks and the settings."""
    files = list((paths.PROJ_ROOT / "src" / "gapkit").glob("*.py")) + list(paths.NOTEBOOKS_DIR.glob("*.ipynb")) + \
        list(paths.FRAMEWORKS_DIR.glob("*.yaml")) + list(paths.CONFIG_DIR.glob("*.yaml")) + [paths.FORCES_CSV]
    return _hash_files([f for f in files if f.exists()])


def force_fingerprint(data_dir: Path, round_id: str, force: str, code: str) -> tuple[str, dict[str, str]]:
    from gapkit.dataset import force_inputs, input_hashes, load_round

    rounds = [round_id]
    previous = load_round(data_dir, round_id).previous
    if previous:
        rounds.append(previous)
    files = [paths.round_dir(data_dir, r) / "round.yaml" for r in rounds]
    files += [data_dir / "forces.csv"] if (data_dir / "forces.csv").exists() else []
    inputs = [f for r in rounds for f in force_inputs(data_dir, r, force)]
    hashes = input_hashes(files + inputs, data_dir)
    digest = hashlib.sha256(json.dumps({"code": code, "inputs": hashes}, sort_keys=True).encode()).hexdigest()
    return digest, input_hashes(force_inputs(data_dir, round_id, force), data_dir)


def is_current(final: Path, fingerprint: str) -> bool:
    marker = final / FINGERPRINT
    return marker.exists() and marker.read_text() == fingerprint and (final / "summary.csv").exists()


# ---- the run ------------------------------------------------------------------------------------------------

@dataclass
class RoundResult:
    round: str
    forces: list[dict] = field(default_factory=list)
    national: dict = field(default_factory=dict)

    @property
    def failed(self) -> list[dict]:
        return [f for f in self.forces if f["status"] != "ok"]


def _collect(out_round: Path, results: list[dict]) -> None:
    """Round-level CSVs from the forces' own CSVs; every force has a summary row naming its status."""
    from gapkit.safety import read_csv, safe_frame

    status = {r["force"]: r for r in results}
    summaries, scores, themes = [], [], []
    for force, result in sorted(status.items()):
        folder = out_round / force
        if result["status"] == "ok" and (folder / "summary.csv").exists():
            summaries.append(read_csv(folder / "summary.csv", dtype={"round": str}).assign(status="ok"))
            scores.append(read_csv(folder / "scores.csv", dtype={"round": str}))
            themes.append(read_csv(folder / "themes.csv", dtype={"round": str}))
        else:
            note = "; ".join(result.get("errors", []))[:500]
            summaries.append(pd.DataFrame([{"force": force, "round": out_round.name, "status": result["status"],
                                            "status_detail": note}]))
    summary = pd.concat(summaries, ignore_index=True)
    first = ["force", "force_name", "round", "framework", "score", "category", "rag", "status"]
    summary = summary[[c for c in first if c in summary] + [c for c in summary if c not in first]]
    _write_csv(safe_frame(summary), out_round / "summary.csv")
    for name, frames in (("scores", scores), ("themes", themes)):
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        _write_csv(safe_frame(frame), out_round / f"{name}.csv")


def _write_csv(frame: pd.DataFrame, target: Path) -> None:
    from gapkit.fileio import atomic_path

    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False)


def run(data_dir: Path | None = None, rounds: list[str] | None = None, forces: list[str] | None = None,
        workers: int = 2, out_dir: Path | None = None, timeout: int = CELL_TIMEOUT, rerun: bool = False,
        progress: bool = True, pack: bool = True) -> list[RoundResult]:
    from tqdm import tqdm

    from gapkit.dataset import list_forces, list_rounds, load_round
    from gapkit.errors import GapkitError
    from gapkit.forces import lookup, registry

    data_dir = Path(data_dir or paths.DEMO_DIR).resolve()
    out_dir = Path(out_dir or paths.REPORTS_DIR).resolve()
    rounds = rounds or list_rounds(data_dir)
    if not rounds:
        raise GapkitError.one(data_dir, "", "no rounds found (rounds/ROUND/round.yaml)", "see docs/dataset.md")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    code = code_fingerprint()
    known = registry(data_dir / "forces.csv")
    results = []
    for round_id in rounds:
        rcfg = load_round(data_dir, round_id)
        out_round = out_dir / round_id
        out_round.mkdir(parents=True, exist_ok=True)
        wanted = [lookup(f, known)["force_id"] for f in forces] if forces else list_forces(data_dir, round_id)
        jobs, skipped, hashes = [], [], {}
        for force in wanted:
            fingerprint, hashes[force] = force_fingerprint(data_dir, round_id, force, code)
            if not rerun and is_current(out_round / force, fingerprint):
                skipped.append({"force": force, "status": "ok", "seconds": 0.0, "skipped": True, "errors": [],
                                "warnings": 0})
            else:
                jobs.append(Job(force, round_id, str(data_dir), str(out_round), fingerprint, timeout))
        started = time.monotonic()
        done = list(skipped)
        if jobs:
            ctx = mp.get_context("spawn")  # zmq contexts are not fork-safe
            with ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs))), mp_context=ctx) as pool:
                futures = [pool.submit(run_force, job) for job in jobs]
                bar = tqdm(as_completed(futures), total=len(futures), desc=f"round {round_id}", unit="force",
                           disable=not progress)
                for future in bar:
                    done.append(future.result())
        previous_status = _previous_status(out_round)
        for result in done:  # a skipped force keeps the status of its last run
            if result.get("skipped") and result["force"] in previous_status:
                result["status"] = previous_status[result["force"]].get("status", "ok")
                result["errors"] = previous_status[result["force"]].get("errors", [])
        # keep forces run before but not in this selection
        selected = {r["force"] for r in done}
        done += [dict(r, skipped=True, not_selected=True) for f, r in previous_status.items()
                 if f not in selected and (out_round / f).exists()]
        _collect(out_round, done)
        national = run_national(data_dir, round_id, out_dir, any(not r.get("skipped") for r in done), timeout)
        result = RoundResult(round_id, sorted(done, key=lambda r: r["force"]), national)
        if pack:
            try:
                from gapkit.pack import build_pack
                result.national["pack"] = [str(p.relative_to(out_dir)) for p in build_pack(out_dir, round_id, data_dir)]
            except Exception as exc:  # the pack never stops the run; the note says why
                result.national["pack_error"] = _exception_text(exc)
        _write_run_json(out_round, result, rcfg, data_dir, hashes, code, workers, time.monotonic() - started)
        results.append(result)
    return results


def _previous_status(out_round: Path) -> dict[str, dict]:
    path = out_round / "run.json"
    if not path.exists():
        return {}
    try:
        return {f["force"]: f for f in json.loads(path.read_text())["forces"]}
    except (ValueError, KeyError):
        return {}


def run_national(data_dir: Path, round_id: str, out_dir: Path, changed: bool, timeout: int) -> dict:
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
        with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
            pool.submit(_national_job, executed, params, timeout, out_dir / round_id / ".logs" / "national.log").result()
        export_html(executed, work / "national_overview.html")
        (work / FINGERPRINT).write_text(summary_hash)
        _swap_in(work, folder)
        return {"status": "ok", "seconds": round(time.monotonic() - started, 2)}
    except Exception as exc:
        return {"status": "failed", "error": _exception_text(exc), "seconds": round(time.monotonic() - started, 2)}
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def _national_job(executed: Path, params: dict, timeout: int, log: Path) -> None:
    _quiet_kernel_stderr(log)
    execute_notebook(paths.NATIONAL_NOTEBOOK, executed, params, timeout=timeout)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"gapkit": __version__, "python": platform.python_version()}
    for name in ("pandas", "matplotlib", "openpyxl", "papermill", "nbconvert", "scikit-learn", "pandera", "pydantic"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _write_run_json(out_round: Path, result: RoundResult, rcfg, data_dir: Path, hashes: dict, code: str,
                    workers: int, seconds: float) -> None:
    from gapkit.frameworks import default_catalogue
    from gapkit.config import default_config

    catalogue = default_catalogue()
    doc = {
        "round": result.round, "title": rcfg.title, "as_of": str(rcfg.as_of), "synthetic": rcfg.synthetic,
        "marking": rcfg.marking, "finished": dt.datetime.now().isoformat(timespec="seconds"),
        "parameters": {"data_dir": str(data_dir), "round": result.round, "workers": workers},
        "frameworks": {f: catalogue.get(f).version for f in rcfg.frameworks},
        "crosswalk": catalogue.crosswalk.version, "scoring_settings": default_config().version,
        "code_fingerprint": code, "versions": _versions(), "wall_seconds": round(seconds, 2),
        "forces": result.forces, "national": result.national, "input_hashes": hashes,
        "failed": [f["force"] for f in result.failed],
    }
    write_text(out_round / "run.json", json.dumps(doc, indent=1, default=str))
