"""Shared test helpers: the tiny dataset, level maxima, and an in-process stand-in for the notebook executor.

The stand-in lets the runner's orchestration (skipping, swapping folders in, failures, the round model, run.json)
be tested without Jupyter kernels: `gapkit.run.runner.run(..., executor=in_process_executor, workers=1)` runs every
job in this process. It calls the same functions the committed notebooks call, section by section, and writes a
small valid notebook with their HTML so that `export_html` works. The notebooks themselves are executed on real
kernels only in tests/e2e."""

from __future__ import annotations

import datetime as dt
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output


INJECTED = '=HYPERLINK("http://x","y")'
TINY_FORCES = ["northmoor", "kestrel-vale", "ashdown-weald"]  # the demo's first three fictional forces
TINY_ROUNDS = ["2017", "2019"]
# The real run (tests/e2e, the tiny_run fixture) runs two of them, northmoor (gapkit's template, plan documents, a
# review, formula-like text) and kestrel-vale (its own tracker): each notebook on a kernel costs seconds.
KERNEL_FORCES = TINY_FORCES[:2]
# Stand-in runs pin the code fingerprint: src/ may be edited while the tests run, and a changed fingerprint (rightly)
# reruns every force. tests/run/test_provenance.py shows that the real fingerprint follows the code.
PINNED_CODE = "pinned code fingerprint"


def make_tiny_dataset(root: Path, n_forces: int = 3) -> Path:
    """Three fictional forces over the demo's two rounds; one action carries formula-like text."""
    from openpyxl import load_workbook

    from gapkit.demo.generate import generate

    data = generate(root, n_forces=n_forces, seed=7)
    sub = data / "rounds" / "2017" / "submissions" / "northmoor.xlsx"
    wb = load_workbook(sub)
    ws = wb["Actions"]
    for row in ws.iter_rows(min_row=2):
        if row[1].value == "P2":
            row[6].value, row[6].data_type = INJECTED, "s"
            row[8].value = dt.date(2017, 1, 31)
            row[9].value = "1 - Planned, not started"
    wb.save(sub)
    return data


def assert_every_force_has_its_reports(out: Path, results, forces: list[str] = TINY_FORCES) -> None:
    """What a run of the tiny dataset (of these of its forces) leaves for each round and force (real kernels or the
    stand-in alike): every force ran, the national overview is ok, each force folder holds its notebook, HTML,
    workbook, tables and charts, and no work folder is left."""
    assert [r.round for r in results] == TINY_ROUNDS
    for result in results:
        assert sorted(f["force"] for f in result.forces) == sorted(forces)
        assert not result.failed, result.failed
        assert result.national["status"] == "ok", result.national
        for force in forces:
            folder = out / result.round / force
            for name in (f"{force}.ipynb", f"{force}.html", f"{force}-{result.round}.xlsx", "summary.csv",
                         "scores.csv", "forces.csv", "charts/gaps.png", "charts/theme_bar.png"):
                assert (folder / name).exists(), folder / name
        assert (out / result.round / "national" / "national_overview.html").exists()
        assert not list((out / result.round).glob(".work-*"))


def maxima(catalogue, settings, framework_ids) -> dict[str, int]:
    """Each framework's top level (what gapkit.assess.combine.combine_actions needs)."""
    return {fid: settings.scale(catalogue.get(fid).level_scale).maximum for fid in framework_ids}


def requirement_count(catalogue, framework_ids) -> int:
    return sum(len(catalogue.get(fid).requirements) for fid in framework_ids)


# ---- the in-process executor ----------------------------------------------------------------------------------

# The committed notebooks are thin (tests/run/test_kernels.py): a parameters cell, one import of an output module,
# one cell building the report from the parameters, then one cell per section. The stand-in reads that shape from
# the notebook and makes the same calls in this process, so its sections are always the notebook's.
OUTPUT_MODULES = {"force_report": "gapkit.outputs.force_report", "national": "gapkit.outputs.national"}


def notebook_parameters(notebook: Path) -> dict:
    """The notebook's parameters and their default values, from its cell tagged 'parameters' (as papermill finds
    them; every default is a literal, tests/run/test_kernels.py checks)."""
    import ast

    cell = next(c for c in nbformat.read(str(notebook), as_version=4).cells
                if c.cell_type == "code" and "parameters" in c.metadata.get("tags", []))
    return {s.targets[0].id: ast.literal_eval(s.value) for s in ast.parse(cell.source).body}


def in_process_executor(notebook: Path, executed: Path, parameters: dict, timeout: int,
                        record: dict | None = None) -> None:
    """Do what the committed notebook does, in this process: build_force_report (or build_overview) from the
    parameters, then every section in the notebook's order (write_outputs among them); then write an executed
    notebook holding each section's HTML. `timeout` is not used (nothing here can hang on a kernel).

    With `record` (a dict; pass it with functools.partial), what the notebook made is kept there for tests to read:
    record[(round_id, force or None)] = Made(the report or overview, {section name: its panel})."""
    import ast
    import importlib

    declared = notebook_parameters(notebook)
    unknown = set(parameters) - set(declared)
    if unknown:  # as gapkit.run.kernels does: a parameter the notebook does not declare is an error
        raise ValueError(f"{Path(notebook).name} has no parameter(s) {', '.join(sorted(unknown))}")
    names = {**declared, **parameters}
    cells = [c for c in nbformat.read(str(notebook), as_version=4).cells
             if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    outputs, sections, built = [], {}, None
    for cell in cells:
        tree = ast.parse(cell.source)
        node = tree.body[0] if len(tree.body) == 1 else None
        if isinstance(node, ast.ImportFrom) and node.module == "gapkit.outputs" and len(node.names) == 1 \
                and node.names[0].name in OUTPUT_MODULES:
            alias = node.names[0]
            names[alias.asname or alias.name] = importlib.import_module(OUTPUT_MODULES[alias.name])
            continue
        call = node.value if isinstance(node, (ast.Expr, ast.Assign)) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name) and all(isinstance(a, ast.Name) for a in call.args)
                and not call.keywords):
            raise ValueError(f"the stand-in executor cannot run this cell of {Path(notebook).name}: {cell.source!r}")
        function = getattr(names[call.func.value.id], call.func.attr)
        value = function(*[names[a.id] for a in call.args])
        if isinstance(node, ast.Assign):  # rep = report.build_force_report(force, round_id, ...)
            names[node.targets[0].id] = value
            built = value
        else:  # report.headline(rep)
            outputs.append((cell.source, value))
            sections[call.func.attr] = value
    _write_executed(Path(executed), parameters, outputs)
    if record is not None:
        record[(str(names["round_id"]), parameters.get("force"))] = Made(built, sections)


@dataclass
class Made:
    """What the stand-in executor made of one notebook: the report (or overview) and each section's panel."""
    built: object
    sections: dict


def notebook_only_executor(notebook: Path, executed: Path, parameters: dict, timeout: int) -> None:
    """A stand-in that makes none of the notebook's calls: it checks the parameters as the real executor does and
    writes a valid executed notebook holding them, which is all the runner reads back (it computes and writes each
    force's model itself before calling the executor, then exports the executed notebook to HTML). For tests of the
    runner's orchestration around the notebooks (tests/run/test_faults.py; which forces a run reruns, in
    tests/run/test_runner.py); what the notebooks' calls make is tested with in_process_executor
    (tests/run/test_runner.py, tests/outputs) and on kernels (tests/e2e)."""
    unknown = set(parameters) - set(notebook_parameters(notebook))
    if unknown:
        raise ValueError(f"{Path(notebook).name} has no parameter(s) {', '.join(sorted(unknown))}")
    _write_executed(Path(executed), parameters, [])


def _write_executed(target: Path, parameters: dict, cells: list[tuple[str, object]]) -> None:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"},
                                "language_info": {"name": "python"}})
    params = "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    nb.cells.append(new_code_cell(params, metadata={"tags": ["injected-parameters"]}, execution_count=1))
    for count, (source, panel) in enumerate(cells, 2):
        data = {"text/plain": repr(panel)}
        if hasattr(panel, "_repr_html_"):
            data["text/html"] = panel._repr_html_()
        nb.cells.append(new_code_cell(source, execution_count=count, outputs=[
            new_output("execute_result", data=data, execution_count=count)]))
    nbformat.validate(nb)
    nbformat.write(nb, str(target))


@contextmanager
def deadline(seconds: int = 5):
    """Fail, instead of hanging the test run, if the block blocks (on a pipe, say)."""
    def expired(*_):
        raise TimeoutError(f"blocked for more than {seconds} s")
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)

