"""Fixtures shared by every test folder, hypothesis profiles, and the e2e marking of kernel tests.

Kernel tests (papermill, a real `gapkit run`, the `tiny_run` fixture) are marked `e2e`; `pytest -m "not e2e"` runs
everything else, with no Jupyter kernel. Under xdist (`pytest -n 2`) every test that uses `tiny_run` is in one
xdist group, so the real run is made once, by one worker (addopts has `--dist loadgroup`)."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports matplotlib

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

from tests.helpers import PINNED_CODE, in_process_executor, make_tiny_dataset  # noqa: E402

# HYPOTHESIS_PROFILE=thorough python -m pytest ...   for ten times the examples
hypothesis_settings.register_profile("ci", max_examples=20, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=200, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

E2E_DIR = Path(__file__).parent / "e2e"
KERNEL_FIXTURES = {"tiny_run"}
# Session or module fixtures that take seconds to build: every test that uses one runs on the same xdist worker, so
# that each is built once, not once per worker.
SHARED_BUILDS = {"tiny_run": "tiny_run", "standin_run": "inproc", "inproc_run": "inproc", "good_run": "faults"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e, and any test that uses the real run, is e2e; the users of each shared build
    (SHARED_BUILDS) share one xdist group, so that only one worker makes it."""
    for item in items:
        uses_run = bool(KERNEL_FIXTURES & set(getattr(item, "fixturenames", ())))
        if uses_run or E2E_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)
        group = next((SHARED_BUILDS[f] for f in getattr(item, "fixturenames", ()) if f in SHARED_BUILDS), None)
        if group and item.get_closest_marker("xdist_group") is None:
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


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    """The tiny dataset (tests.helpers.make_tiny_dataset), once per session (per xdist worker). Read only: a test
    that changes inputs copies it first."""
    return make_tiny_dataset(tmp_path_factory.mktemp("tiny") / "data")


@pytest.fixture(scope="session")
def tiny_run(tiny_data, tmp_path_factory):
    """One real end-to-end run of the tiny dataset (both rounds, a warm Jupyter kernel, board pack). Tests that use
    it are marked e2e automatically. Read only. One worker: the run then uses this process and its one warm kernel
    (the other xdist worker has tests of its own to run); pools of workers are tested in tests/run/test_faults.py."""
    from gapkit.run.runner import run

    out = tmp_path_factory.mktemp("run") / "reports"
    results = run(tiny_data, out_dir=out, workers=1, progress=False)
    return out, results


@pytest.fixture(scope="session")
def standin_run(tiny_data, tmp_path_factory):
    """A run of the tiny dataset (both rounds, no board pack) with the in-process stand-in executor: the same
    output files as a real run, without kernels; the code fingerprint is pinned (tests.helpers.PINNED_CODE).
    Read only: copy it to change it."""
    from gapkit.run import runner

    out = tmp_path_factory.mktemp("standin") / "reports"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "code_fingerprint", lambda *args, **kwargs: PINNED_CODE)
        results = runner.run(tiny_data, out_dir=out, workers=1, progress=False, pack=False,
                             executor=in_process_executor)
    return out, results
