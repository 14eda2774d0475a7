"""Faults lose one force at most: a worker process that dies, a failed national overview or pack, two runs on one
output folder, a failure after a good run (disk full), a change of framework version between rounds, and the
temporary folders runs leave.

These test the runner's orchestration, so they run it on the smallest dataset that shows it (two fictional forces,
one of them the victim; round 2017, and 2019 where a previous round matters), and with no Jupyter kernels: the runner
computes and writes each force's model itself, in the pool worker (or, with workers=1, in this process), and a
stand-in executor writes the executed notebook it reads back (tests.helpers.notebook_only_executor). What the
notebooks' calls make is tested with the in-process stand-in in tests/run/test_runner.py and tests/outputs."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gapkit.cli import main
from gapkit.core.errors import GapkitError
from gapkit.run import runner
from gapkit.run.runner import FINGERPRINT, LOCK, Workers, collect, run, run_lock, tidy
from tests.helpers import notebook_only_executor
from tests.run import pool_jobs

FORCES = ["northmoor", "kestrel-vale"]  # the demo's first two fictional forces: a bystander and the victim
VICTIM = pool_jobs.VICTIM
assert VICTIM in FORCES
pytestmark = pytest.mark.xdist_group("faults")  # its module fixtures are built once, on one worker
# ---- helpers ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from gapkit.demo.generate import generate
    return generate(tmp_path_factory.mktemp("faults") / "data", n_forces=len(FORCES), seed=7, with_plans=False)


@pytest.fixture
def data(dataset, tmp_path):
    return Path(shutil.copytree(dataset, tmp_path / "data"))


@pytest.fixture(scope="module")
def good_run(dataset, tmp_path_factory):
    """One good in-process run of round 2017 (no pack), copied for each test that changes it."""
    out = tmp_path_factory.mktemp("good") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "code_fingerprint", lambda *a, **k: "pinned")
        results = go(dataset, out)
    assert not results[0].failed, results[0].forces
    return out


@pytest.fixture(autouse=True)
def pinned_code(monkeypatch):
    """src/ may change while the tests run; a changed code fingerprint would (rightly) rerun every force."""
    monkeypatch.setattr(runner, "code_fingerprint", lambda *a, **k: "pinned")


def go(data, out, executor=notebook_only_executor, workers=1, rounds=("2017",), **kwargs):
    kwargs.setdefault("pack", False)
    return run(data, rounds=list(rounds), out_dir=out, workers=workers, progress=False, executor=executor, **kwargs)


def by_force(result) -> dict[str, dict]:
    return {f["force"]: f for f in result.forces}


def round_csv(out, name, round_id="2017") -> pd.DataFrame:
    return pd.read_csv(out / round_id / name)


# ---- a worker that dies ------------------------------------------------------------------------------------------

def test_a_dead_worker_fails_only_its_force(dataset, good_run, tmp_path, monkeypatch):
    out = Path(shutil.copytree(good_run, tmp_path / "out"))
    scores_before = round_csv(out, "scores.csv")
    pools = []
    monkeypatch.setattr(runner, "Workers", lambda *a, **k: pools.append(Workers(*a, **k)) or pools[-1])
    result = go(dataset, out, pool_jobs.killed_victim, workers=2, rerun=True)[0]
    forces = by_force(result)
    assert forces[VICTIM]["status"] == "failed", forces
    assert forces[VICTIM]["errors"][0].startswith("WorkerDied: the worker process running it (pid ")
    assert "was killed (SIGKILL, perhaps for lack of memory)" in forces[VICTIM]["errors"][0]
    assert ".logs/worker-" in forces[VICTIM]["errors"][0]
    assert all(forces[f]["status"] == "ok" and not forces[f].get("skipped") for f in FORCES if f != VICTIM)
    assert result.national["status"] == "ok" and not result.national.get("skipped")
    # the victim's last good model stays in the round's tables, marked failed
    status = round_csv(out, "forces.csv").set_index("force")
    assert status.loc[VICTIM, "status"] == "failed" and "WorkerDied" in status.loc[VICTIM, "status_detail"]
    scores = round_csv(out, "scores.csv")
    assert len(scores[scores["force"] == VICTIM]) == len(scores_before[scores_before["force"] == VICTIM]) > 0
    assert json.loads((out / "2017" / "run.json").read_text())["failed"] == [VICTIM]
    assert (out / "2017" / VICTIM / f"{VICTIM}.html").exists()  # its report from the good run
    assert not (out / "2017" / VICTIM / FINGERPRINT).exists()  # ... which is no longer current
    # nothing temporary is left: work folders, the run's temporary folder (with any kernel folders), the lock
    assert not [p.name for p in (out / "2017").iterdir() if p.name.startswith((".work-", ".old-"))]
    assert pools and all(not p.tmp.exists() for p in pools) and not (out / LOCK).exists()
    # the next plain run runs the victim again (its last run failed) and skips the others
    again = by_force(go(dataset, out)[0])
    assert again[VICTIM]["status"] == "ok" and not again[VICTIM].get("skipped")
    assert all(again[f].get("skipped") and again[f]["status"] == "ok" for f in FORCES if f != VICTIM)
    assert (round_csv(out, "forces.csv")["status"] == "ok").all()


def test_the_pool_is_rebuilt_and_unfinished_jobs_run_again(tmp_path):
    """Eight jobs on two workers; two workers die: their jobs fail, saying how, and the other six finish."""
    pool = Workers(2, tmp_path / "logs")
    try:
        results = pool.map(pool_jobs.job, ["a", "b", VICTIM, "c", "d", "quitter", "e", "f"], "test", False)
    finally:
        pool.close()
    assert [r["status"] for r in results] == ["ok"] * 2 + ["failed"] + ["ok"] * 2 + ["failed"] + ["ok"] * 2
    assert [r["force"] for r in results if r["status"] == "ok"] == ["a", "b", "c", "d", "e", "f"]
    assert "was killed (SIGKILL" in results[2]["error"] and "exited (code 3)" in results[5]["error"]
    assert not pool.tmp.exists()


def test_a_pool_let_go_without_waiting_is_gone_when_the_run_closes(tmp_path):
    """stop(wait=False) lets the main process go on while the workers stop; close() waits for them before it
    removes the run's temporary folder, so no worker outlives the run."""
    pool = Workers(2, tmp_path / "logs")
    try:
        assert [r["status"] for r in pool.map(pool_jobs.slow_to_exit, ["a", "b", "c"], "test", False)] == ["ok"] * 3
        workers = list(pool.pool._processes.values())
        assert workers and all(w.is_alive() for w in workers)
        pool.stop(wait=False)
        assert pool.pool is None
    finally:
        pool.close()
    assert not any(w.is_alive() for w in workers)
    assert not pool.tmp.exists()


# ---- national overview and pack ----------------------------------------------------------------------------------

def test_a_failed_national_overview_or_pack_is_made_again_when_nothing_changed(good_run, dataset, tmp_path,
                                                                                monkeypatch):
    from gapkit.outputs import pack as pack_module

    out = Path(shutil.copytree(good_run, tmp_path / "out"))
    calls = []

    def pack(out_dir, round_id, data_dir=None, target=None, **kwargs):
        calls.append(round_id)
        if len(calls) == 1:
            raise RuntimeError("the pack's chart failed")
        written = Path(out_dir) / round_id / f"board-pack-{round_id}.xlsx"
        written.write_bytes(b"pack")
        return [written]

    monkeypatch.setattr(pack_module, "build_pack", pack)
    first = go(dataset, out, pool_jobs.national_fails, rerun=True, pack=True)[0]
    assert first.national["status"] == "failed" and "the heatmap could not be drawn" in first.national["error"]
    assert first.national["pack_error"] == "RuntimeError: the pack's chart failed"
    assert (out / "2017" / "national" / "national_overview.html").exists()  # the last good overview stays
    second = go(dataset, out, pack=True)[0]  # nothing changed: every force is skipped ...
    assert all(f.get("skipped") for f in second.forces)
    assert second.national["status"] == "ok" and not second.national.get("skipped")  # ... but these are redone
    assert second.national["pack"] == ["2017/board-pack-2017.xlsx"] and calls == ["2017", "2017"]
    third = go(dataset, out, pack=True)[0]
    assert third.national.get("skipped") and third.national.get("pack_skipped") and calls == ["2017", "2017"]


# ---- two runs on one output folder -------------------------------------------------------------------------------

def test_two_runs_on_one_output_folder_do_not_interleave(dataset, tmp_path):
    out = tmp_path / "out"
    with run_lock(out) as holder:
        with pytest.raises(GapkitError) as caught:
            go(dataset, out)
        message = str(caught.value)
        assert f"another gapkit run is writing to {out} (pid {os.getpid()}" in message
        assert f"started {holder['started']}" in message and "wait for it to finish" in message
        assert not (out / "2017").exists()  # the second run wrote nothing
        result = CliRunner().invoke(main, ["run", "--data", str(dataset), "--out", str(out), "--round", "2017"])
        assert result.exit_code == 2 and "another gapkit run is writing" in result.output
    assert not (out / LOCK).exists()


def test_a_stale_lock_from_a_dead_run_is_taken_over(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / LOCK).write_text(json.dumps({"pid": dead.pid, "host": "here", "started": "2019-09-27T10:00:00"}))
    with run_lock(out) as me:
        assert json.loads((out / LOCK).read_text()) == me and me["pid"] == os.getpid()
    assert not (out / LOCK).exists()


# ---- a failure after a good run ----------------------------------------------------------------------------------

def test_after_a_disk_full_run_a_plain_run_redoes_the_failed_forces(good_run, dataset, tmp_path):
    out = Path(shutil.copytree(good_run, tmp_path / "out"))
    good_scores = round_csv(out, "scores.csv")
    failed = go(dataset, out, pool_jobs.disk_full, rerun=True)[0]
    assert {f["status"] for f in failed.forces} == {"failed"}
    assert "No space left on device" in failed.forces[0]["errors"][0]
    # the round's tables keep every force's last good model, marked failed
    pd.testing.assert_frame_equal(round_csv(out, "scores.csv"), good_scores)
    assert (round_csv(out, "forces.csv")["status"] == "failed").all()
    again = go(dataset, out)[0]  # a plain run: nothing changed, but none is current
    assert all(f["status"] == "ok" and not f.get("skipped") for f in again.forces), again.forces
    assert (round_csv(out, "forces.csv")["status"] == "ok").all()
    assert json.loads((out / "2017" / "run.json").read_text())["failed"] == []


def test_a_skipped_force_never_inherits_a_stale_status(good_run, dataset, tmp_path):
    out = Path(shutil.copytree(good_run, tmp_path / "out"))
    doc = json.loads((out / "2017" / "run.json").read_text())
    for f in doc["forces"]:
        f["status"], f["errors"] = "failed", ["OSError: No space left on device"]
    (out / "2017" / "run.json").write_text(json.dumps(doc))
    result = go(dataset, out)[0]
    assert all(f.get("skipped") and f["status"] == "ok" and f["errors"] == [] for f in result.forces)
    folder = pd.read_csv(out / "2017" / VICTIM / "forces.csv").iloc[0]
    assert by_force(result)[VICTIM]["warnings"] == folder["warnings"]


def test_collect_keeps_the_last_good_model_of_a_force_that_failed(good_run, tmp_path, monkeypatch):
    out = Path(shutil.copytree(good_run, tmp_path / "out"))
    shutil.rmtree(out / "2017" / VICTIM)  # no model of its own any more
    before = round_csv(out, "scores.csv")
    results = [{"force": f, "status": "ok"} for f in FORCES if f != VICTIM]
    collect(out / "2017", results + [{"force": VICTIM, "status": "failed", "errors": ["RuntimeError: boom"]}])
    pd.testing.assert_frame_equal(round_csv(out, "scores.csv"), before)
    status = round_csv(out, "forces.csv").set_index("force")
    assert status.loc[VICTIM, "status"] == "failed" and status.loc[VICTIM, "status_detail"] == "RuntimeError: boom"
    # a failure while writing the round's tables leaves the good ones
    files = {p.name: p.read_bytes() for p in (out / "2017").glob("*.csv")}
    from gapkit.scoring import store

    def half_written(model, folder):
        (Path(folder) / "summary.csv").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "write_model", half_written)
    with pytest.raises(OSError):
        collect(out / "2017", results + [{"force": VICTIM, "status": "ok"}])
    assert {p.name: p.read_bytes() for p in (out / "2017").glob("*.csv")} == files
    assert not [p for p in (out / "2017").iterdir() if p.name.startswith(".work-")]


# ---- framework versions between rounds ---------------------------------------------------------------------------

def test_a_change_of_framework_version_between_rounds_is_recorded(good_run, dataset, tmp_path):
    out = Path(shutil.copytree(good_run, tmp_path / "out"))
    go(dataset, out, rounds=("2019",), forces=["northmoor"])
    first = json.loads((out / "2019" / "run.json").read_text())
    assert first["previous_round"]["round"] == "2017" and first["framework_changes"] == []
    assert first["previous_round"]["frameworks"] == json.loads((out / "2017" / "run.json").read_text())["frameworks"]
    fid = next(iter(first["frameworks"]))
    doc = json.loads((out / "2017" / "run.json").read_text())
    doc["frameworks"][fid] = "0.9-old"  # as if 2017 was run with an earlier version of the framework
    (out / "2017" / "run.json").write_text(json.dumps(doc))
    go(dataset, out, rounds=("2019",), forces=["northmoor"])
    changes = json.loads((out / "2019" / "run.json").read_text())["framework_changes"]
    assert changes == [{"framework": fid, "previous_version": "0.9-old", "version": first["frameworks"][fid],
                        "note": f"{fid}: framework changed from 0.9-old (round 2017) to {first['frameworks'][fid]}"}]
    (out / "2017" / "run.json").unlink()  # without it, the previous round's summary.csv says
    go(dataset, out, rounds=("2019",), forces=["northmoor"])
    again = json.loads((out / "2019" / "run.json").read_text())
    assert again["previous_round"]["source"] == "2017/summary.csv" and again["framework_changes"] == []


# ---- what stopped runs leave ------------------------------------------------------------------------------------

def test_leftovers_of_a_stopped_run_are_tidied(tmp_path):
    out_round = tmp_path / "2017"
    (out_round / ".work-northmoor-abc").mkdir(parents=True)
    (out_round / ".work-national-def" / "charts").mkdir(parents=True)
    (out_round / ".old-ashdown-weald-123").mkdir()  # set aside, and the swap never finished
    (out_round / ".old-ashdown-weald-123" / "report.html").write_text("the good report")
    (out_round / "northmoor").mkdir()
    (out_round / ".old-northmoor-456").mkdir()  # set aside, and the new one is in place
    tidy(out_round)
    assert sorted(p.name for p in out_round.iterdir()) == ["ashdown-weald", "northmoor"]
    assert (out_round / "ashdown-weald" / "report.html").read_text() == "the good report"
