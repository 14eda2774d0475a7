import json
import shutil
import time

import nbformat
import pandas as pd
from click.testing import CliRunner

from gapkit.cli import main
from gapkit.runner import Job, code_fingerprint, run, run_force

FORCES = ["kestrel-vale", "northmoor", "ashdown-weald"]


def test_every_force_gets_its_reports(tiny_run):
    out, results = tiny_run
    assert [r.round for r in results] == ["2017", "2019"]
    for result in results:
        assert sorted(f["force"] for f in result.forces) == sorted(FORCES)
        assert not result.failed, result.failed
        for force in FORCES:
            folder = out / result.round / force
            for name in (f"{force}.ipynb", f"{force}.html", f"{force}-{result.round}.xlsx", "summary.csv",
                         "scores.csv", "charts/gaps.png", "charts/gaps.svg", "charts/theme_bar.png",
                         "charts/theme_radar.svg"):
                assert (folder / name).exists(), folder / name
        national = out / result.round / "national"
        assert (national / "national_overview.html").exists() and (national / "charts" / "heatmap.png").exists()
        assert not list((out / result.round).glob(".work-*"))


def test_summary_and_scores_csv_columns(tiny_run):
    out, _ = tiny_run
    summary = pd.read_csv(out / "2019" / "summary.csv")
    for col in ("force", "force_name", "round", "framework", "score", "category", "rag", "status"):
        assert col in summary.columns
    assert set(summary["force"]) == set(FORCES)
    scores = pd.read_csv(out / "2019" / "scores.csv")
    for col in ("force", "round", "framework", "requirement_id", "theme", "level", "target", "gap", "weight",
                "level_source"):
        assert col in scores.columns
    assert len(scores) == 3 * (3 + 12 + 7 + 2 + 5)  # three forces, every requirement of the round's frameworks


def test_run_json_records_parameters_hashes_versions_and_timings(tiny_run):
    out, _ = tiny_run
    doc = json.loads((out / "2017" / "run.json").read_text())
    assert doc["synthetic"] is True and doc["failed"] == []
    assert doc["frameworks"]["npcc-apsp-2017"] == "2017.1"
    assert {"pandas", "papermill", "gapkit"} <= set(doc["versions"])
    assert all(f["seconds"] >= 0 and f["status"] == "ok" for f in doc["forces"])
    hashes = doc["input_hashes"]["northmoor"]
    assert any(k.endswith("submissions/northmoor.xlsx") for k in hashes) and all(len(v) == 64 for v in hashes.values())


def test_html_has_no_code_and_says_synthetic(tiny_run):
    out, _ = tiny_run
    html = (out / "2019" / "northmoor" / "northmoor.html").read_text()
    assert "build_force_report" not in html and "from gapkit import" not in html
    assert "SYNTHETIC DEMONSTRATION DATA" in html
    assert 'src="http' not in html and "<img" in html


def test_executed_notebooks_are_valid_for_jupyterlab(tiny_run):
    out, _ = tiny_run
    for path in list((out / "2019").glob("*/*.ipynb")):
        nbformat.validate(nbformat.read(path, as_version=4))


def test_summary_agrees_with_the_notebook(tiny_run):
    out, _ = tiny_run
    summary = pd.read_csv(out / "2019" / "summary.csv")
    row = summary[(summary["force"] == "northmoor") & (summary["framework"] == "hmicfrs-2017-plans")].iloc[0]
    nb = nbformat.read(out / "2019" / "northmoor" / "northmoor.ipynb", as_version=4)
    headline = next(c for c in nb.cells if c.cell_type == "code" and "report.headline" in c.source)
    html = headline.outputs[0]["data"]["text/html"]
    assert f"{row['score']:.1f}" in html and row["category"] in html


def test_rerun_with_nothing_changed_skips_every_force(tiny_data, tiny_run):
    out, _ = tiny_run
    started = time.monotonic()
    results = run(tiny_data, out_dir=out, workers=2, progress=False)
    assert all(f.get("skipped") for r in results for f in r.forces)
    assert all(r.national.get("skipped") for r in results)
    assert time.monotonic() - started < 60


def test_changed_input_reruns_only_that_force(tiny_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(tiny_data, data)
    out = tmp_path / "out"
    run(data, rounds=["2017"], forces=["northmoor", "ashdown-weald"], out_dir=out, progress=False, pack=False)
    plan = next((data / "rounds" / "2017" / "plans" / "ashdown-weald").iterdir())
    plan.write_bytes(plan.read_bytes())  # same bytes: not a change
    (data / "rounds" / "2017" / "plans" / "ashdown-weald" / "extra.md").write_text("We will review the CCU next year.\n")
    results = run(data, rounds=["2017"], forces=["northmoor", "ashdown-weald"], out_dir=out, progress=False, pack=False)
    ran = {f["force"]: not f.get("skipped") for f in results[0].forces}
    assert ran == {"northmoor": False, "ashdown-weald": True}


def test_a_broken_workbook_is_reported_while_the_rest_finish(tiny_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(tiny_data, data)
    (data / "rounds" / "2017" / "submissions" / "kestrel-vale.xlsx").write_bytes(b"not a workbook at all")
    result = CliRunner().invoke(main, ["run", "--data", str(data), "--round", "2017", "--out", str(tmp_path / "out"),
                                       "--no-pack"])
    assert result.exit_code == 1
    assert "FAILED kestrel-vale (input errors)" in result.output and "is not an Excel workbook" in result.output
    summary = pd.read_csv(tmp_path / "out" / "2017" / "summary.csv")
    status = summary.drop_duplicates("force").set_index("force")["status"]
    assert status["kestrel-vale"] == "input errors" and (status.drop("kestrel-vale") == "ok").all()
    assert "kestrel-vale.xlsx" in summary.set_index("force").loc["kestrel-vale", "status_detail"]
    assert (tmp_path / "out" / "2017" / "national" / "national_overview.html").exists()
    run_doc = json.loads((tmp_path / "out" / "2017" / "run.json").read_text())
    assert run_doc["failed"] == ["kestrel-vale"]


def test_a_failed_notebook_leaves_the_previous_reports(tiny_data, tmp_path):
    out_round = tmp_path / "2017"
    old = out_round / "no-such-force"
    old.mkdir(parents=True)
    (old / "report.html").write_text("the good report from last time")
    result = run_force(Job("no-such-force", "2017", str(tiny_data), str(out_round), "fp", timeout=120))
    assert result["status"] == "failed" and "unknown force 'no-such-force'" in result["errors"][0]
    assert (old / "report.html").read_text() == "the good report from last time"
    assert not list(out_round.glob(".work-*"))


def test_inputs_are_never_modified(tiny_data, tiny_run):
    before = {p: p.read_bytes() for p in tiny_data.rglob("*") if p.is_file() and ".backup" not in p.parts}
    run(tiny_data, rounds=["2017"], out_dir=tiny_run[0], rerun=True, progress=False, pack=False)
    after = {p: p.read_bytes() for p in tiny_data.rglob("*") if p.is_file() and ".backup" not in p.parts}
    assert before == after


def test_code_fingerprint_is_stable():
    assert code_fingerprint() == code_fingerprint()
