"""The committed notebooks and what the runner does with them, without starting a kernel: thin notebooks with
literal parameters, undeclared parameters refused, HTML with no code and no network. Executing them on a kernel is
tests/e2e/test_notebooks.py."""

import ast
import json

import nbformat
import papermill as pm
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from gapkit.core import paths
from gapkit.run.kernels import ReportHTMLExporter, execute_notebook, export_html, strip_remote_scripts
from tests.helpers import notebook_parameters

NOTEBOOKS = [paths.FORCE_NOTEBOOK, paths.NATIONAL_NOTEBOOK]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_are_thin_and_stripped(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    for cell in code:
        assert not cell.outputs and cell.execution_count is None, "strip outputs before committing"
        assert "def " not in cell.source and "class " not in cell.source and "lambda" not in cell.source
        assert "open(" not in cell.source and "os.getcwd" not in cell.source
    for cell in code[2:]:
        assert len([line for line in cell.source.splitlines() if line.strip()]) == 1, cell.source


@pytest.mark.parametrize("path", [
    paths.FORCE_NOTEBOOK,
    paths.NATIONAL_NOTEBOOK], ids=lambda p: p.name)
def test_every_cell_has_an_id(path):
    raw = json.loads(path.read_text())
    assert (raw["nbformat"], raw["nbformat_minor"]) >= (4, 5)
    missing = [i for i, cell in enumerate(raw["cells"]) if "id" not in cell]
    assert not missing, f"cells without an id: {missing}"
    ids = [cell["id"] for cell in raw["cells"]]
    assert len(set(ids)) == len(ids)


@pytest.mark.filterwarnings("ignore::nbformat.warnings.MissingIDFieldWarning")  # papermill's own cells
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_are_literals(path):
    """papermill injects its parameters after this cell: every default must be a plain literal, one per line."""
    cell = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    for statement in ast.parse(cell.source).body:
        assert isinstance(statement, ast.Assign) and len(statement.targets) == 1, ast.unparse(statement)
        assert isinstance(statement.targets[0], ast.Name), ast.unparse(statement)
        ast.literal_eval(statement.value)  # raises ValueError for anything but a literal
    params = pm.inspect_notebook(str(path))  # papermill gives each default as the text of its expression
    assert params and all(isinstance(p["default"], str) for p in params.values())
    defaults = {name: ast.literal_eval(p["default"]) for name, p in params.items()}
    assert defaults == notebook_parameters(path)  # what the stand-in executor (tests/helpers.py) uses
    assert defaults["round_id"] and defaults["data_dir"] == ""  # empty: the shipped demo


@pytest.mark.filterwarnings("ignore::nbformat.warnings.MissingIDFieldWarning")
def test_unknown_parameter_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="has no parameter"):
        execute_notebook(paths.FORCE_NOTEBOOK, tmp_path / "x.ipynb", {"forse": "northmoor"})
    assert not (tmp_path / "x.ipynb").exists()  # refused before any kernel started


def test_html_has_no_code_and_fetches_nothing(tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}}, cells=[
        nbformat.v4.new_code_cell("secret_code_line = 1", execution_count=1, outputs=[
            nbformat.v4.new_output("display_data", data={"text/html": "<p>the report</p>"})])])
    nbformat.write(nb, str(tmp_path / "nb.ipynb"))
    html = export_html(tmp_path / "nb.ipynb", tmp_path / "nb.html").read_text()
    assert "the report" in html and "secret_code_line" not in html
    assert 'src="http' not in html


def test_strip_remote_scripts():
    page = ('<head><script src="https://cdn.example/require.js"></script>'
            '<script type="text/x-mathjax-config">MathJax.Hub.Config({})</script>'
            '<script>var local = 1;</script></head>')
    stripped = strip_remote_scripts(page)
    assert "cdn.example" not in stripped and "MathJax" not in stripped and "var local = 1;" in stripped


def test_report_exporter_makes_nbconverts_page_without_its_second_parse():
    """The same document as nbconvert's HTMLExporter (parsed, the two are equal): images without alt text get its
    placeholder, outputs are focusable; markdown, HTML and image outputs all come through."""
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    nb = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}}, cells=[
        nbformat.v4.new_markdown_cell("# Title\n\nSome `code` and a list:\n\n- one\n- two"),
        nbformat.v4.new_code_cell("x = 1", execution_count=1, outputs=[
            nbformat.v4.new_output("display_data", data={"text/html": "<p>the <img src='a.png' alt='named'/></p>"
                                                                      "<script>var s = '<img src=e>';</script>"}),
            nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
            nbformat.v4.new_output("stream", name="stdout", text="printed\n")])])
    settings = {"template_name": "lab", "exclude_input": True, "exclude_input_prompt": True,
                "exclude_output_prompt": True}
    theirs, _ = HTMLExporter(**settings).from_notebook_node(nb, resources={"metadata": {"name": "nb"}})
    ours, _ = ReportHTMLExporter(**settings).from_notebook_node(nb, resources={"metadata": {"name": "nb"}})
    theirs_soup, ours_soup = BeautifulSoup(theirs, "html.parser"), BeautifulSoup(ours, "html.parser")
    assert str(ours_soup) == str(theirs_soup)
    assert len(ours_soup.select("div.jp-OutputArea-output[tabindex='0']")) == 3
    assert [img.get("alt") for img in ours_soup.select("img")] == [
        "named", "No description has been provided for this image"]
    assert "var s = '<img src=e>';" in ours  # a script's text is left as it is
