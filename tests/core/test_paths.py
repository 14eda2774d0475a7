"""Round and force ids become folder and file names: they are checked, and paths built from them stay inside."""

import csv

import pytest

from gapkit.core import paths
from gapkit.core.errors import GapkitError


@pytest.mark.parametrize("value", ["2017", "2019", "west-yorkshire", "devon-and-cornwall", "btp", "2019-q1"])
def test_valid_ids(value):
    assert paths.is_id(value)


@pytest.mark.parametrize("value", ["../escape", "..", ".", "", "a/b", "a\\b", "West Yorkshire", "-rf", "2019\n",
                                   "x" * 65, None, 2019, "é", "a_b", "/etc"])
def test_invalid_ids(value):
    assert not paths.is_id(value)
    with pytest.raises(GapkitError) as exc:
        paths.check_id(value, "round", "round.yaml", "line 1")
    assert "not a valid round id" in str(exc.value) and "Fix:" in str(exc.value)


def test_every_shipped_force_and_round_id_is_valid():
    for registry in (paths.FORCES_CSV, paths.DEMO_DIR / "forces.csv"):
        with registry.open(encoding="utf-8") as fh:
            assert all(paths.is_id(row["force_id"]) for row in csv.DictReader(fh))
    assert all(paths.is_id(p.name) for p in (paths.DEMO_DIR / "rounds").iterdir())


def test_inside(tmp_path):
    base = tmp_path / "data"
    (base / "rounds").mkdir(parents=True)
    assert paths.inside(base, base) and paths.inside(base, base / "rounds" / "x")
    assert not paths.inside(base, base / "rounds" / ".." / ".." / "out")
    (base / "rounds" / "2019").symlink_to(tmp_path)
    assert not paths.inside(base, base / "rounds" / "2019")


def test_round_dir_refuses_bad_ids_and_links_out(tmp_path):
    data = tmp_path / "data"
    (data / "rounds").mkdir(parents=True)
    with pytest.raises(GapkitError, match="not a valid round id"):
        paths.round_dir(data, "../escape")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (data / "rounds" / "2019").symlink_to(outside)
    with pytest.raises(GapkitError, match="leads outside"):
        paths.round_dir(data, "2019")
    assert paths.round_dir(data, "2017") == data / "rounds" / "2017"
