"""The committed notebooks, executed by papermill on Jupyter kernels on the tiny dataset and validated (this replaces
nbval on notebooks/, whose default parameters would run the full demo). What can be checked without a kernel is in
tests/run/test_kernels.py."""

import nbformat
import pytest

from gapkit.core import paths
from gapkit.run.kernels import execute_notebook

# on the worker of the real run (tests/e2e/test_run.py): both use that process's warm kernel, started once
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("tiny_run")]


def _valid_without_errors(executed) -> nbformat.NotebookNode:
    nb = nbformat.read(executed, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "every cell ran"
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    return nb


def _html(nb) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)


def test_force_notebook_on_a_tiny_example(tiny_data, tmp_path):
    out = tmp_path / "out"
    executed = tmp_path / "force.ipynb"
    execute_notebook(paths.FORCE_NOTEBOOK, executed, {"force": "Northmoor Police", "round_id": "2017",
                                                     "data_dir": str(tiny_data), "out_dir": str(out)})
    html = _html(_valid_without_errors(executed))
    for section in ("Headline", "Theme scores", "Largest gaps", "Action plan health", "Evidence in plan documents",
                    "Change since the previous round", "Method and provenance"):
        assert section in html
    assert "SYNTHETIC DEMONSTRATION DATA" in html
    assert (out / "summary.csv").exists() and (out / "charts" / "theme_bar.png").exists()
    assert (out / "northmoor-2017.xlsx").exists()


def test_national_notebook_on_a_tiny_example(tiny_data, tmp_path):
    executed = tmp_path / "national.ipynb"
    execute_notebook(paths.NATIONAL_NOTEBOOK, executed, {"round_id": "2019", "data_dir": str(tiny_data),
                                                        "charts_dir": str(tmp_path / "charts")})
    html = _html(_valid_without_errors(executed))
    assert "League table" in html and "Trend across rounds" in html
    for name in ("league", "categories", "heatmap", "regions", "shortfall", "trend"):
        assert (tmp_path / "charts" / f"{name}.png").exists(), name
