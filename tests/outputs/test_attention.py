"""Partial reading with nothing hidden, in every output (docs/methodology.md, section 10).

A small dataset whose action plans are built here with openpyxl: in round 2019 Northmoor's has a row with a status
gapkit cannot read ("Gren", about P3, a key element whose only row it is), a bad status beside a good row for P2, and a
row whose reference is no requirement, beside rows that read; Kestrel Vale's all read. The run is made in this process
(gapkit.run.runner with the stand-in executor: the force notebook's sections, the round model, the national overview,
the board pack and the index page, laid out as a real run lays them out). Each requirement a row not read was about
shows "input needs attention" wherever its level is shown, its score is what the rows that were read give, and the
count of rows not read is the same everywhere."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from gapkit.core import paths

from .conftest import html_rows, html_tables, text_of

FORCE, OTHER = "northmoor", "kestrel-vale"
ROUND = "2019"
FRAMEWORKS = ["hmicfrs-2017-plans", "npcc-apsp-2017"]
HEADER = ["Framework", "Ref", "Action", "Owner", "Due date", "Status", "Evidence"]
GOOD = [["hmicfrs-2017-plans", "P1", "Review the CCU", "Supt A", "31/03/2019", "In place", "CCU review report"],
        ["hmicfrs-2017-plans", "P2", "Procure monitoring software", "CIO", "30/06/2020", "Started", ""],
        ["npcc-apsp-2017", "E1", "Record APSP as corruption", "DCI B", "31/12/2019", "Planned", ""]]
P3_GOOD = ["hmicfrs-2017-plans", "P3", "Protocol with partners", "DCI C", "31/12/2019", "Started", ""]
# the rows that cannot be read: a status no one can read (the only row about P3), a second action for P2 with a
# status no one can read (P2 keeps its good row's level), and a reference that is no requirement
BAD_P3 = ["hmicfrs-2017-plans", "P3", "Protocol with partners", "DCI C", "31/12/2019", "Gren", ""]
BAD_P2 = ["hmicfrs-2017-plans", "P2", "Train the monitoring team", "CIO", "31/12/2019", "Ambre", ""]
UNKNOWN = ["", "ZZ9", "Something else", "Insp D", "", "Started", ""]
SUBMISSIONS = {"2017": {FORCE: GOOD + [P3_GOOD], OTHER: GOOD + [P3_GOOD]},
               "2019": {FORCE: GOOD + [BAD_P3, BAD_P2, UNKNOWN], OTHER: GOOD + [P3_GOOD]}}
UNREAD_ROWS = 3  # rows of Northmoor's 2019 action plan not read, one of them about no requirement
P3_ATTENTION = 'input needs attention: row Actions > F5 not read: status "Gren" is not a known status'
ATTENTION = "input needs attention"


def write_tracker(path: Path, rows: list[list]) -> Path:
    """A force's action plan as its own tracker: a header row gapkit recognises, then one row per action."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def write_dataset(root: Path, submissions: dict = SUBMISSIONS, frameworks: list[str] = FRAMEWORKS) -> Path:
    """Rounds 2017 and 2019 (2019 compared with 2017) of fictional forces, with one action plan each."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(paths.DEMO_DIR / "forces.csv", root / "forces.csv")  # the demo's fictional forces
    for rnd, previous in (("2017", None), ("2019", "2017")):
        folder = root / "rounds" / rnd
        (folder / "submissions").mkdir(parents=True, exist_ok=True)
        (folder / "round.yaml").write_text(yaml.safe_dump({
            "round": rnd, "title": f"Test round {rnd}", "as_of": f"{rnd}-09-30", "frameworks": frameworks,
            "headline_framework": frameworks[0], "focus_framework": "npcc-apsp-2017", "previous": previous,
            "marking": "OFFICIAL - TEST", "synthetic": True}, sort_keys=False))
        for force, rows in submissions.get(rnd, {}).items():
            write_tracker(folder / "submissions" / f"{force}.xlsx", rows)
    return root


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The dataset and a run of it made in this process (both rounds, national overview, pack, index)."""
    from gapkit.run import runner
    from tests.helpers import in_process_executor

    root = tmp_path_factory.mktemp("attention")
    data = write_dataset(root / "data")
    out = root / "reports"
    results = runner.run(data, out_dir=out, workers=1, progress=False, executor=in_process_executor)
    return data, out, results


@pytest.fixture(scope="module")
def model(made):
    from gapkit.scoring.store import read_model
    return read_model(made[1] / ROUND)


def sheet_rows(ws, header_row: int = 1) -> list[dict]:
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:] if any(v is not None for v in r)]


def report_html(made, force: str = FORCE) -> str:
    return (made[1] / ROUND / force / f"{force}.html").read_text(encoding="utf-8")


def section(html: str, title: str) -> str:
    """One panel of a report (the exported notebook writes its attributes in its own order and quotes)."""
    match = re.search(rf"<section[^>]*aria-label=[\"']{re.escape(title)}[\"'][^>]*>.*?</section>", html, re.S)
    assert match, title
    return match.group(0)


# ---- the round model ------------------------------------------------------------------------------------------

def test_the_run_counts_the_partly_read_force_and_names_its_errors(made, model):
    _, _, results = made
    status = {f["force"]: f for f in results[1].forces}
    assert status[FORCE]["status"] == "input errors" and status[OTHER]["status"] == "ok"
    assert len(status[FORCE]["errors"]) == UNREAD_ROWS  # one line each, with the cell
    assert any('row Actions > F5 not read: status "Gren"' in e for e in status[FORCE]["errors"])
    assert set(model.included().forces["force"]) == {FORCE, OTHER}  # scored on the rows that were read


def test_the_model_marks_every_requirement_a_row_not_read_was_about(model):
    reqs = model.requirements.set_index(["force", "framework", "requirement_id"])
    p3 = reqs.loc[(FORCE, "hmicfrs-2017-plans", "P3")]
    assert p3["attention"] == P3_ATTENTION and p3["rows_not_read"] == 1
    assert p3["level_shown"] == f"{ATTENTION} (scored as No information until the row is read)"
    assert p3["level"] == 0 and p3["level_source"] == "not-assessed"  # what the rows read give: nothing
    p2 = reqs.loc[(FORCE, "hmicfrs-2017-plans", "P2")]
    assert p2["level"] == 2 and p2["level_shown"] == f"{ATTENTION} (scored as Started until the row is read)"
    assert p2["attention"].startswith(f"{ATTENTION}: row Actions > F6 not read: status \"Ambre\"")
    e5 = reqs.loc[(FORCE, "npcc-apsp-2017", "E5")]  # takes crosswalk credit from P3
    assert e5["attention"].startswith(f"{ATTENTION}: takes crosswalk credit from hmicfrs-2017-plans:P3")
    read = reqs.loc[FORCE][reqs.loc[FORCE]["attention"] == ""]
    assert (read["level_shown"] == read["level_label"]).all() and (read["rows_not_read"] == 0).all()
    assert (reqs.loc[OTHER]["attention"] == "").all()


def test_the_model_counts_rows_not_read_per_force_and_framework(model):
    forces = model.forces.set_index("force")
    assert forces.loc[FORCE, "rows_not_read"] == UNREAD_ROWS and forces.loc[OTHER, "rows_not_read"] == 0
    overall = model.overall[model.overall["force"] == FORCE].set_index("framework")
    assert (overall["force_rows_not_read"] == UNREAD_ROWS).all()
    assert overall.loc["hmicfrs-2017-plans", "rows_not_read"] == 2 and overall.loc["npcc-apsp-2017", "rows_not_read"] == 0
    issues = model.issues[model.issues["row_not_read"]]
    assert sorted(zip(issues["where"], issues["requirement_id"])) == [
        ("Actions > B7", ""), ("Actions > F5", "P3"), ("Actions > F6", "P2")]
    assert (issues["severity"] == "error").all()


# ---- the force report -----------------------------------------------------------------------------------------

def test_the_headline_says_how_many_rows_were_not_read(made):
    headline = text_of(section(report_html(made), "Headline"))
    assert "3 rows of the action plan were not read: see Input problems." in headline
    assert "P3 No information (input needs attention)" in headline  # the category's reason
    assert "not read" not in text_of(section(report_html(made, OTHER), "Headline"))


def test_the_report_shows_input_needs_attention_wherever_the_level_is_shown(made):
    html = report_html(made)
    every = [r for t in html_tables(section(html, "Every requirement")) for r in t]
    p3 = next(r for r in every if r["Ref"] == "P3")
    assert p3["Level"] == f"{ATTENTION} (scored as No information until the row is read)"
    assert p3["Input needs attention"] == P3_ATTENTION.removeprefix(f"{ATTENTION}: ")
    steps = [r for t in html_tables(section(html, "Next steps")) for r in t]
    assert next(r for r in steps if r["Ref"] == "P3")["Level now"].startswith(ATTENTION)
    gaps = [r for t in html_tables(section(html, "Largest gaps")) for r in t]  # the focus framework: E5
    assert next(r for r in gaps if r["Ref"] == "E5")["Level"].startswith(ATTENTION)
    change = [r for t in html_tables(section(html, "Change since the previous round")) for r in t]
    assert next(r for r in change if r["Ref"] == "P3")["Level now"].startswith(ATTENTION)
    # no level column anywhere shows the P3 row's level bare
    for table in html_tables(html):
        for row in table:
            if row.get("Ref") == "P3" and row.get("Framework", "").startswith(("HMICFRS", "hmicfrs")):
                for col in ("Level", "Level now"):
                    assert col not in row or row[col].startswith(ATTENTION), row


def test_input_problems_lists_every_row_not_read(made):
    panel = section(report_html(made), "Input problems")
    rows, needing = [t for t in html_tables(panel)]
    assert sorted((r["Cell"], r["Ref"]) for r in rows) == [
        ("Actions > B7", "(not known)"), ("Actions > F5", "P3"), ("Actions > F6", "P2")]
    assert {r["File"] for r in rows} == {f"{FORCE}.xlsx"}
    assert next(r for r in rows if r["Cell"] == "Actions > F5")["Why it was not read"] == \
        'status "Gren" is not a known status'
    assert {r["Ref"] for r in needing} == {"P2", "P3", "E4", "E5"}  # E4 and E5 take credit from P2 and P3
    assert "Every row of the action plan that holds anything was read." in \
        text_of(section(report_html(made, OTHER), "Input problems"))


# ---- the workbooks --------------------------------------------------------------------------------------------

def test_force_workbook_shows_input_needs_attention(made):
    wb = load_workbook(made[1] / ROUND / FORCE / f"{FORCE}-{ROUND}.xlsx")
    reqs = {(r["Framework"], r["Ref"]): r for r in sheet_rows(wb["Requirements"])}
    p3 = reqs[("hmicfrs-2017-plans", "P3")]
    assert p3["Level"].startswith(ATTENTION) and p3["Input needs attention"].startswith("row Actions > F5 not read")
    assert reqs[("hmicfrs-2017-plans", "P1")]["Level"] == "In place" and not reqs[("hmicfrs-2017-plans", "P1")][
        "Input needs attention"]
    assert next(r for r in sheet_rows(wb["Gaps"]) if r["Ref"] == "P3")["Level"].startswith(ATTENTION)
    assert "3 rows of the action plan were not read" in wb["Summary"]["A4"].value
    assert len(sheet_rows(wb["Input problems"], 4)) == UNREAD_ROWS
    method = {r["Item"]: r["Value"] for r in sheet_rows(wb["Method"])}
    assert "input needs attention" in method["Input needs attention"]


def test_review_workbook_shows_input_needs_attention_in_gapkits_force_level(made, tmp_path):
    from gapkit.assess.assess import assess_force
    from gapkit.catalogue.forces import lookup
    from gapkit.forms.review_form import write_review
    from gapkit.inputs.context import RoundContext
    from gapkit.inputs.review import REVIEW_SHEET

    ctx = RoundContext.load(made[0], ROUND)
    assessed = assess_force(ctx, FORCE)
    assert len(assessed.unread) == UNREAD_ROWS
    path = write_review(tmp_path / f"{FORCE}.xlsx", lookup(FORCE, ctx.forces), ROUND, assessed.force_reported,
                        assessed.suggestions, catalogue=ctx.catalogue, settings=ctx.settings,
                        framework_ids=ctx.frameworks, unread=assessed.unread)
    rows = {r["Ref"]: r for r in sheet_rows(load_workbook(path)[REVIEW_SHEET])}
    assert rows["P3"]["Force level"] == (f"{ATTENTION} (no row about it was read)\n"
                                         'row Actions > F5 not read: status "Gren" is not a known status')
    assert rows["P2"]["Force level"].startswith(f"{ATTENTION} (rows read: 2 - Started)\n")
    assert rows["P1"]["Force level"] == "3 - In place"


# ---- the board pack, the national overview, the index ------------------------------------------------------------

def test_pack_workbook_shows_input_needs_attention(made):
    wb = load_workbook(made[1] / ROUND / f"board-pack-{ROUND}.xlsx")
    gaps = [r for r in sheet_rows(wb["Gaps"]) if r["Force"] == "Northmoor Police"]
    assert next(r for r in gaps if r["Ref"] == "P3")["Level"].startswith(ATTENTION)
    heat = {r["Force"]: r for r in sheet_rows(wb["Heatmap"]) if r["Force"] and "Police" in str(r["Force"])}
    assert heat["Northmoor Police"]["E5"] == ATTENTION and heat["Northmoor Police"]["E1"] == 1
    contents = [str(c) for row in wb["Contents"].iter_rows(values_only=True) for c in row if c]
    assert "Northmoor Police: hmicfrs-2017-plans:P3" in contents
    assert any(c.startswith(f"{ATTENTION} (scored as No information") for c in contents)


def test_pack_html_shows_input_needs_attention(made):
    html = (made[1] / ROUND / f"board-pack-{ROUND}.html").read_text(encoding="utf-8")
    tables = html_tables(html)
    gaps = [r for t in tables if t and "Gap points" in t[0] for r in t if r["Force"] == "Northmoor Police"]
    assert next(r for r in gaps if r["Ref"] == "hmicfrs-2017-plans:P3")["Level"].startswith(ATTENTION)
    kestrel = [r for t in tables if t and "Level" in t[0] for r in t if r.get("Force") == "Kestrel Vale Constabulary"]
    assert kestrel and not any(r["Level"].startswith(ATTENTION) for r in kestrel)
    listed = [r for t in tables if t and "Why" in t[0] and "Level" in t[0] for r in t]  # Input needs attention
    assert {r["Ref"] for r in listed} == {"hmicfrs-2017-plans:P2", "hmicfrs-2017-plans:P3", "npcc-apsp-2017:E4",
                                          "npcc-apsp-2017:E5"}
    assert all(r["Level"].startswith(ATTENTION) for r in listed)


def test_national_overview_lists_the_requirements_needing_attention(made):
    html = (made[1] / ROUND / "national" / "national_overview.html").read_text(encoding="utf-8")
    listed = [r for t in html_tables(section(html, "Levels by requirement")) for r in t]
    assert {(r["Force"], r["Ref"]) for r in listed} == {("Northmoor Police", ref) for ref in ("P2", "P3", "E4", "E5")}
    assert all(r["Level"].startswith(ATTENTION) for r in listed)


def test_the_count_of_rows_not_read_agrees_across_outputs(made, model):
    _, out, _ = made
    pack = load_workbook(out / ROUND / f"board-pack-{ROUND}.xlsx")
    pack_rows = {r["Force id"]: r for r in sheet_rows(pack["Summary"])}
    pack_html = (out / ROUND / f"board-pack-{ROUND}.html").read_text(encoding="utf-8")
    html_summary = {r["Force"]: r for t in html_tables(pack_html) if t and "RAG" in t[0] for r in t}
    key = {row[0]: row[1] for row in html_rows(pack_html)[0]}
    national = (out / ROUND / "national" / "national_overview.html").read_text(encoding="utf-8")
    league = {r["Force"]: r for t in html_tables(section(national, "League table")) for r in t}
    index = {r["Force"]: r for r in html_tables((out / "index.html").read_text(encoding="utf-8"))[1]}  # 2019
    total = 0
    for force, name in ((FORCE, "Northmoor Police"), (OTHER, "Kestrel Vale Constabulary")):
        expected = int(model.forces.set_index("force").loc[force, "rows_not_read"])
        total += expected
        html = report_html(made, force)
        headline = re.search(r"(\d+) rows? of the action plan (?:was|were) not read", text_of(section(html, "Headline")))
        problems = html_tables(section(html, "Input problems"))
        book = load_workbook(out / ROUND / force / f"{force}-{ROUND}.xlsx")
        seen = {
            "model overall": set(model.overall.query("force == @force")["force_rows_not_read"]),
            "model issues": int(model.issues.query("force == @force")["row_not_read"].sum()),
            "force HTML headline": int(headline.group(1)) if headline else 0,
            "force HTML input problems": len(problems[0]) if problems else 0,
            "force workbook Input problems": len(sheet_rows(book["Input problems"], 4))
            if book["Input problems"].max_row >= 4 else 0,
            "pack workbook Summary": pack_rows[force]["Rows of the action plan not read"],
            "pack HTML summary": int(html_summary[name]["Rows of the action plan not read"]),
            "national league table": int(league[name]["Rows of the action plan not read"]),
            "index": int(index[name]["Rows not read"]),
        }
        seen["model overall"] = seen["model overall"].pop() if len(seen["model overall"]) == 1 else None
        assert set(seen.values()) == {expected}, (force, expected, seen)
    assert int(key["Rows of action plans not read"]) == total == UNREAD_ROWS
