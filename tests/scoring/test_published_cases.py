"""The published 2017 outcomes, reproduced by the scoring rule.

Sources: HMICFRS news release of 5 Oct 2017 ("Insufficient progress on police force plans to tackle the abuse of
position for a sexual purpose") for Derbyshire and Merseyside; the regional press report of 9 Oct 2017 on HMICFRS's
findings for West Yorkshire (see shared/domain/apsp-facts.md)."""

from pathlib import Path

import pandas as pd
import pytest

from gapkit.assess.table import normalise
from gapkit.scoring.rule import score

FIXTURE = Path(__file__).parents[1] / "fixtures" / "published-2017.csv"


@pytest.fixture(scope="module")
def scores(catalogue, config):
    raw = pd.read_csv(FIXTURE, dtype={"round": str}).drop(columns="source").assign(level_source="inspector")
    return score(normalise(raw), catalogue, config, as_of="2017-10-05", framework_ids=["hmicfrs-2017-plans"])


def test_west_yorkshire_insufficient_information(scores):
    row = scores.overall.set_index("force").loc["west-yorkshire"]
    assert row["category"] == "insufficient information"


def test_west_yorkshire_gaps_exactly_ccu_review_and_it_monitoring(scores):
    reqs = scores.requirements[scores.requirements["force"] == "west-yorkshire"]
    assert sorted(reqs.loc[reqs["gap"] > 0, "requirement_id"]) == ["P1", "P2"]


@pytest.mark.parametrize("force", ["derbyshire", "merseyside"])
def test_all_elements_in_place(scores, force):
    row = scores.overall.set_index("force").loc[force]
    assert row["category"] == "all elements in place"
    assert row["score"] == 100
    reqs = scores.requirements[scores.requirements["force"] == force]
    assert (reqs["gap"] == 0).all()


def test_2017_distribution_shape(catalogue, config):
    """11 / 15 / 15 / 2 forces in the four categories: one synthetic force per pattern gives each category."""
    patterns = {"a": (0, 1, 1), "b": (1, 1, 1), "c": (1, 2, 1), "d": (3, 3, 3)}
    rows = [{"force": f, "round": "2017", "framework": "hmicfrs-2017-plans", "requirement_id": f"P{i + 1}",
             "level": lv, "level_source": "inspector"} for f, lvls in patterns.items() for i, lv in enumerate(lvls)]
    overall = score(normalise(pd.DataFrame(rows)), catalogue, config, framework_ids=["hmicfrs-2017-plans"]).overall
    assert list(overall.sort_values("force")["category"]) == [
        "insufficient information", "plan, not started", "plan, started", "all elements in place"]
