"""One real `gapkit run` of the tiny dataset (the session fixture `tiny_run`: both rounds, two forces, Jupyter
kernels, board pack): what only real kernels show. The orchestration (skipping, failures, inputs untouched) is
tested without kernels in tests/run/test_runner.py."""

import json

import nbformat
import pandas as pd
import pytest

from gapkit.inputs.layout import load_round
from tests.helpers import KERNEL_FORCES, TINY_ROUNDS, assert_every_force_has_its_reports, requirement_count

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("tiny_run")]


def test_every_force_gets_its_reports(tiny_run):
    out, results = tiny_run
    assert_every_force_has_its_reports(out, results, KERNEL_FORCES)
    for result in results:  # and, made by the real run only, the overview's charts and the board pack
        assert (out / result.round / "national" / "charts" / "heatmap.png").exists()
        assert (out / result.round / f"board-pack-{result.round}.xlsx").exists()


def test_summary_and_scores_csv_columns(tiny_run, tiny_data, catalogue):
    out, _ = tiny_run
    summary = pd.read_csv(out / "2019" / "summary.csv")
    for col in ("force", "force_name", "round", "framework", "score", "category", "rag"):
        assert col in summary.columns
    assert set(summary["force"]) == set(KERNEL_FORCES)
    status = pd.read_csv(out / "2019" / "forces.csv")
    assert {"force", "status", "status_detail"} <= set(status.columns) and set(status["force"]) == set(KERNEL_FORCES)
    scores = pd.read_csv(out / "2019" / "scores.csv")
    for col in ("force", "round", "framework", "requirement_id", "theme", "level", "target", "gap", "weight",
                "level_source"):
        assert col in scores.columns
    frameworks = load_round(tiny_data, "2019", catalogue).frameworks
    # every force, every requirement of the round's frameworks
    assert len(scores) == len(KERNEL_FORCES) * requirement_count(catalogue, frameworks)
    assert len(summary) == len(KERNEL_FORCES) * len(frameworks)


def test_run_json_records_parameters_hashes_versions_and_timings(tiny_run, tiny_data, catalogue):
    out, _ = tiny_run
    doc = json.loads((out / "2017" / "run.json").read_text())
    assert doc["synthetic"] is True and doc["failed"] == []
    frameworks = load_round(tiny_data, "2017", catalogue).frameworks
    assert doc["frameworks"] == {f: catalogue.get(f).version for f in frameworks}
    assert doc["crosswalk"] == catalogue.crosswalk.version
    assert {"pandas", "papermill", "gapkit"} <= set(doc["versions"])
    assert all(f["seconds"] >= 0 and f["status"] == "ok" for f in doc["forces"])
    hashes = doc["input_hashes"]["northmoor"]
    assert any(k.endswith("submissions/northmoor.xlsx") for k in hashes) and all(len(v) == 64 for v in hashes.values())


def test_html_has_no_code_and_says_synthetic(tiny_run):
    out, _ = tiny_run
    html = (out / "2019" / "northmoor" / "northmoor.html").read_text()
    assert "build_force_report" not in html and "from gapkit" not in html
    assert "SYNTHETIC DEMONSTRATION DATA" in html
    assert 'src="http' not in html and "<img" in html


def test_executed_notebooks_are_valid_for_jupyterlab(tiny_run):
    out, _ = tiny_run
    executed = list(out.glob("*/*/*.ipynb"))
    assert len(executed) == len(TINY_ROUNDS) * (len(KERNEL_FORCES) + 1)
    for path in executed:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"], path


def test_summary_agrees_with_the_notebook(tiny_run):
    out, _ = tiny_run
    summary = pd.read_csv(out / "2019" / "summary.csv")
    row = summary[(summary["force"] == "northmoor") & summary["headline"]].iloc[0]
    nb = nbformat.read(out / "2019" / "northmoor" / "northmoor.ipynb", as_version=4)
    headline = next(c for c in nb.cells if c.cell_type == "code" and "report.headline" in c.source)
    html = headline.outputs[0]["data"]["text/html"]
    assert f"{row['score']:.1f}" in html and row["category"] in html
