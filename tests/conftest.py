"""Fixtures shared by every test folder, hypothesis profiles, and the e2e marking of kernel tests.

Kernel tests (papermill, a real `gapkit run`, the `tiny_run` fixture) are marked `e2e`; `pytest -m "not e2e"` runs
everything else, with no Jupyter kernel. Under xdist (`pytest -n 2`) every test that uses `tiny_run` is in one
xdist group, so the real run is made once, by one worker (addopts has `--dist loadgroup`); so is every other build
shared by several tests (SHARED_BUILDS below, and module-scoped builds of a test module)."""

import fcntl
import functools
import os
import shutil

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports matplotlib

from pathlib import Path  # noqa: E402
from typing import NamedTuple  # noqa: E402

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

from tests.helpers import KERNEL_FORCES, PINNED_CODE, in_process_executor, make_tiny_dataset  # noqa: E402

# Property tests take their number of examples from the profile (none sets its own):
#   ci (the default, what `python -m pytest -n 2` and .ci/run use): 10 examples per property, new ones each run, so
#     that the whole suite stays within two minutes on two cores; a failing example is saved in .hypothesis/ and
#     tried first on every later run
#   thorough: HYPOTHESIS_PROFILE=thorough python -m pytest -n 2   twenty times the examples, for a deeper look (after
#     changing the scoring rule, the views or the review workbook, say)
hypothesis_settings.register_profile("ci", max_examples=10, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=200, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

E2E_DIR = Path(__file__).parent / "e2e"
KERNEL_FIXTURES = {"tiny_run"}
# Session or module fixtures that take seconds to build: every test that uses one runs on the same xdist worker, so
# that each is built once, not once per worker. The stand-in run and the in-process round (tests/outputs) are one
# build: the round's reports and sections are kept as the stand-in run makes them.
SHARED_BUILDS = {"tiny_run": "tiny_run", "standin_build": "standin", "standin_run": "standin", "inproc_run": "standin",
                 "good_run": "faults"}


def _own_module_build(item) -> bool:
    """The test uses a module-scoped fixture defined in its own test module (a build shared by that module's
    tests): then the module's tests that use it run on one worker, which builds it once."""
    info = getattr(item, "_fixtureinfo", None)
    module = getattr(getattr(item, "module", None), "__name__", None)
    if info is None or module is None:
        return False
    return any(defs and defs[-1].scope == "module" and getattr(defs[-1].func, "__module__", None) == module
               for name, defs in info.name2fixturedefs.items() if name in item.fixturenames)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e, and any test that uses the real run, is e2e; the users of each shared build
    (SHARED_BUILDS) share one xdist group, and so do the tests of a module that share a module-scoped build of
    their own, so that only one worker makes each."""
    for item in items:
        uses_run = bool(KERNEL_FIXTURES & set(getattr(item, "fixturenames", ())))
        if uses_run or E2E_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = next((SHARED_BUILDS[f] for f in getattr(item, "fixturenames", ()) if f in SHARED_BUILDS), None)
        if group is None and _own_module_build(item):
            group = item.module.__name__
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def catalogue():
    from gapkit.catalogue.frameworks import default_catalogue
    return default_catalogue()


@pytest.fixture(scope="session")
def config():
    """The scoring settings (gapkit.catalogue.settings.ScoringConfig)."""
    from gapkit.catalogue.settings import default_config
    return default_config()


@pytest.fixture(scope="session")
def settings(config):
    return config


def made_once(tmp_path_factory, name: str, make) -> Path:
    """make(folder) once for the whole test session: under xdist, the first worker to ask makes it in the folder the
    workers share (their base temporary folder's parent) while the others wait for it, then all read it."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder, done = root / f"shared-{name}", root / f"shared-{name}.done"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, also if make() fails
        if not done.exists():
            if folder.exists():  # a worker failed while making it
                shutil.rmtree(folder)
            make(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    """The tiny dataset (tests.helpers.make_tiny_dataset), made once per session and shared by the xdist workers.
    Read only: a test that changes inputs copies it first."""
    return made_once(tmp_path_factory, "tiny", lambda folder: make_tiny_dataset(folder / "data")) / "data"


@pytest.fixture(scope="session")
def tiny_run(tiny_data, tmp_path_factory):
    """One real end-to-end run of the tiny dataset (both rounds, a warm Jupyter kernel, board pack), of two of its
    forces (tests.helpers.KERNEL_FORCES: six notebooks on the kernel). Tests that use it are marked e2e
    automatically. Read only. One worker: the run then uses this process and its one warm kernel (the other xdist
    worker has tests of its own to run); pools of workers are tested in tests/run/test_faults.py."""
    from gapkit.run.runner import run

    out = tmp_path_factory.mktemp("run") / "reports"
    results = run(tiny_data, forces=KERNEL_FORCES, out_dir=out, workers=1, progress=False)
    return out, results


@pytest.fixture(scope="session")
def standin_build(tiny_data, tmp_path_factory):
    """A run of the tiny dataset (both rounds, no board pack) with the in-process stand-in executor: the same
    output files as a real run, without kernels; the code fingerprint is pinned (tests.helpers.PINNED_CODE).
    Returns a StandinBuild: the output folder, the run's results, what each notebook made, and the dataset's
    files as they were before the run. Read only: copy it to change it. Tests use it as `standin_run` (the files)
    and `inproc_run` (tests/outputs/conftest.py: also the reports and sections in memory)."""
    from gapkit.run import runner

    out = tmp_path_factory.mktemp("standin") / "reports"
    made: dict = {}
    inputs = input_bytes(tiny_data)  # the run reads the dataset in place (tests/run/test_runner.py checks it)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "code_fingerprint", lambda *args, **kwargs: PINNED_CODE)
        results = runner.run(tiny_data, out_dir=out, workers=1, progress=False, pack=False,
                             executor=functools.partial(in_process_executor, record=made))
    return StandinBuild(out, results, made, inputs)


class StandinBuild(NamedTuple):
    out: Path        # the output folder
    results: list    # the run's RoundResults
    made: dict       # (round, force or None) -> tests.helpers.Made: what each notebook made
    inputs: dict     # every file of the dataset (path relative to it -> bytes), as it was before the run


def input_bytes(data: Path) -> dict[str, bytes]:
    return {p.relative_to(data).as_posix(): p.read_bytes() for p in sorted(Path(data).rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def standin_run(standin_build):
    """(output folder, results) of the stand-in run of the tiny dataset (standin_build). Read only."""
    return standin_build.out, standin_build.results
