"""The runner's orchestration, without kernels: `run(..., executor=in_process_executor, workers=1)` runs every job
in this process with the stand-in executor (tests/helpers.py), which calls what the notebooks call. What only a
real run shows (kernels, the executed notebooks' outputs) is in tests/e2e/test_run.py."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gapkit.cli import main
from gapkit.inputs.layout import load_round
from gapkit.outputs.index import INDEX
from gapkit.run import runner
from gapkit.run.runner import Job, run, run_force
from tests.helpers import (PINNED_CODE, TINY_FORCES, TINY_ROUNDS, assert_every_force_has_its_reports,
                           in_process_executor, notebook_only_executor, requirement_count)


@pytest.fixture
def pinned_code(monkeypatch):
    """Pin the code fingerprint, as the standin_run fixture does (see tests.helpers.PINNED_CODE)."""
    monkeypatch.setattr(runner, "code_fingerprint", lambda *args, **kwargs: PINNED_CODE)


@pytest.fixture
def data(tiny_data, tmp_path):
    """A copy of the tiny dataset that a test may change."""
    return Path(shutil.copytree(tiny_data, tmp_path / "data"))


def stand_in_run(data, out, executor=in_process_executor, **kwargs):
    return run(data, out_dir=out, workers=1, progress=False, executor=executor, **kwargs)


def _ran(results) -> dict[str, bool]:
    return {f["force"]: not f.get("skipped") for r in results for f in r.forces}


def test_every_force_gets_its_reports(standin_run, tiny_data, catalogue):
    out, results = standin_run
    assert_every_force_has_its_reports(out, results)
    for result in results:
        frameworks = load_round(tiny_data, result.round, catalogue).frameworks
        scores = pd.read_csv(out / result.round / "scores.csv")
        assert len(scores) == len(TINY_FORCES) * requirement_count(catalogue, frameworks)
        doc = json.loads((out / result.round / "run.json").read_text())
        assert doc["failed"] == [] and doc["frameworks"] == {f: catalogue.get(f).version for f in frameworks}


def test_rerun_with_nothing_changed_skips_every_force(standin_run, data, tmp_path, pinned_code):
    """The stand-in run of both rounds, copied with its dataset to another place, and run again."""
    out = Path(shutil.copytree(standin_run[0], tmp_path / "out"))
    html = {p: p.stat().st_mtime_ns for p in out.rglob("*.html")}
    assert len(html) == len(TINY_ROUNDS) * (len(TINY_FORCES) + 1) + 1 and out / INDEX in html
    results = stand_in_run(data, out, pack=False)
    assert [r.round for r in results] == TINY_ROUNDS
    assert all(f.get("skipped") and f["status"] == "ok" for r in results for f in r.forces)
    assert all(sorted(f["force"] for f in r.forces) == sorted(TINY_FORCES) for r in results)
    assert all(r.national.get("skipped") for r in results)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.html")} == html  # nothing was made again


def test_changed_input_reruns_only_that_force(data, tmp_path, pinned_code):
    """Which forces run is the runner's decision, made before any notebook: the notebooks are stood in for by
    executed notebooks alone (tests.helpers.notebook_only_executor)."""
    out = tmp_path / "out"
    first = stand_in_run(data, out, notebook_only_executor, rounds=["2017"], forces=["northmoor", "ashdown-weald"],
                         pack=False)
    assert _ran(first) == {"northmoor": True, "ashdown-weald": True}
    plan = next((data / "rounds" / "2017" / "plans" / "ashdown-weald").iterdir())
    plan.write_bytes(plan.read_bytes())  # same bytes: not a change
    (data / "rounds" / "2017" / "plans" / "ashdown-weald" / "extra.md").write_text("We will review the CCU next year.\n")
    results = stand_in_run(data, out, notebook_only_executor, rounds=["2017"],
                           forces=["northmoor", "ashdown-weald"], pack=False)
    assert _ran(results) == {"northmoor": False, "ashdown-weald": True}
    assert not results[0].national.get("skipped")  # a force changed: the national overview is made again
    inputs = json.loads((out / "2017" / "run.json").read_text())["input_hashes"]["ashdown-weald"]
    assert any(k.endswith("plans/ashdown-weald/extra.md") for k in inputs)


def test_inputs_are_never_modified(standin_build, tiny_data, tmp_path):
    """The stand-in run of both rounds (standin_build) read the tiny dataset in place: every file is as it was before
    the run, also after a board pack is made from the run. northmoor has a template, plan documents and a review;
    kestrel-vale its own tracker: every kind of input."""
    from gapkit.outputs.pack import build_pack

    before = standin_build.inputs
    assert "rounds/2017/reviews/northmoor.xlsx" in before and "rounds/2017/submissions/kestrel-vale.xlsx" in before
    assert any(name.startswith("rounds/2017/plans/northmoor/") for name in before)
    build_pack(standin_build.out, "2017", tiny_data, target=tmp_path / "pack.xlsx", pdf=False)
    after = {p.relative_to(tiny_data).as_posix(): p.read_bytes() for p in tiny_data.rglob("*") if p.is_file()}
    assert before == after


def test_a_broken_workbook_is_reported_while_the_rest_finish(data, tmp_path, monkeypatch):
    (data / "rounds" / "2017" / "submissions" / "kestrel-vale.xlsx").write_bytes(b"not a workbook at all")
    real_run = runner.run

    def run_in_process(*args, **kwargs):  # `gapkit run` as typed, with the stand-in executor
        return real_run(*args, **{**kwargs, "executor": in_process_executor})

    monkeypatch.setattr(runner, "run", run_in_process)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "--data", str(data), "--round", "2017", "--out", str(out), "--no-pack",
                                       "--workers", "1", "--forces", "kestrel-vale,northmoor"])
    assert result.exit_code == 1, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.startswith("  ") and line.strip()}
    assert "input errors" in lines["kestrel-vale"] and " ok " in lines["northmoor"]
    assert "is not an Excel workbook" in result.output and "The others finished" in result.output
    status = pd.read_csv(out / "2017" / "forces.csv").set_index("force")
    assert status.loc["kestrel-vale", "status"] == "input errors"
    assert (status.drop("kestrel-vale")["status"] == "ok").all()
    assert "kestrel-vale.xlsx" in status.loc["kestrel-vale", "status_detail"]
    assert (out / "2017" / "national" / "national_overview.html").exists()
    run_doc = json.loads((out / "2017" / "run.json").read_text())
    assert run_doc["failed"] == ["kestrel-vale"]


@pytest.mark.parametrize("beside_at_most,overviews", [(100, 2), (0, 1)], ids=["beside", "after"])
def test_a_notebook_that_fails_on_its_first_run_is_failed_in_the_overview_and_the_pack(data, tmp_path, monkeypatch,
                                                                                       beside_at_most, overviews):
    """The overview and the pack are made from the round's model while the forces' notebooks run (or, for a
    large round, after them); when a notebook fails they are made (again) after them: the force is failed in the
    round's model and neither links its report, which was never written. The forces that succeeded are linked."""
    monkeypatch.setattr(runner, "BESIDE_AT_MOST", beside_at_most)
    calls = []

    def fails_for_kestrel_vale(notebook, executed, parameters, timeout):
        calls.append(parameters.get("force", "national"))
        if parameters.get("force") == "kestrel-vale":
            raise RuntimeError("cell 4 raised: the chart could not be drawn")
        in_process_executor(notebook, executed, parameters, timeout)

    out = tmp_path / "out"
    [result] = stand_in_run(data, out, executor=fails_for_kestrel_vale, rounds=["2017"])
    assert result.failed and [f["force"] for f in result.failed] == ["kestrel-vale"]
    assert calls.count("national") == overviews and result.national["status"] == "ok"
    status = pd.read_csv(out / "2017" / "forces.csv").set_index("force")["status"]
    assert status["kestrel-vale"] == "failed" and (status.drop("kestrel-vale") != "failed").all()
    assert not (out / "2017" / "kestrel-vale").exists()
    for page in [out / "2017" / "national" / "national_overview.html", out / "2017" / "board-pack-2017.html"]:
        text = page.read_text()
        assert "kestrel-vale.html" not in text, page
        assert "northmoor/northmoor.html" in text and "ashdown-weald/ashdown-weald.html" in text, page


def test_after_a_run_stopped_with_a_provisional_round_model_every_force_is_read_from_its_folder(standin_run, data,
                                                                                                 tmp_path,
                                                                                                 pinned_code):
    """A run stopped after writing the round's model it expected, before the notebooks had made it true, leaves
    its marker; the next run (here of another force) does not keep a skipped force's rows from that model but
    reads them from the force's own folder, and removes the marker."""
    out = Path(shutil.copytree(standin_run[0], tmp_path / "out"))
    summary = out / "2017" / "summary.csv"
    good = pd.read_csv(summary)
    tampered = good.copy()
    tampered.loc[tampered["force"] == "ashdown-weald", "score"] = 1.0  # what the stopped run expected
    tampered.to_csv(summary, index=False, lineterminator="\r\n")
    (out / "2017" / runner.PROVISIONAL).touch()
    stand_in_run(data, out, rounds=["2017"], forces=["northmoor"], rerun=True, pack=False)
    after = pd.read_csv(summary)
    pd.testing.assert_series_equal(after.loc[after["force"] == "ashdown-weald", "score"].reset_index(drop=True),
                                   good.loc[good["force"] == "ashdown-weald", "score"].reset_index(drop=True))
    assert not (out / "2017" / runner.PROVISIONAL).exists()


def failing_executor(notebook, executed, parameters, timeout):
    """A notebook that writes part of its report and then fails in a cell."""
    out = Path(parameters["out_dir"])
    (out / "report.html").write_text("half a report")
    raise RuntimeError("cell 4 raised: the chart could not be drawn")


@pytest.mark.parametrize("force,executor,message", [
    ("northmoor", failing_executor, "RuntimeError: cell 4 raised: the chart could not be drawn"),
    ("no-such-force", in_process_executor, "unknown force 'no-such-force'"),
], ids=["failing-notebook", "unknown-force"])
def test_a_failed_notebook_leaves_the_previous_reports(tiny_data, tmp_path, force, executor, message):
    out_round = tmp_path / "2017"
    old = out_round / force
    old.mkdir(parents=True)
    (old / "report.html").write_text("the good report from last time")
    result = run_force(Job(force, "2017", str(tiny_data), str(out_round), "fp", timeout=120, executor=executor))
    assert result["status"] == "failed" and message in result["errors"][0], result
    assert (old / "report.html").read_text() == "the good report from last time"
    assert sorted(p.name for p in out_round.iterdir()) == [force]  # no work folder left behind
