"""Warm kernels (gapkit.run.kernels) on real Jupyter kernels: notebooks run one after another on one kernel leave
nothing behind for the next, and a kernel that dies in the middle of a force's notebook loses that force only,
which the next run makes again."""

import contextlib
import json
import signal

import nbformat
import pandas as pd
import pytest

from gapkit.core import paths
from gapkit.run import runner
from gapkit.run.kernels import execute_fresh, execute_warm, warm_kernel

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("tiny_run")]

PROBE = """import json, os, sys, matplotlib
from matplotlib import pyplot
state = {"names": sorted(n for n in globals() if not n.startswith("_")), "figures": pyplot.get_fignums(),
         "rc": {k: repr(v) for k, v in matplotlib.rcParams.items()}, "cwd": os.getcwd(),
         "environ": dict(os.environ), "path": list(sys.path)}
with open(out_file, "w") as fh:
    json.dump(state, fh)"""

POLLUTER = """import os, sys, matplotlib
from matplotlib import pyplot
left_behind = "a value of the last notebook"
figure = pyplot.figure()
matplotlib.rcParams["font.size"] = 31
os.environ["GAPKIT_LEFT_BEHIND"] = "1"
sys.path.append("/nowhere/left/behind")
os.chdir("/")"""


def _notebook(path, code: str, parameters: str):
    cells = [nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(code)]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, str(path))
    return path


def _probe(tmp_path, name: str) -> dict:
    """The kernel's state as a notebook run in tmp_path/probe sees it."""
    folder = tmp_path / "probe"
    folder.mkdir(exist_ok=True)
    template = _notebook(tmp_path / "probe.ipynb", PROBE, 'out_file = ""')
    with contextlib.chdir(folder):
        execute_warm(template, folder / f"{name}.ipynb", {"out_file": f"{name}.json"})
    return json.loads((folder / f"{name}.json").read_text())


def _force(tmp_path, tiny_data, force: str, name: str, execute=execute_warm):
    folder = tmp_path / name
    folder.mkdir()
    with contextlib.chdir(folder):
        execute(paths.FORCE_NOTEBOOK, folder / f"{force}.ipynb", {
            "force": force, "round_id": "2019", "data_dir": str(tiny_data), "out_dir": "."})
    return folder


def test_two_forces_through_one_warm_kernel_leave_nothing_behind(tiny_data, tmp_path):
    """A force's notebook, then a notebook that leaves every kind of state behind (variables, a figure, a
    matplotlib setting, an environment variable, sys.path, the working directory), on one warm kernel: the next
    notebook finds the kernel as it was before either, and the second force's figures are those it has on a kernel
    of its own."""
    kernel = warm_kernel()
    before = _probe(tmp_path, "before")
    started = kernel.started
    _force(tmp_path, tiny_data, "northmoor", "first")
    after_force = _probe(tmp_path, "after-force")
    polluter = _notebook(tmp_path / "polluter.ipynb", POLLUTER, "seed = 0")
    with contextlib.chdir(tmp_path):
        execute_warm(polluter, tmp_path / "polluted.ipynb", {"seed": 1})
    after_polluter = _probe(tmp_path, "after-polluter")
    warm = _force(tmp_path, tiny_data, "kestrel-vale", "second")
    assert kernel.started == started, "every notebook ran on the same kernel"
    for after in (after_force, after_polluter):
        assert after == before
    assert "rep" not in after_force["names"] and "left_behind" not in after_polluter["names"]
    fresh = _force(tmp_path, tiny_data, "kestrel-vale", "fresh", execute=execute_fresh)
    for table in ("summary.csv", "scores.csv", "themes.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(warm / table), pd.read_csv(fresh / table))
    for chart in ("theme_bar.png", "gaps.png"):
        assert (warm / "charts" / chart).read_bytes() == (fresh / "charts" / chart).read_bytes(), chart


def test_a_kernel_killed_in_a_notebook_loses_only_its_force_and_the_next_run_makes_it(tiny_data, tmp_path,
                                                                                     monkeypatch):
    """The kernel running ashdown-weald's notebook is killed half-way: that force fails and says why, the national
    overview and kestrel-vale (on a new kernel) are made; the next run makes ashdown-weald and skips the rest."""
    nb = nbformat.read(str(paths.FORCE_NOTEBOOK), as_version=4)
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first_code + 2, nbformat.v4.new_code_cell(
        f'if force == "ashdown-weald":\n    import os\n    os.kill(os.getpid(), {int(signal.SIGKILL)})'))
    killing = tmp_path / "force_assessment.ipynb"
    nbformat.write(nb, str(killing))
    out = tmp_path / "out"
    monkeypatch.setattr(paths, "FORCE_NOTEBOOK", killing)
    [result] = runner.run(tiny_data, rounds=["2019"], forces=["ashdown-weald", "kestrel-vale"], workers=1,
                          out_dir=out, progress=False, pack=False)
    forces = {f["force"]: f for f in result.forces}
    assert forces["ashdown-weald"]["status"] == "failed", forces
    assert "DeadKernelError" in forces["ashdown-weald"]["errors"][0], forces["ashdown-weald"]
    assert forces["kestrel-vale"]["status"] != "failed" and result.national["status"] == "ok"
    assert (out / "2019" / "kestrel-vale" / "kestrel-vale.html").exists()
    assert not (out / "2019" / "ashdown-weald").exists()
    monkeypatch.undo()
    [again] = runner.run(tiny_data, rounds=["2019"], forces=["ashdown-weald", "kestrel-vale"], workers=1,
                         out_dir=out, progress=False, pack=False)
    forces = {f["force"]: f for f in again.forces}
    assert not forces["ashdown-weald"].get("skipped") and forces["ashdown-weald"]["status"] != "failed"
    assert forces["kestrel-vale"].get("skipped")
    assert (out / "2019" / "ashdown-weald" / "ashdown-weald.html").exists()
