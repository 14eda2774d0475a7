import pandas as pd

from gapkit import paths
from gapkit.dataset import list_forces, list_rounds, load_round
from gapkit.forces import registry


def test_shipped_demo_is_fictional_and_complete():
    forces = registry(paths.DEMO_DIR / "forces.csv")
    demo = pd.read_csv(paths.DEMO_DIR / "forces.csv")
    assert len(demo) >= 12 and set(demo["kind"]) == {"fictional"}
    real = set(forces.loc[forces["kind"] != "fictional", "official_name"].str.lower())
    assert not real & set(demo["official_name"].str.lower())
    assert list_rounds(paths.DEMO_DIR) == ["2017", "2019"]
    for round_id in list_rounds(paths.DEMO_DIR):
        assert load_round(paths.DEMO_DIR, round_id).synthetic
        for force in list_forces(paths.DEMO_DIR, round_id):
            rdir = paths.round_dir(paths.DEMO_DIR, round_id)
            assert (rdir / "submissions" / f"{force}.xlsx").exists()
            assert any((rdir / "plans" / force).iterdir())


def test_demo_2017_spans_all_four_categories(catalogue, config):
    from gapkit.report import build_force_report

    categories = {build_force_report(f, "2017", paths.DEMO_DIR).scores.overall.set_index("framework")
                  .loc["hmicfrs-2017-plans", "category"] for f in list_forces(paths.DEMO_DIR, "2017")}
    assert categories == set(config.category_names())


def test_generator_makes_n_forces(tmp_path):
    from gapkit.demo import generate

    data = generate(tmp_path / "d", n_forces=20, with_plans=False)
    assert len(list_forces(data, "2017")) == 20
    assert "SYNTHETIC" in (data / "README.md").read_text()
