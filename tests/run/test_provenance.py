"""Fingerprints decide which forces a run can skip: they must change when the code, the notebooks, the frameworks,
the settings or a force's inputs change, and only then."""

import shutil
from pathlib import Path

import pytest

from gapkit.core import paths
from gapkit.inputs.context import RoundContext
from gapkit.run.provenance import PACKAGE_DIR, code_fingerprint, force_fingerprint


@pytest.fixture
def trees(tmp_path):
    """Copies of the package, the notebooks and the data the code fingerprint reads."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    package = Path(shutil.copytree(PACKAGE_DIR, tmp_path / "gapkit", ignore=ignore))
    notebooks = Path(shutil.copytree(paths.NOTEBOOKS_DIR, tmp_path / "notebooks", ignore=ignore))
    data = tmp_path / "data"
    for sub in ("frameworks", "config"):
        shutil.copytree(paths.DATA_DIR / sub, data / sub)
    (data / "reference").mkdir()
    shutil.copy(paths.FORCES_CSV, data / "reference" / "forces.csv")
    (data / "demo").mkdir()
    (data / "demo" / "README.md").write_text("a dataset, not code\n")
    return {"package_dir": package, "notebooks_dir": notebooks, "data_dir": data}


def _one(folder: Path, pattern: str) -> Path:
    return sorted(folder.rglob(pattern))[0]


CODE_FILES = {
    "python module": lambda t: t["package_dir"] / "scoring" / "rule.py",
    "html template": lambda t: _one(t["package_dir"], "*.j2"),
    "notebook": lambda t: _one(t["notebooks_dir"], "*.ipynb"),
    "framework": lambda t: t["data_dir"] / "frameworks" / "npcc-apsp-2017.yaml",
    "crosswalk": lambda t: t["data_dir"] / "frameworks" / "crosswalk.yaml",
    "scoring settings": lambda t: t["data_dir"] / "config" / "scoring.yaml",
    "force registry": lambda t: t["data_dir"] / "reference" / "forces.csv",
}


def test_code_fingerprint_is_stable(trees):
    first = code_fingerprint(**trees)
    assert len(first) == 64 and code_fingerprint(**trees) == first


@pytest.mark.parametrize("what", CODE_FILES)
def test_code_fingerprint_follows_every_file_it_covers(trees, what):
    before = code_fingerprint(**trees)
    path = CODE_FILES[what](trees)
    original = path.read_bytes()
    path.write_bytes(original + b"\n")
    assert code_fingerprint(**trees) != before, what
    path.write_bytes(original)
    assert code_fingerprint(**trees) == before, what  # content, not modification time


def test_code_fingerprint_ignores_what_is_not_code(trees):
    before = code_fingerprint(**trees)
    cache = trees["package_dir"] / "scoring" / "__pycache__"
    cache.mkdir()
    (cache / "rule.cpython-311.pyc").write_bytes(b"compiled")
    (trees["package_dir"] / "notes.txt").write_text("not code")
    (trees["data_dir"] / "demo" / "README.md").write_text("another dataset\n")
    assert code_fingerprint(**trees) == before


def test_a_new_module_changes_the_code_fingerprint(trees):
    before = code_fingerprint(**trees)
    (trees["package_dir"] / "core" / "extra.py").write_text("X = 1\n")
    assert code_fingerprint(**trees) != before


def test_force_fingerprint_follows_the_force_its_previous_round_and_the_code(tiny_data, tmp_path):
    data = Path(shutil.copytree(tiny_data, tmp_path / "data"))

    def prints(code="code"):
        return {(r, f): force_fingerprint(RoundContext.load(data, r), f, code)[0]
                for r in ("2017", "2019") for f in ("northmoor", "ashdown-weald")}

    before = prints()
    assert prints() == before
    assert all(before[k] != v for k, v in prints("other code").items())
    plan_dir = data / "rounds" / "2017" / "plans" / "ashdown-weald"
    (plan_dir / "extra.md").write_text("We will review the CCU next year.\n")
    after = prints()
    changed = {k for k in before if after[k] != before[k]}
    assert changed == {("2017", "ashdown-weald"), ("2019", "ashdown-weald")}  # 2019 compares with 2017
    _, hashes = force_fingerprint(RoundContext.load(data, "2017"), "ashdown-weald", "code")
    assert any(k.endswith("plans/ashdown-weald/extra.md") for k in hashes)
    assert all(len(v) == 64 for v in hashes.values())
