"""Every section of the force report and the national overview, called in this process (no kernel) on a small
synthetic dataset, checked for what a person reads; and the force workbook and the board pack made from a run's
model written without kernels (tests/outputs/conftest.py)."""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
import pytest
from matplotlib.figure import Figure
from openpyxl import load_workbook

from gapkit.outputs import force_report as report
from gapkit.outputs import national
from gapkit.outputs.display import SYNTHETIC_BANNER, Note, Panel, table_html
from gapkit.scoring import views
from gapkit.scoring.files import FILES
from gapkit.scoring.store import read_model

from .conftest import FORCE_SECTIONS, NATIONAL_SECTIONS, ROUNDS, html_tables, text_of

# ---- reading what a person sees --------------------------------------------------------------------------------

def frames(panel: Panel) -> list[pd.DataFrame]:
    return [i for i in panel.items if isinstance(i, pd.DataFrame)]


def notes(panel: Panel) -> list[str]:
    return [i.text for i in panel.items if isinstance(i, Note)]


def figures(panel: Panel) -> list[Figure]:
    return [i if isinstance(i, Figure) else i.figure for i in panel.items
            if isinstance(i, Figure) or isinstance(getattr(i, "figure", None), Figure)]


def ticks(fig: Figure, axis: str = "y") -> list[str]:
    """Tick labels as read from the top (y) or from the left (x)."""
    ax = fig.axes[0]
    labels = [t.get_text() for t in (ax.get_yticklabels() if axis == "y" else ax.get_xticklabels())]
    return labels[::-1] if axis == "y" else labels


def one(frame_list: list[pd.DataFrame], column: str) -> pd.DataFrame:
    found = [f for f in frame_list if column in f.columns]
    assert len(found) == 1, [list(f.columns) for f in frame_list]
    return found[0]


CASES = [(rnd, force) for rnd in ROUNDS for force in ("northmoor", "kestrel-vale", "ashdown-weald")]
LITERALS = {"nan": r"\bnan\b", "NaT": r"\bNaT\b", "None": r"\bNone\b", "backslash-n": r"\\n"}


@pytest.fixture(scope="module")
def run(inproc_run):
    assert sorted(inproc_run.forces["2017"]) == sorted(f for r, f in CASES if r == "2017")
    return inproc_run


# ---- every force section -----------------------------------------------------------------------------------------

def test_the_notebook_sections_are_the_report_functions():
    assert FORCE_SECTIONS[:3] == ["headline", "theme_scores", "gap_table"] and "write_outputs" in FORCE_SECTIONS
    for name in FORCE_SECTIONS:
        assert callable(getattr(report, name))
    for name in NATIONAL_SECTIONS:
        assert callable(getattr(national, name))


@pytest.mark.parametrize("rnd,force", CASES)
def test_every_section_renders_html(run, rnd, force):
    for name, panel in run.panels[(rnd, force)].items():
        html = panel._repr_html_()
        assert html.startswith("<section") and html.rstrip().endswith("</section>"), name
        assert panel.title and panel.items, name


@pytest.mark.parametrize("rnd,force", CASES)
def test_headline_names_force_round_category_reason_and_rag(run, rnd, force):
    rep, panel = run.reports[(rnd, force)], run.panels[(rnd, force)]["headline"]
    text = text_of(panel._repr_html_())
    assert rep.force["official_name"] in text and rep.round.title in text and rnd in rep.round.title
    assert SYNTHETIC_BANNER in text  # the demo data is synthetic
    table = one(frames(panel), "Why this category")
    rows = html_tables(panel._repr_html_())[0]
    model = rep.model.overall.set_index("framework_name")
    assert len(rows) == len(table) == len(rep.round.frameworks)
    assert rows[0]["Framework"] == rep.framework_name(rep.round.headline_framework)  # the headline first
    for row in rows:
        m = model.loc[row["Framework"]]
        assert row["Category"] == m["category"]
        assert row["Why this category"] == m["category_reason"] and row["Why this category"].startswith(m["category"])
        assert row["RAG"] == m["rag"] and row["RAG"] in {"red", "amber", "green"}
        assert float(row["Score (0-100)"]) == round(m["score"], 1)
        assert int(row["Overdue items"]) == m["overdue_items"] and int(row["Open items"]) == m["open_items"]
    for rag in set(model["rag"]) & {"red", "amber", "green"}:  # in colour, with the word
        assert f"<span class='rag rag-{rag}'>{rag}</span>" in panel._repr_html_()
    total = int(rep.model.overall["force_overdue_items"].iloc[0])
    assert f"Overdue items, all frameworks: {total}." in text
    assert f"Change is against round {rep.round.previous or '(none)'}" in text


@pytest.mark.parametrize("rnd,force", CASES)
def test_theme_scores_show_every_theme(run, rnd, force):
    rep, panel = run.reports[(rnd, force)], run.panels[(rnd, force)]["theme_scores"]
    table = one(frames(panel), "Theme")
    assert len(table) == len(rep.model.themes)
    assert list(table["Score"]) == list(rep.model.themes["score"].round(1))
    focus_name = rep.framework_name(rep.round.focus)
    charts = figures(panel)
    assert len(charts) == 1 and focus_name in " ".join(charts[0].axes[0].get_title().split())
    bar_themes = ticks(charts[0])
    focus_themes = rep.model.themes[rep.model.themes["framework"] == rep.round.focus]
    assert sorted(t.replace("\n", " ") for t in bar_themes) == sorted(focus_themes["theme_name"])


@pytest.mark.parametrize("rnd,force", CASES)
def test_gap_chart_and_table_show_the_same_focus_requirements(run, rnd, force):
    rep, panel = run.reports[(rnd, force)], run.panels[(rnd, force)]["gap_table"]
    focus = rep.round.focus
    focus_ids = [r.id for r in rep.catalogue.get(focus).requirements]
    (fig,) = figures(panel)
    chart_ids = [label.split(":")[0] for label in ticks(fig)]
    table = one(frames(panel), "Gap (points)") if frames(panel) else pd.DataFrame({"Ref": []})
    assert chart_ids == list(table["Ref"])  # same requirements, same order (largest first)
    assert set(chart_ids) <= set(focus_ids)
    expected = views.gaps(rep.model.requirements, focus, limit=report.GAP_CHART_ROWS)
    assert list(table["Ref"]) == list(expected["requirement_id"])
    assert list(table["Gap (points)"]) == sorted(table["Gap (points)"], reverse=True)
    assert len(chart_ids) > 0  # the tiny dataset's forces all have gaps against the NPCC strategy
    html_rows = html_tables(panel._repr_html_())[0]
    assert [r["Ref"] for r in html_rows] == chart_ids


LEVEL_COLUMNS = ("Level", "Target", "Level now", "Previous level", "Suggested level")


@pytest.mark.parametrize("rnd,force", CASES)
def test_level_columns_show_labels_not_numbers(run, rnd, force):
    rep = run.reports[(rnd, force)]
    labels = {lv.label for fid in rep.round.frameworks for lv in rep.ctx.scale(fid).levels} | {"Not applicable"}
    seen = 0
    for name, panel in run.panels[(rnd, force)].items():
        for row in (r for t in html_tables(panel._repr_html_()) for r in t):
            for col in LEVEL_COLUMNS:
                if col in row:
                    seen += 1
                    value = row[col]
                    assert not re.fullmatch(r"\d+\.0", value), (name, col, value)
                    # a label, a credited level between two labels ('1.5 (part credit)'), a suggestion that
                    # needs an inspector, or a level left in doubt by an unread row; never a whole number as '2.0'
                    assert (value in labels or re.fullmatch(r"\d+\.\d \(part credit\)", value)
                            or value.startswith(("needs an inspector (best guess: ", "input needs attention"))), (
                        name, col, value)
    assert seen > 0


@pytest.mark.parametrize("section", [s for s in FORCE_SECTIONS if s != "write_outputs"])
def test_no_nan_nat_or_escaped_newline_in_any_table(run, section):
    found = []
    for rnd, force in CASES:
        panel = run.panels[(rnd, force)][section]
        for table in (i for i in panel.items if isinstance(i, pd.DataFrame)):
            html = Panel("t", [table])._repr_html_()
            for what, pattern in LITERALS.items():
                if re.search(pattern, html):
                    found.append((rnd, force, what))
    assert not found


@pytest.mark.parametrize("rnd,force", CASES)
def test_action_health_overdue_is_the_models_figure(run, rnd, force):
    rep, panel = run.reports[(rnd, force)], run.panels[(rnd, force)]["action_health"]
    stats = html_tables(panel._repr_html_())[0][0]
    total = int(rep.model.overall["force_overdue_items"].iloc[0])
    assert int(stats["Overdue"]) == total
    assert int(stats["Open (not yet in place)"]) == int(rep.model.overall["open_items"].sum())
    listed = [t for t in frames(panel) if "Why overdue" in t.columns]
    assert (len(listed[0]) if listed else 0) == total
    if listed:
        assert set(listed[0]["Why overdue"]) <= {"past due date", "past deadline", "past due date, past deadline"}


@pytest.mark.parametrize("rnd,force", CASES)
def test_next_steps_list_every_open_item(run, rnd, force):
    if "next_steps" not in FORCE_SECTIONS:
        pytest.skip("the force notebook has no next steps")
    rep, panel = run.reports[(rnd, force)], run.panels[(rnd, force)]["next_steps"]
    rows = [r for t in html_tables(panel._repr_html_()) for r in t]
    assert len(rows) == len(views.open_items(rep.model.requirements))
    assert {r["State"] for r in rows} <= {"overdue", "due within 90 days", "open"}
    focus_name = rep.framework_name(rep.round.focus)
    frameworks = [r["Framework"] for r in rows]
    assert frameworks == sorted(frameworks, key=lambda f: f != focus_name)  # the focus framework first


@pytest.mark.parametrize("rnd,force", CASES)
def test_evidence_found_lists_matched_passages(run, rnd, force):
    rep, panel = run.reports[(rnd, force)], run.panels[(rnd, force)]["evidence_found"]
    evidence = rep.model.evidence
    table = one(frames(panel), "Suggested level")
    assert len(table) == int((evidence["similarity"] > 0).sum()) > 0
    quotes = table["Quotes (who found them, file, place)"]
    assert quotes.str.contains("apsp-plan-").all()
    for cell in quotes:  # every line says gapkit found it, with file and place
        assert all(re.match(r'Found by gapkit \(apsp-plan-\d{4}\.\w+, [^)]+\): "', line) for line in cell.split("\n"))


# ---- provenance of evidence and contradictions (issue 12) -------------------------------------------------------

LABEL = re.compile(r"^(Force's action plan \((?P<tracker>[\w-]+\.xlsx), [^>]+ > row \d+(; [^>]+ > row \d+)*\)|"
                   r"Inspector's review( \([^)]*\))?|"
                   r"Found by gapkit \((?P<plan>apsp-plan-\d{4}\.\w+), [^)]+\)): ")


def labelled_lines(texts) -> list[re.Match]:
    """Every line of every evidence cell, each matched against the labels (who cited it, file and place)."""
    lines = [line for text in texts for line in str(text or "").split("\n") if line]
    matches = [LABEL.match(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches) if not m][:3]
    return matches


def test_the_tiny_run_has_both_kinds_of_evidence_and_contradictions(run):
    reqs = pd.concat([rep.model.requirements for rep in run.reports.values()])
    assert (reqs["evidence_cited"] != "").sum() > 0 and (reqs["evidence_found"] != "").sum() > 0
    assert reqs["contradiction"].sum() > 0  # so the tests below are not vacuous


@pytest.mark.parametrize("rnd,force", CASES)
def test_every_evidence_line_in_the_report_says_who_cited_it_and_where(run, rnd, force):
    rep, panels = run.reports[(rnd, force)], run.panels[(rnd, force)]
    every = one(frames(panels["requirements_table"]), "Evidence")
    gaps = [f for f in frames(panels["gap_table"]) if "Evidence" in f.columns]
    matches = labelled_lines(list(every["Evidence"]) + [t for g in gaps for t in g["Evidence"]])
    assert {m["tracker"] for m in matches if m["tracker"]} <= {f"{force}.xlsx"}  # the force's own tracker
    # the force's evidence and gapkit's, never one in place of the other
    reqs = rep.model.requirements
    assert list(every["Evidence"].str.count("Found by gapkit")) == list(reqs["evidence_found"].map(
        lambda t: len([x for x in t.split("\n") if x])))
    assert list(every["Contradiction"]) == list(reqs["contradiction_reason"])
    html = panels["requirements_table"]._repr_html_()
    assert "Found by gapkit (apsp-plan-" in html and "Force&#x27;s action plan" in html or \
        (reqs["evidence_cited"] == "").all()


@pytest.mark.parametrize("rnd,force", CASES)
def test_contradictions_section_lists_the_models_flags(run, rnd, force):
    rep, panel = run.reports[(rnd, force)], run.panels[(rnd, force)]["contradictions"]
    flagged = rep.model.requirements[rep.model.requirements["contradiction"]]
    total = int(rep.model.overall["force_contradictions"].iloc[0])
    assert total == len(flagged)
    assert notes(panel)[0].startswith(f"{total} contradiction(s) flagged.")
    tables = [f for f in frames(panel) if "Why flagged" in f.columns]
    rows = tables[0] if tables else pd.DataFrame({"Ref": [], "Why flagged": []})
    assert sorted(zip(rows["Ref"], rows["Why flagged"])) == \
        sorted(zip(flagged["requirement_id"], flagged["contradiction_reason"]))
    assert all(re.match(r"force says .+ \(\d\)(; its plan documents say .+ \(\d\): apsp-plan-| with no evidence)", r)
               for r in rows["Why flagged"])
    headline = text_of(run.panels[(rnd, force)]["headline"]._repr_html_())
    assert f"Contradictions flagged, all frameworks: {total}." in headline


@pytest.mark.parametrize("rnd,force", CASES)
def test_force_workbook_labels_evidence_and_shows_the_flags(run, rnd, force):
    rep = run.reports[(rnd, force)]
    wb = load_workbook(run.out / rnd / force / f"{force}-{rnd}.xlsx")
    details = sheet_table(wb["Actions and evidence"])
    labelled_lines(r["Evidence (each line: who cited it, where)"] for r in details)
    assert [r["Evidence (each line: who cited it, where)"] or "" for r in details] == \
        list(rep.model.requirements["evidence_text"])
    reqs = sheet_table(wb["Requirements"])
    assert [r["Contradiction"] or "" for r in reqs] == list(rep.model.requirements["contradiction_reason"])
    total = int(rep.model.overall["force_contradictions"].iloc[0])
    assert wb["Summary"]["A4"].value.startswith(f"Contradictions flagged, all frameworks: {total} ")
    method = {r["Item"]: r["Value"] for r in sheet_table(wb["Method"])}
    assert method["Contradiction"] == views.CONTRADICTION_RULE and method["Evidence"] == views.EVIDENCE_KEY


@pytest.mark.parametrize("rnd", ROUNDS)
def test_pack_labels_evidence_and_lists_every_contradiction(run, rnd):
    model = read_model(run.out / rnd).included()
    wb = load_workbook(run.packs[rnd][".xlsx"])
    gaps = sheet_table(wb["Gaps"])
    assert gaps and labelled_lines(r["Evidence (each line: who cited it, where)"] for r in gaps)
    flagged = model.requirements[model.requirements["contradiction"]]
    listed = sheet_table(wb["Contradictions"]) if flagged.size else []
    assert sorted((r["Force"], r["Framework"], r["Ref"], r["Why flagged"]) for r in listed) == sorted(
        zip(flagged["force_name"], flagged["framework"], flagged["requirement_id"], flagged["contradiction_reason"]))
    labelled_lines(r["Evidence (each line: who cited it, where)"] for r in listed)
    html = run.packs[rnd][".html"].read_text(encoding="utf-8")
    assert "Found by gapkit (apsp-plan-" in html
    (shown,) = [t for t in html_tables(html) if t and "Why flagged" in t[0]]
    assert sorted(r["Why flagged"] for r in shown) == sorted(flagged["contradiction_reason"])


@pytest.mark.parametrize("force", ["northmoor", "kestrel-vale", "ashdown-weald"])
def test_change_since_previous_is_against_round_2017(run, force):
    rep, panel = run.reports[("2019", force)], run.panels[("2019", force)]["change_since_previous"]
    before = run.reports[("2017", force)].model.requirements.set_index(["framework", "requirement_id"])
    now = rep.model.requirements.set_index(["framework", "requirement_id"])
    changed = [k for k in now.index if k in before.index and now.loc[k, "level"] != before.loc[k, "level"]]
    (note,) = [n for n in notes(panel) if n.startswith("Compared with round")]
    assert note.startswith("Compared with round 2017:")
    rows = html_tables(panel._repr_html_())[0] if changed else []
    assert sorted((r["Framework"], r["Ref"]) for r in rows) == sorted(changed)
    for r in rows:
        key = (r["Framework"], r["Ref"])
        assert r["Previous level"] == before.loc[key, "level_label"] and r["Level now"] == now.loc[key, "level_label"]
        assert float(r["Change (levels)"]) == round(now.loc[key, "level"] - before.loc[key, "level"], 1)
    ups = sum(now.loc[k, "level"] > before.loc[k, "level"] for k in changed)
    assert f"{ups} requirement(s) up, {len(changed) - ups} down." in note
    # the headline's change is against the same round
    overall = rep.model.overall.set_index("framework")
    prev = run.reports[("2017", force)].model.overall.set_index("framework")
    for fid in prev.index:
        assert overall.loc[fid, "change"] == pytest.approx(overall.loc[fid, "score"] - prev.loc[fid, "score"], abs=1e-6)


@pytest.mark.parametrize("force", ["northmoor", "kestrel-vale", "ashdown-weald"])
def test_no_change_section_in_the_first_round(run, force):
    panel = run.panels[("2017", force)]["change_since_previous"]
    assert notes(panel) == ["No previous round for this force."]


@pytest.mark.parametrize("rnd,force", CASES)
def test_requirements_table_has_every_requirement(run, rnd, force):
    if "requirements_table" not in FORCE_SECTIONS:
        pytest.skip("the force notebook has no table of every requirement")
    rep, panel = run.reports[(rnd, force)], run.panels[(rnd, force)]["requirements_table"]
    rows = html_tables(panel._repr_html_())[0]
    assert len(rows) == len(rep.model.requirements) == sum(len(rep.catalogue.get(f).requirements)
                                                           for f in rep.round.frameworks)
    assert [r["Level"] for r in rows] == list(rep.model.requirements["level_shown"])
    assert (rep.model.requirements["level_shown"] == rep.model.requirements["level_label"]).all()  # all rows read


@pytest.mark.parametrize("rnd,force", CASES)
def test_provenance_lists_framework_versions_from_the_catalogue(run, rnd, force):
    rep, panel = run.reports[(rnd, force)], run.panels[(rnd, force)]["provenance"]
    tables = html_tables(panel._repr_html_())
    versions = {r["Framework"]: r["Version"] for r in tables[0]}
    assert versions == {fid: rep.catalogue.get(fid).version for fid in rep.round.frameworks}
    text = text_of(panel._repr_html_())
    assert rep.config.version in text and rep.catalogue.crosswalk.version in text and rep.marking in text
    files = [r["File"] for r in tables[1]]
    assert any(f.endswith(f"{force}.xlsx") for f in files) and all(r["SHA-256"].endswith("...") for r in tables[1])


@pytest.mark.parametrize("rnd,force", CASES)
def test_write_outputs_writes_the_model_and_the_workbook(run, rnd, force):
    panel = run.panels[(rnd, force)]["write_outputs"]
    folder = run.out / rnd / force
    text = " ".join(notes(panel))
    for name in FILES.values():
        assert (folder / name).exists() and name in text
    book = folder / f"{force}-{rnd}.xlsx"
    assert book.exists() and f"Workbook: {book.name}" in text
    assert str(run.out) not in text and "/" not in text.replace("charts/", "")


def test_write_outputs_names_no_temporary_folder(run, tmp_path):
    # the runner writes a force's outputs into a temporary folder and swaps it in: the note must not name it
    work = tmp_path / ".work-northmoor-k2j4h5"
    rep = run.reports[("2019", "northmoor")]
    rep = replace(rep, out_dir=work)
    report.gap_table(rep)  # a chart in charts/
    text = " ".join(notes(report.write_outputs(rep)))
    assert ".work" not in text and str(tmp_path) not in text
    assert "summary.csv" in text and "charts/gaps.png" in text
    assert (work / "summary.csv").exists() and (work / "northmoor-2019.xlsx").exists()


def test_write_outputs_without_a_folder_writes_nothing(run):
    rep = replace(run.reports[("2017", "northmoor")], out_dir=None)
    assert notes(report.write_outputs(rep)) == ["No output folder given: nothing written."]


# ---- the force workbook --------------------------------------------------------------------------------------------

def sheet_table(ws, header_row: int = 1) -> list[dict]:
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:] if any(v is not None for v in r)]


@pytest.mark.parametrize("rnd,force", CASES)
def test_force_workbook(run, rnd, force):
    rep = run.reports[(rnd, force)]
    wb = load_workbook(run.out / rnd / force / f"{force}-{rnd}.xlsx")
    assert wb.sheetnames == ["Summary", "Requirements", "Actions and evidence", "Gaps", "Input problems", "Method"]
    # every row of the tiny dataset's action plans reads: nothing needs attention (tests/outputs/test_attention.py)
    assert wb["Input problems"]["A1"].value == "Every row of the action plan that holds anything was read."
    assert "not read" not in wb["Summary"]["A4"].value
    ws = wb["Summary"]
    assert ws["A1"].value == f"{rep.force['official_name']} - {rep.round.title}"
    assert ws["A3"].value == SYNTHETIC_BANNER
    summary = sheet_table(ws, 5)
    assert [r["Framework"] for r in summary][0] == rep.framework_name(rep.round.headline_framework)
    model = rep.model.overall.set_index("framework_name")
    for r in summary:
        m = model.loc[r["Framework"]]
        assert (r["Category"], r["RAG"], r["Overdue items"]) == (m["category"], m["rag"], m["overdue_items"])
        assert r["Version"] == rep.catalogue.get(m["framework"]).version
    reqs = sheet_table(wb["Requirements"])
    assert len(reqs) == len(rep.model.requirements)
    assert all(not re.fullmatch(r"\d+\.0", str(r["Level"])) for r in reqs)
    gaps = sheet_table(wb["Gaps"])
    assert len(gaps) == len(views.gaps(rep.model.requirements))
    method = {r["Item"]: r["Value"] for r in sheet_table(wb["Method"])}
    for fid in rep.round.frameworks:
        assert method[f"Framework {fid}"] == rep.catalogue.get(fid).version
    assert ws.oddHeader.center.text == rep.marking


# ---- national sections -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def overview_here(run):
    """Round 2019's overview scored in this process (no run's output folder)."""
    return national.build_overview("2019", run.data, out_dir="")


@pytest.fixture(scope="module")
def overview_run(run):
    """Round 2019's overview from the run's round model."""
    return national.build_overview("2019", run.data, out_dir=run.out)


def test_overview_scored_here_matches_the_runs_model(overview_here, overview_run):
    cols = ["force", "framework", "score", "category", "rag", "change", "overdue_items", "force_overdue_items"]
    here = overview_here.model.overall[cols].sort_values(["force", "framework"]).reset_index(drop=True)
    there = overview_run.model.overall[cols].sort_values(["force", "framework"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(here, there, check_dtype=False)
    assert len(overview_here.summary) == 3


@pytest.mark.parametrize("which", ["here", "run"])
def test_every_national_section_renders(overview_here, overview_run, which):
    ov = overview_here if which == "here" else overview_run
    for name in NATIONAL_SECTIONS:
        panel = getattr(national, name)(ov)
        html = panel._repr_html_()
        assert html.startswith("<section") and panel.items, name
        for what, pattern in LITERALS.items():
            assert not re.search(pattern, text_of(html)), (name, what)


def test_league_table_rows_follow_the_chart(overview_here):
    panel = national.league_table(overview_here)
    (fig,) = figures(panel)
    rows = html_tables(panel._repr_html_())[0]
    assert [r["Force"] for r in rows] == ticks(fig)
    scores = [float(r["Score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    summary = overview_here.summary.set_index("force_name")
    for r in rows:
        s = summary.loc[r["Force"]]
        assert float(r["Score"]) == round(s["score"], 1) and r["RAG"] == s["rag"] and r["Category"] == s["category"]
        assert int(r["Overdue items (all frameworks)"]) == s["force_overdue_items"]


def test_league_table_rows_follow_the_chart_when_scores_tie(overview_here):
    overall = overview_here.model.overall.copy()
    overall.loc[overall["headline"], "score"] = 55.555556  # every force ties
    ov = replace(overview_here, model=replace(overview_here.model, overall=overall))
    panel = national.league_table(ov)
    (fig,) = figures(panel)
    assert [r["Force"] for r in html_tables(panel._repr_html_())[0]] == ticks(fig)


def test_categories_sum_to_the_included_forces(overview_here):
    panel = national.categories(overview_here)
    rows = html_tables(panel._repr_html_())[0]
    assert [r["Category"] for r in rows] == list(reversed(overview_here.config.category_names()))
    assert sum(int(r["Forces"]) for r in rows) == len(overview_here.summary) == 3
    (fig,) = figures(panel)
    heights = [int(round(p.get_height())) for p in fig.axes[0].patches]
    assert heights == [int(r["Forces"]) for r in rows]  # the chart's bars are the table's counts
    for r in rows:
        assert int(r["Forces"]) == int((overview_here.summary["category"] == r["Category"]).sum())


def test_heatmap_shows_the_focus_requirements_of_every_force(overview_here):
    (fig,) = figures(national.heatmap(overview_here))
    focus = overview_here.round.focus
    assert ticks(fig, "x") == [r.id for r in overview_here.catalogue.get(focus).requirements]
    assert sorted(ticks(fig)) == sorted(overview_here.summary["force_name"])


def test_regions_table_follows_the_chart(overview_here):
    panel = national.regions(overview_here)
    rows = html_tables(panel._repr_html_())[0]
    (fig,) = figures(panel)
    assert [r["Region"] for r in rows] == ticks(fig)
    assert sum(int(r["Forces"]) for r in rows) == len(overview_here.summary)
    means = overview_here.summary.groupby("region")["score"].mean()
    for r in rows:
        assert float(r["Mean score"]) == round(means[r["Region"]], 1)


def test_shortfall_table_follows_the_chart(overview_here):
    panel = national.shortfall(overview_here)
    rows = html_tables(panel._repr_html_())[0]
    (fig,) = figures(panel)
    assert [r["Theme"] for r in rows] == [t.replace("\n", " ") for t in ticks(fig)]
    focus = overview_here.included.themes[overview_here.included.themes["framework"] == overview_here.round.focus]
    assert sorted(r["Theme"] for r in rows) == sorted(focus["theme_name"].unique())


def test_trend_has_both_rounds(overview_here):
    rows = html_tables(national.trend(overview_here)._repr_html_())[0]
    assert [r["Round"] for r in rows] == ["2017", "2019"]
    hist = overview_here.history
    for r in rows:
        scores = hist[hist["round"] == r["Round"]]["score"]
        assert int(r["Forces"]) == len(scores) == 3
        assert float(r["Mean score"]) == round(scores.mean(), 1)


def test_national_provenance_lists_framework_versions(overview_here):
    rows = html_tables(national.provenance(overview_here)._repr_html_())[0]
    assert {r["Framework"]: r["Version"] for r in rows} == \
        {f: overview_here.catalogue.get(f).version for f in overview_here.round.frameworks}


# ---- the board pack ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rnd", ROUNDS)
def test_pack_workbook_and_html(run, rnd):
    files = run.packs[rnd]
    wb = load_workbook(files[".xlsx"])
    assert wb.sheetnames == ["Contents", "Summary", "Heatmap", "Gaps", "Actions", "Contradictions", "Trend",
                             "Charts", "Method"]
    summary = sheet_table(wb["Summary"])
    assert sorted(r["Force id"] for r in summary) == sorted(run.forces[rnd])
    heat = sheet_table(wb["Heatmap"])
    assert len([r for r in heat if r["Force"] and not str(r["Force"]).startswith("Levels")]) == 3
    html = files[".html"].read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 4 and SYNTHETIC_BANNER in html
    for what, pattern in LITERALS.items():
        assert not re.search(pattern, text_of(html)), what
    model = read_model(run.out / rnd)
    names = set(model.overall["force_name"])
    assert all(name in html for name in names)


def test_table_cells_are_escaped_and_short_references_kept_on_one_line():
    """A reference or a date stays on one line ("CAP-1" was shown as "CAP-" over "1"); longer text wraps and keeps
    its line breaks; everything is escaped."""
    page = table_html(pd.DataFrame({"Ref": ["CAP-1"], "Due": ["2019-06-28"], "Why": ["<b>not bold</b>\nnext line"]}))
    assert "<span style='white-space:nowrap'>CAP-1</span>" in page
    assert "<span style='white-space:nowrap'>2019-06-28</span>" in page
    assert "&lt;b&gt;not bold&lt;/b&gt;<br>next line" in page and "<b>" not in page
