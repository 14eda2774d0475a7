"""A change of framework version between two rounds is shown wherever the rounds are compared (docs/methodology.md,
section 7): the force report (headline and change since the previous round), the board pack (Trend sheet and
section, xlsx and html), the national overview's trend and the workbooks' Method sheets. Made in this process: the
previous round's model is written as a run writes it, with another version of the NPCC strategy, and the next
round's model reads it from there (gapkit.scoring.compute), as a run does."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from gapkit.assess.assess import ForceAssessment
from gapkit.assess.table import empty_assessment, make_assessment
from gapkit.catalogue.frameworks import Catalogue, Crosswalk
from gapkit.inputs.context import RoundContext
from gapkit.outputs import force_report as report
from gapkit.outputs import national
from gapkit.outputs.pack import build_pack
from gapkit.run.runner import collect
from gapkit.scoring import views
from gapkit.scoring.compute import force_model
from gapkit.scoring.model import build_model
from gapkit.scoring.store import read_model, write_model
from tests.scoring.conftest import SYNTHETIC_FW, context_for, synthetic_framework

from .conftest import FORCE_SECTIONS, html_tables, text_of
from .test_attention import FORCE, GOOD, OTHER, P3_GOOD, sheet_rows, write_dataset

CHANGED = "npcc-apsp-2017"
BEFORE, NOW = "2016.9", "2017.1"
NOTE = (f"The NPCC APSP strategy (2017) framework changed from version {BEFORE} to {NOW} between 2017 and 2019; "
        "part of the change may come from the framework.")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Round 2017's models written with NPCC strategy version 2016.9; round 2019's reports, pack and overview."""
    root = tmp_path_factory.mktemp("fwchange")
    data = write_dataset(root / "data", {"2017": {FORCE: GOOD, OTHER: GOOD + [P3_GOOD]},
                                         "2019": {FORCE: GOOD + [P3_GOOD], OTHER: GOOD + [P3_GOOD]}})
    out = root / "reports"
    before = RoundContext.load(data, "2017")
    for force in (FORCE, OTHER):
        model = force_model(before, force)
        for table in (model.overall, model.requirements):
            table.loc[table["framework"] == CHANGED, "framework_version"] = BEFORE
        write_model(model, out / "2017" / force)
    collect(out / "2017", [{"force": f, "status": "ok"} for f in (FORCE, OTHER)])
    ctx = RoundContext.load(data, "2019")
    reports = {}
    for force in (FORCE, OTHER):
        folder = out / "2019" / force
        write_model(force_model(ctx, force, out), folder)  # the previous round read from its outputs
        rep = report.build_force_report(force, "2019", data, out_dir=folder, model_dir=folder)
        reports[force] = (rep, {name: getattr(report, name)(rep) for name in FORCE_SECTIONS})
    collect(out / "2019", [{"force": f, "status": "ok"} for f in (FORCE, OTHER)])
    pack = {p.suffix: p for p in build_pack(out, "2019", data, pdf=False)}
    overview = national.build_overview("2019", data, out)
    return data, out, reports, pack, overview


def test_the_model_records_the_version_the_previous_round_was_scored_with(made):
    _, out, _, _, _ = made
    model = read_model(out / "2019")
    versions = model.overall.set_index(["force", "framework"])["previous_framework_version"]
    assert set(versions.xs(CHANGED, level="framework")) == {BEFORE}
    assert set(versions.drop(CHANGED, level="framework")) == {"2017.1"}
    changes = views.framework_changes(model.overall)
    assert list(changes["note"]) == [NOTE]  # once for the round, however many forces
    assert model.overall["change"].notna().all()  # the change itself is still shown


def test_force_report_says_so_where_change_is_shown(made):
    _, _, reports, _, _ = made
    for force in (FORCE, OTHER):
        rep, panels = reports[force]
        assert rep.framework_changes == [NOTE]
        for name in ("headline", "change_since_previous"):
            assert NOTE in text_of(panels[name]._repr_html_()), (force, name)
        assert "class='gapkit-warning'" in panels["headline"]._repr_html_()


def test_force_workbook_method_says_so(made):
    _, out, _, _, _ = made
    wb = load_workbook(out / "2019" / FORCE / f"{FORCE}-2019.xlsx")
    method = {r["Item"]: r["Value"] for r in sheet_rows(wb["Method"])}
    assert method[f"Framework change {CHANGED}"] == NOTE


def test_pack_trend_says_so_in_the_workbook_and_the_html(made):
    _, _, _, pack, _ = made
    wb = load_workbook(pack[".xlsx"])
    trend = [c for row in wb["Trend"].iter_rows(values_only=True) for c in row if c]
    assert NOTE in trend
    method = {r["Item"]: r["Value"] for r in sheet_rows(wb["Method"])}
    assert method[f"Framework change {CHANGED}"] == NOTE
    html = pack[".html"].read_text(encoding="utf-8")
    trend_html = html[html.index('<section id="trend">'):]
    trend_html = trend_html[:trend_html.index("</section>")]
    assert NOTE in text_of(trend_html)


def test_national_overview_trend_says_so(made):
    *_, overview = made
    html = national.trend(overview)._repr_html_()
    assert NOTE in text_of(html)
    assert html_tables(html)[0]  # beside the trend's table


def test_no_note_where_the_version_is_the_same(made):
    data, _, _, _, _ = made
    ctx = RoundContext.load(data, "2019")
    model = force_model(ctx, FORCE)  # the previous round computed from its inputs: today's versions
    assert (model.overall["previous_framework_version"] == model.overall["framework_version"]).all()
    assert views.framework_changes(model.overall).empty
    rep = report.ForceReport(ctx, report.lookup(FORCE, ctx.forces), model, None)
    assert "part of the change may come from the framework" not in text_of(report.headline(rep)._repr_html_())
    assert "part of the change may come from the framework" not in \
        text_of(report.change_since_previous(rep)._repr_html_())


def _model(framework_version: str, round_id: str, previous=None, previous_round=None):
    fw = synthetic_framework([1, 1]).model_copy(update={"version": framework_version})
    cat = Catalogue(frameworks={SYNTHETIC_FW: fw}, crosswalk=Crosswalk(version="none", mappings=[]))
    ctx = context_for(cat, [SYNTHETIC_FW], round_id=round_id, previous_round=previous_round)
    assessment = make_assessment("f", round_id, SYNTHETIC_FW, {"R1": 3, "R2": 1})
    assessed = ForceAssessment("f", round_id, assessment, empty_assessment(), empty_assessment(), pd.DataFrame())
    return build_model(ctx, assessed, previous)


def test_a_previous_round_model_with_another_version_gives_the_note():
    before = _model("test.1", "r0")
    now = _model("test.2", "r1", before, "r0")
    assert now.overall["previous_framework_version"].tolist() == ["test.1"]
    assert list(views.framework_changes(now.overall)["note"]) == [
        ("The Synthetic framework changed from version test.1 to test.2 between r0 and r1; part of the change may "
         "come from the framework.")]
    same = _model("test.1", "r1", before, "r0")
    assert views.framework_changes(same.overall).empty
    first = _model("test.1", "r0")
    assert first.overall["previous_framework_version"].tolist() == [""]
    assert views.framework_changes(first.overall).empty
