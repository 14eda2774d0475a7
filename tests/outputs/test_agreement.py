"""One number, everywhere: every figure of a round read back from every output a person or a program reads, and
compared with the round model. Fully in process (tests/outputs/conftest.py writes the round's outputs without
kernels, the way a run lays them out), so it needs no e2e marker.

For every force and framework: score (to one decimal place), RAG, category, change, overdue items and gap points;
and the round's category counts; and each force's contradictions flagged. Where: the round model (read_model),
summary.csv (the round's and the force's), each force's HTML report, each force's workbook, the inspector's review
workbook, the board pack's workbook (Summary, Charts, Gaps, Contradictions, Trend sheets) and HTML, and the national
overview built from the run's output folder."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from gapkit.assess.assess import assess_force
from gapkit.catalogue.settings import default_config
from gapkit.forms.review_form import write_review
from gapkit.inputs.review import GENERATED_AFTER, REVIEW_SHEET
from gapkit.outputs import national
from gapkit.outputs.pack import DATA_COL
from gapkit.scoring import views
from gapkit.scoring.store import read_model

from .conftest import ROUNDS, html_rows, html_tables, text_of


def num(value) -> float | None:
    """A displayed number as a float; None where it is blank."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    value = float(value)
    return None if math.isnan(value) else value


def one_dp(value) -> float | None:
    value = num(value)
    return None if value is None else round(value, 1)


class Mismatches(list):
    def check(self, where: str, what: str, shown, expected) -> None:
        if shown != expected:
            self.append(f"{where}: {what} shows {shown!r}, the model has {expected!r}")


@pytest.fixture(scope="module", params=ROUNDS)
def round_outputs(request, inproc_run):
    rnd = request.param
    model = read_model(inproc_run.out / rnd)
    return inproc_run, rnd, model


def expected_rows(model) -> pd.DataFrame:
    ov = model.included().overall.copy()
    for col in ("score", "change"):  # None where blank (a float column would turn it into NaN)
        ov[f"{col}1"] = pd.Series([one_dp(v) for v in ov[col]], index=ov.index, dtype=object)
    return ov


def sheet_rows(ws, header_row: int = 1) -> list[dict]:
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:] if any(v is not None for v in r)]


def block(ws, first: str, second: str) -> dict:
    """A two-column block of the chart data on the pack's Charts sheet (its header, then rows until a blank)."""
    values = [(r[0], r[1]) for r in ws.iter_rows(min_col=DATA_COL, max_col=DATA_COL + 1, values_only=True)]
    start = values.index((first, second))
    out = {}
    for a, b in values[start + 1:]:
        if a is None:
            break
        out[str(a)] = b
    return out


def test_the_outputs_exist(round_outputs):
    run, rnd, model = round_outputs
    assert sorted(model.forces["force"]) == sorted(run.forces[rnd])
    assert (model.forces["status"] == "ok").all()
    for force in run.forces[rnd]:
        assert (run.out / rnd / force / f"{force}.html").exists()
        assert (run.out / rnd / force / f"{force}-{rnd}.xlsx").exists()
    assert set(run.packs[rnd]) == {".xlsx", ".html"}
    # the figures compared below are not all blank or zero
    assert model.overall["force_overdue_items"].gt(0).any() and model.requirements["gap_points"].gt(0).any()
    assert model.overall["change"].notna().any() == (rnd == "2019")


def test_round_model_is_the_forces_own_models(round_outputs):
    run, rnd, model = round_outputs
    for force in run.forces[rnd]:
        own = read_model(run.out / rnd / force)
        for name, frame in own.tables().items():
            mine = model.force(force).tables()[name]
            pd.testing.assert_frame_equal(frame.reset_index(drop=True), mine.reset_index(drop=True), obj=name)
        # and the in-memory model the report showed
        shown = run.reports[(rnd, force)].model
        pd.testing.assert_frame_equal(shown.overall.reset_index(drop=True), own.overall.reset_index(drop=True),
                                      check_dtype=False, obj="overall")


def test_summary_csv_files(round_outputs):
    run, rnd, model = round_outputs
    bad = Mismatches()
    exp = expected_rows(model).set_index(["force", "framework"])
    for path in [run.out / rnd / "summary.csv"] + [run.out / rnd / f / "summary.csv" for f in run.forces[rnd]]:
        csv = pd.read_csv(path, keep_default_na=False, na_values={"score": [""], "change": [""]},
                          dtype={"round": str})
        for r in csv.itertuples():
            e = exp.loc[(r.force, r.framework)]
            where = f"{path.relative_to(run.out)} {r.force} {r.framework}"
            bad.check(where, "score", one_dp(r.score), e["score1"])
            bad.check(where, "RAG", r.rag, e["rag"])
            bad.check(where, "category", r.category, e["category"])
            bad.check(where, "change", one_dp(r.change), e["change1"])
            bad.check(where, "overdue", int(r.overdue_items), int(e["overdue_items"]))
            bad.check(where, "force overdue", int(r.force_overdue_items), int(e["force_overdue_items"]))
            bad.check(where, "gap points", one_dp(r.gap_points), one_dp(e["gap_points"]))
    assert not bad, "\n".join(bad)


def test_force_html_reports(round_outputs):
    run, rnd, model = round_outputs
    bad = Mismatches()
    exp = expected_rows(model)
    for force in run.forces[rnd]:
        html = (run.out / rnd / force / f"{force}.html").read_text(encoding="utf-8")
        tables = html_tables(html)
        mine = exp[exp["force"] == force].set_index("framework_name")
        (headline,) = [t for t in tables if t and "Why this category" in t[0]]
        assert len(headline) == len(mine)
        for row in headline:
            e, where = mine.loc[row["Framework"]], f"{force}.html {row['Framework']}"
            bad.check(where, "score", one_dp(row["Score (0-100)"]), e["score1"])
            bad.check(where, "RAG", row["RAG"], e["rag"])
            bad.check(where, "category", row["Category"], e["category"])
            bad.check(where, "change", one_dp(row["Change"]), e["change1"])
            bad.check(where, "overdue", int(row["Overdue items"]), int(e["overdue_items"]))
            bad.check(where, "open", int(row["Open items"]), int(e["open_items"]))
        total = int(mine["force_overdue_items"].iloc[0])
        assert f"Overdue items, all frameworks: {total}." in text_of(html)
        (stats,) = [t for t in tables if t and "Open (not yet in place)" in t[0]]
        bad.check(f"{force}.html action plan health", "overdue", int(stats[0]["Overdue"]), total)
        # gap points: the gap table (focus framework) and the next steps (every open item)
        reqs = model.requirements[model.requirements["force"] == force]
        points = {(r.framework, r.requirement_id): one_dp(r.gap_points) for r in reqs.itertuples()}
        name_of = dict(zip(mine["framework"], mine.index))
        fid_of = {v: k for k, v in name_of.items()}
        focus = run.reports[(rnd, force)].round.focus
        (gap_rows,) = [t for t in tables if t and "Gap (points)" in t[0]]
        assert gap_rows
        for row in gap_rows:
            bad.check(f"{force}.html gaps {row['Ref']}", "gap points", one_dp(row["Gap (points)"]),
                      points[(focus, row["Ref"])])
        for t in tables:
            if t and "Points to gain" in t[0]:
                for row in t:
                    key = (fid_of[row["Framework"]], row["Ref"])
                    bad.check(f"{force}.html next steps {key}", "gap points", one_dp(row["Points to gain"]),
                              points[key])
    assert not bad, "\n".join(bad)


def test_force_workbooks(round_outputs):
    run, rnd, model = round_outputs
    bad = Mismatches()
    exp = expected_rows(model)
    for force in run.forces[rnd]:
        wb = load_workbook(run.out / rnd / force / f"{force}-{rnd}.xlsx")
        mine = exp[exp["force"] == force].set_index("framework_name")
        summary = sheet_rows(wb["Summary"], 5)
        assert len(summary) == len(mine)
        for row in summary:
            e, where = mine.loc[row["Framework"]], f"{force} workbook Summary {row['Framework']}"
            bad.check(where, "score", one_dp(row["Score"]), e["score1"])
            bad.check(where, "RAG", row["RAG"], e["rag"])
            bad.check(where, "category", row["Category"], e["category"])
            bad.check(where, "change", one_dp(row["Change"]), e["change1"])
            bad.check(where, "overdue", row["Overdue items"], int(e["overdue_items"]))
        reqs = model.requirements[model.requirements["force"] == force]
        points = {(r.framework, r.requirement_id): one_dp(r.gap_points) for r in reqs.itertuples()}
        overdue = {(r.framework, r.requirement_id): bool(r.overdue) for r in reqs.itertuples()}
        rows = sheet_rows(wb["Requirements"])
        assert len(rows) == len(points)
        for row in rows:
            key = (row["Framework"], row["Ref"])
            bad.check(f"{force} workbook Requirements {key}", "gap points", one_dp(row["Gap points"]), points[key])
            bad.check(f"{force} workbook Requirements {key}", "overdue", row["Overdue"] == "yes", overdue[key])
        for row in sheet_rows(wb["Gaps"]):
            key = (row["Framework"], row["Ref"])
            bad.check(f"{force} workbook Gaps {key}", "gap points", one_dp(row["Gap points"]), points[key])
        assert sum(overdue.values()) == int(mine["force_overdue_items"].iloc[0])
    assert not bad, "\n".join(bad)


def test_pack_workbook(round_outputs):
    run, rnd, model = round_outputs
    bad = Mismatches()
    exp = expected_rows(model)
    head = exp[exp["headline"]].set_index("force_name")
    wb = load_workbook(run.packs[rnd][".xlsx"])
    score_col = [c for c in sheet_rows(wb["Summary"])[0] if str(c).startswith("Score: ")]
    assert len(score_col) == 1
    summary = sheet_rows(wb["Summary"])
    assert sorted(r["Force"] for r in summary) == sorted(head.index)
    for row in summary:
        e, where = head.loc[row["Force"]], f"pack Summary {row['Force']}"
        bad.check(where, "score", one_dp(row[score_col[0]]), e["score1"])
        bad.check(where, "RAG", row["RAG"], e["rag"])
        bad.check(where, "category", row["Category"], e["category"])
        bad.check(where, "change", one_dp(row["Change"]), e["change1"])
        bad.check(where, "overdue", row["Overdue items (all frameworks)"], int(e["force_overdue_items"]))
        focus_themes = model.themes[(model.themes["force"] == e["force"]) &
                                    (model.themes["framework"] == run.reports[(rnd, e["force"])].round.focus)]
        for t in focus_themes.itertuples():
            bad.check(where, f"theme {t.theme_name}", one_dp(row[t.theme_name]), one_dp(t.score))
    charts = wb["Charts"]
    scores = block(charts, "Force", "Score")
    assert sorted(scores) == sorted(head.index)
    for name, value in scores.items():
        bad.check(f"pack Charts {name}", "score", one_dp(value), head.loc[name, "score1"])
    counts = views.category_counts(head.reset_index(), default_config())
    chart_counts = block(charts, "Category", "Forces")
    bad.check("pack Charts", "category counts", chart_counts, dict(zip(counts["category"], counts["forces"])))
    assert sum(chart_counts.values()) == len(head)
    means = block(charts, "Round", "Mean score")
    hist = model.history[model.history["framework"] == exp["framework"][exp["headline"]].iloc[0]]
    for r, value in means.items():
        bad.check(f"pack Charts round {r}", "mean score", one_dp(value),
                  one_dp(hist[hist["round"] == r]["score"].mean()))
    # gaps (top five per force) and trend
    points = {(r.force_name, r.framework, r.requirement_id): one_dp(r.gap_points)
              for r in model.requirements.itertuples()}
    gaps = sheet_rows(wb["Gaps"])
    assert gaps
    for row in gaps:
        key = (row["Force"], row["Framework"], row["Ref"])
        bad.check(f"pack Gaps {key}", "gap points", one_dp(row["Gap points"]), points[key])
    trend = sheet_rows(wb["Trend"])
    for row in trend:
        e = head.loc[row["Force"]]
        bad.check(f"pack Trend {row['Force']}", f"score {rnd}", one_dp(row[rnd]), e["score1"])
        change = [c for c in row if str(c).startswith("Change since")]
        if change:
            bad.check(f"pack Trend {row['Force']}", "change", one_dp(row[change[0]]), e["change1"])
    assert not bad, "\n".join(bad)


def test_pack_html(round_outputs):
    run, rnd, model = round_outputs
    bad = Mismatches()
    exp = expected_rows(model)
    head = exp[exp["headline"]].set_index("force_name")
    html = run.packs[rnd][".html"].read_text(encoding="utf-8")
    tables = html_tables(html)
    (summary,) = [t for t in tables if t and "RAG" in t[0] and "Force" in t[0]]
    score_col = [c for c in summary[0] if c.startswith("Score: ")][0]
    assert sorted(r["Force"] for r in summary) == sorted(head.index)
    for row in summary:
        e, where = head.loc[row["Force"]], f"pack HTML summary {row['Force']}"
        bad.check(where, "score", one_dp(row[score_col]), e["score1"])
        bad.check(where, "RAG", row["RAG"], e["rag"])
        bad.check(where, "category", row["Category"], e["category"])
        bad.check(where, "change", one_dp(row["Change"]), e["change1"])
        bad.check(where, "overdue", int(row["Overdue items (all frameworks)"]), int(e["force_overdue_items"]))
    counts = views.category_counts(head.reset_index(), default_config())
    expected_counts = dict(zip(counts["category"], counts["forces"]))
    (cat_table,) = [t for t in tables if t and list(t[0]) == ["Category", "Forces"]]
    bad.check("pack HTML categories", "counts", {r["Category"]: int(r["Forces"]) for r in cat_table}, expected_counts)
    key = {row[0]: row[1] for row in html_rows(html)[0]}  # the key figures
    bad.check("pack HTML key figures", "forces scored", int(key["Forces scored"]), len(head))
    for cat, n in expected_counts.items():
        bad.check("pack HTML key figures", cat, int(key[cat.capitalize()]), n)
    bad.check("pack HTML key figures", "overdue", int(key["Overdue items (all frameworks)"]),
              int(head["force_overdue_items"].sum()))
    bad.check("pack HTML key figures", "mean score", one_dp(key["Mean overall score (0-100)"]),
              one_dp(head["score"].mean()))
    points = {(r.force_name, f"{r.framework}:{r.requirement_id}"): one_dp(r.gap_points)
              for r in model.requirements.itertuples()}
    gap_rows = [r for t in tables if t and "Gap points" in t[0] for r in t]
    assert gap_rows
    for row in gap_rows:
        bad.check(f"pack HTML gaps {row['Force']} {row['Ref']}", "gap points", one_dp(row["Gap points"]),
                  points[(row["Force"], row["Ref"])])
    for t in tables:
        if t and list(t[0]) == ["Force", "Overdue", "Due within 90 days"]:
            for row in t:
                bad.check(f"pack HTML actions {row['Force']}", "overdue", int(row["Overdue"]),
                          int(head.loc[row["Force"], "force_overdue_items"]))
    assert not bad, "\n".join(bad)


def test_national_overview_from_the_run(round_outputs):
    run, rnd, model = round_outputs
    bad = Mismatches()
    exp = expected_rows(model)
    head = exp[exp["headline"]].set_index("force_name")
    ov = national.build_overview(rnd, run.data, out_dir=run.out)
    league = html_tables(national.league_table(ov)._repr_html_())[0]
    assert sorted(r["Force"] for r in league) == sorted(head.index)
    for row in league:
        e, where = head.loc[row["Force"]], f"national league {row['Force']}"
        bad.check(where, "score", one_dp(row["Score"]), e["score1"])
        bad.check(where, "RAG", row["RAG"], e["rag"])
        bad.check(where, "category", row["Category"], e["category"])
        bad.check(where, "overdue", int(row["Overdue items (all frameworks)"]), int(e["force_overdue_items"]))
    counts = views.category_counts(head.reset_index(), default_config())
    shown = html_tables(national.categories(ov)._repr_html_())[0]
    bad.check("national categories", "counts", {r["Category"]: int(r["Forces"]) for r in shown},
              dict(zip(counts["category"], counts["forces"])))
    assert not bad, "\n".join(bad)


def test_every_output_agrees_on_each_forces_headline_figures(round_outputs):
    """The same five figures of each force, gathered from every output side by side (one compact overview)."""
    run, rnd, model = round_outputs
    exp = expected_rows(model)
    head = exp[exp["headline"]].set_index("force")
    pack = {r["Force"]: r for r in sheet_rows(load_workbook(run.packs[rnd][".xlsx"])["Summary"])}
    pack_html = {r["Force"]: r for t in html_tables(run.packs[rnd][".html"].read_text(encoding="utf-8"))
                 if t and "RAG" in t[0] and "Force" in t[0] for r in t}
    csv = pd.read_csv(run.out / rnd / "summary.csv", dtype={"round": str}).query("headline")
    csv = csv.set_index("force")
    for force, e in head.iterrows():
        name = e["force_name"]
        report_rows = [r for t in html_tables((run.out / rnd / force / f"{force}.html").read_text(encoding="utf-8"))
                       if t and "Why this category" in t[0] for r in t]
        report = next(r for r in report_rows if r["Framework"] == e["framework_name"])
        report_text = text_of((run.out / rnd / force / f"{force}.html").read_text(encoding="utf-8"))
        report_overdue = int(re.search(r"Overdue items, all frameworks: (\d+)\.", report_text).group(1))
        books = sheet_rows(load_workbook(run.out / rnd / force / f"{force}-{rnd}.xlsx")["Summary"], 5)
        book = next(r for r in books if r["Framework"] == e["framework_name"])
        book_overdue = sum(r["Overdue items"] for r in books)  # per framework there; the force's is their sum
        score_col = next(c for c in pack[name] if str(c).startswith("Score: "))
        seen = {
            "model": (e["score1"], e["rag"], e["category"], e["change1"], int(e["force_overdue_items"])),
            "summary.csv": (one_dp(csv.loc[force, "score"]), csv.loc[force, "rag"], csv.loc[force, "category"],
                            one_dp(csv.loc[force, "change"]), int(csv.loc[force, "force_overdue_items"])),
            "force HTML": (one_dp(report["Score (0-100)"]), report["RAG"], report["Category"],
                           one_dp(report["Change"]), report_overdue),
            "force workbook": (one_dp(book["Score"]), book["RAG"], book["Category"], one_dp(book["Change"]),
                               book_overdue),
            "pack workbook": (one_dp(pack[name][score_col]), pack[name]["RAG"], pack[name]["Category"],
                              one_dp(pack[name]["Change"]), pack[name]["Overdue items (all frameworks)"]),
            "pack HTML": (one_dp(pack_html[name][score_col]), pack_html[name]["RAG"], pack_html[name]["Category"],
                          one_dp(pack_html[name]["Change"]), int(pack_html[name]["Overdue items (all frameworks)"])),
        }
        assert len(set(seen.values())) == 1, (force, seen)


def review_flags(run, rnd: str, force: str, folder) -> int:
    """The contradiction flags in the force's review workbook, written as `gapkit review` writes it."""
    rep = run.reports[(rnd, force)]
    assessed = assess_force(rep.ctx, force)
    target = write_review(folder / f"{force}.xlsx", rep.force, rnd, assessed.force_reported, assessed.suggestions,
                          catalogue=rep.ctx.catalogue, settings=rep.ctx.settings, framework_ids=rep.ctx.frameworks,
                          marking=rep.round.marking, synthetic=rep.round.synthetic)
    rows = sheet_rows(load_workbook(target)[REVIEW_SHEET])
    return sum(1 for r in rows if r[GENERATED_AFTER[0][0]])


def test_every_output_agrees_on_each_forces_contradictions(round_outputs, tmp_path):
    """Each force's contradictions flagged (views.contradictions): the same count in the model, the force report
    (headline and its own section), the force workbook, the inspector's review workbook and the board pack."""
    run, rnd, model = round_outputs
    head = model.included().overall.query("headline").set_index("force")
    pack = {r["Force"]: r for r in sheet_rows(load_workbook(run.packs[rnd][".xlsx"])["Summary"])}
    pack_list = sheet_rows(load_workbook(run.packs[rnd][".xlsx"])["Contradictions"])
    pack_html = run.packs[rnd][".html"].read_text(encoding="utf-8")
    html_summary = {r["Force"]: r for t in html_tables(pack_html) if t and "RAG" in t[0] and "Force" in t[0]
                    for r in t}
    html_counts = {r["Force"]: int(r["Contradictions (all frameworks)"]) for t in html_tables(pack_html)
                   if t and list(t[0]) == ["Force", "Contradictions (all frameworks)"] for r in t}
    key = {row[0]: row[1] for row in html_rows(pack_html)[0]}
    seen_any = 0
    for force, e in head.iterrows():
        name = e["force_name"]
        expected = int(e["force_contradictions"])
        seen_any += expected
        html = (run.out / rnd / force / f"{force}.html").read_text(encoding="utf-8")
        report_text = text_of(html)
        headline = [r for t in html_tables(html) if t and "Why this category" in t[0] for r in t]
        listed = [r for t in html_tables(html) if t and "Why flagged" in t[0] for r in t]
        book = load_workbook(run.out / rnd / force / f"{force}-{rnd}.xlsx")
        book_summary = sheet_rows(book["Summary"], 5)
        seen = {
            "model requirements": int(model.requirements.query("force == @force")["contradiction"].sum()),
            "force HTML headline": int(re.search(r"Contradictions flagged, all frameworks: (\d+)\.",
                                                 report_text).group(1)),
            "force HTML headline table": sum(int(r["Contradictions"]) for r in headline),
            "force HTML section": len(listed),
            "force workbook Summary": int(re.search(r"all frameworks: (\d+)", book["Summary"]["A4"].value).group(1)),
            "force workbook Summary table": sum(r["Contradictions"] for r in book_summary),
            "force workbook Requirements": sum(1 for r in sheet_rows(book["Requirements"]) if r["Contradiction"]),
            "review workbook": review_flags(run, rnd, force, tmp_path),
            "pack workbook Summary": pack[name]["Contradictions (all frameworks)"],
            "pack workbook Contradictions": sum(1 for r in pack_list if r["Force"] == name),
            "pack HTML summary": int(html_summary[name]["Contradictions (all frameworks)"]),
            "pack HTML per force": html_counts.get(name, 0),
        }
        assert set(seen.values()) == {expected}, (force, expected, seen)
    assert int(key["Contradictions flagged (all frameworks)"]) == seen_any == len(pack_list)
    assert seen_any > 0  # not vacuous: the tiny dataset has contradictions in both rounds
