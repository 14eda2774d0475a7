"""The synthetic demo dataset: fictional, complete, and spanning the four 2017 categories."""

import pandas as pd

from gapkit.assess.assess import assess_force
from gapkit.assess.table import normalise
from gapkit.catalogue.forces import registry
from gapkit.core import paths
from gapkit.demo.generate import generate
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import list_forces, list_rounds, load_round
from gapkit.scoring.model import build_model
from gapkit.scoring.rule import score


def test_shipped_demo_is_fictional_and_complete(catalogue):
    forces = registry(paths.DEMO_DIR / "forces.csv")
    demo = pd.read_csv(paths.DEMO_DIR / "forces.csv")
    assert len(demo) >= 12 and set(demo["kind"]) == {"fictional"}
    real = set(forces.loc[forces["kind"] != "fictional", "official_name"].str.lower())
    assert not real & set(demo["official_name"].str.lower())
    assert list_rounds(paths.DEMO_DIR) == ["2017", "2019"]
    for round_id in list_rounds(paths.DEMO_DIR):
        rcfg = load_round(paths.DEMO_DIR, round_id, catalogue)
        assert rcfg.synthetic
        assert rcfg.focus == rcfg.focus_framework == "npcc-apsp-2017" and rcfg.focus in rcfg.frameworks
        assert set(list_forces(paths.DEMO_DIR, round_id)) == set(demo["force_id"])
        for force in list_forces(paths.DEMO_DIR, round_id):
            rdir = paths.round_dir(paths.DEMO_DIR, round_id)
            assert (rdir / "submissions" / f"{force}.xlsx").exists()
            assert any((rdir / "plans" / force).iterdir())


def headline_category(ctx, assessed) -> str:
    """The force's category on the round's headline framework: the scoring rule on its assessment, called as
    build_model calls it (the rest of the model is not needed for the category)."""
    rcfg = ctx.round
    population = pd.DataFrame({"force": [assessed.force], "round": [str(rcfg.round)]})
    overall = score(normalise(assessed.assessment), ctx.catalogue, ctx.settings, as_of=rcfg.as_of,
                    framework_ids=rcfg.frameworks, grouping=rcfg.grouping, population=population).overall
    return overall.loc[overall["framework"] == rcfg.headline_framework, "category"].iloc[0]


def test_demo_2017_spans_all_four_categories(config):
    ctx = RoundContext.load(paths.DEMO_DIR, "2017")
    categories = {}
    for force in list_forces(paths.DEMO_DIR, "2017"):
        assessed = assess_force(ctx, force)
        categories[force] = headline_category(ctx, assessed)
    assert ctx.round.headline_framework == "hmicfrs-2017-plans"
    assert set(categories.values()) == set(config.category_names())
    # and the model of a force (the last one; build_model, as a run makes it) shows that category on its headline
    overall = build_model(ctx, assessed).overall
    assert overall.loc[overall["headline"], "category"].iloc[0] == categories[force]


def test_generator_makes_n_forces(tmp_path, catalogue):
    n = len(pd.read_csv(paths.DEMO_DIR / "forces.csv")) + 2  # more forces than the demo has names for
    data = generate(tmp_path / "d", n_forces=n, with_plans=False)
    assert len(list_forces(data, "2017")) == n
    assert "SYNTHETIC" in (data / "README.md").read_text()
    assert all(load_round(data, r, catalogue).synthetic for r in list_rounds(data))
