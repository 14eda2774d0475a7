"""The notebooks: thin, stripped of outputs, and runnable by papermill on a tiny example."""

import nbformat
import papermill as pm
import pytest

from gapkit import paths
from gapkit.runner import execute_notebook

NOTEBOOKS = [paths.FORCE_NOTEBOOK, paths.NATIONAL_NOTEBOOK]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_are_thin_and_stripped(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    for cell in code:
        assert not cell.outputs and cell.execution_count is None, "strip outputs before committing"
        assert "def " not in cell.source and "class " not in cell.source and "lambda" not in cell.source
        assert "open(" not in cell.source and "os.getcwd" not in cell.source
    for cell in code[2:]:
        assert len([line for line in cell.source.splitlines() if line.strip()]) == 1, cell.source
    # parameters are literals only (papermill injects after this cell)
    params = pm.inspect_notebook(str(path))
    assert all(p["default"] for p in params.values())


def test_force_notebook_on_a_tiny_example(tiny_data, tmp_path):
    out = tmp_path / "out"
    executed = tmp_path / "force.ipynb"
    execute_notebook(paths.FORCE_NOTEBOOK, executed, {"force": "Northmoor Police", "round_id": "2017",
                                                     "data_dir": str(tiny_data), "out_dir": str(out)})
    nb = nbformat.read(executed, as_version=4)
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    for section in ("Headline", "Theme scores", "Largest gaps", "Action plan health", "Evidence in plan documents",
                    "Change since the previous round", "Method and provenance"):
        assert section in html
    assert (out / "summary.csv").exists() and (out / "charts" / "theme_bar.svg").exists()
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_national_notebook_on_a_tiny_example(tiny_data, tmp_path):
    executed = tmp_path / "national.ipynb"
    execute_notebook(paths.NATIONAL_NOTEBOOK, executed, {"round_id": "2019", "data_dir": str(tiny_data),
                                                        "charts_dir": str(tmp_path / "charts")})
    for name in ("league", "categories", "heatmap", "regions", "shortfall", "trend"):
        assert (tmp_path / "charts" / f"{name}.png").exists(), name


def test_unknown_parameter_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="has no parameter"):
        execute_notebook(paths.FORCE_NOTEBOOK, tmp_path / "x.ipynb", {"forse": "northmoor"})
