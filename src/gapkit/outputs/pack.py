"""Board packs for analysts: an Excel workbook with native charts, a self-contained HTML pack, and a PDF of it.

Everything is rendered from the round model the run wrote (gapkit.scoring.store), so the pack shows the same
numbers as the force reports and the national overview."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, DataBarRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from gapkit import __version__
from gapkit.core.errors import GapkitError
from gapkit.core.excel import print_setup, write_cell, write_table
from gapkit.core.fileio import atomic_path, save_workbook, write_text
from gapkit.inputs.context import RoundContext
from gapkit.outputs import charts
from gapkit.outputs.charts import CATEGORY_COLOURS, NA_COLOUR, RAG_COLOURS
from gapkit.outputs.display import (EVIDENCE_HEADER, SYNTHETIC_BANNER, Chart, RoundLabels, clip_lines,
                                    forces_with_reports)
from gapkit.scoring import views
from gapkit.scoring.model import RoundModel, counted
from gapkit.scoring.files import has_model
from gapkit.scoring.store import read_model


@dataclass
class PackData(RoundLabels):
    ctx: RoundContext
    model: RoundModel          # the included forces (gapkit.scoring.model.counted)
    status: pd.DataFrame       # every force and its status
    run: dict

    @property
    def not_included(self) -> pd.DataFrame:
        """The forces the round's figures leave out (their inputs could not be used, or their run failed)."""
        return self.status[~counted(self.status)]

    @property
    def framework_changes(self) -> pd.DataFrame:
        """Frameworks whose version changed since the previous round (views.framework_changes), with the note."""
        return views.framework_changes(self.model.overall)

    @property
    def attention(self) -> pd.DataFrame:
        """The included forces' requirements whose input needs attention, by force, headline framework first."""
        reqs = self.model.requirements
        rows = reqs[reqs["attention"] != ""].assign(other=lambda d: d["framework"] != self.round.headline_framework)
        return rows.sort_values(["force_name", "other", "framework", "order"])

    @property
    def title(self) -> str:
        return f"APSP board pack - {self.round.title}"

    @property
    def focus(self) -> str:
        return self.round.focus

    @property
    def headline_name(self) -> str:
        return self.framework_name(self.round.headline_framework)

    @property
    def summary(self) -> pd.DataFrame:
        """The headline framework's overall row of each included force, best score first."""
        overall = self.model.overall
        return views.league(overall[overall["headline"]])

    @property
    def trend(self) -> pd.DataFrame:
        """Headline scores of each included force in this and earlier rounds, one column per round."""
        hist = self.model.history
        hist = hist[hist["framework"] == self.round.headline_framework].drop_duplicates(["force", "round"])
        return hist.pivot_table(index=["force", "force_name"], columns="round", values="score").reset_index()


def load_pack_data(out_dir: Path, round_id: str, data_dir: Path | None = None) -> PackData:
    folder = Path(out_dir) / round_id
    if not has_model(folder):
        raise GapkitError.one(folder / "summary.csv", "", "no results for this round",
                              f"run 'gapkit run --round {round_id}' first")
    ctx = RoundContext.load(data_dir, round_id)
    model = read_model(folder, validate=False)  # checked against the schemas by the run that wrote it
    run = json.loads((folder / "run.json").read_text()) if (folder / "run.json").exists() else {}
    return PackData(ctx, model.included(), model.forces, run)


# ---- Excel --------------------------------------------------------------------------------------------------

def _summary_table(data: PackData) -> pd.DataFrame:
    table = data.summary[["force", "force_name", "region", "score", "category", "rag", "change",
                          "force_overdue_items", "force_rows_not_read", "force_contradictions"]].copy()
    themes = data.model.themes[data.model.themes["framework"] == data.focus].pivot_table(
        index="force", columns="theme_name", values="score", aggfunc="first")
    table = table.merge(themes.round(1), left_on="force", right_index=True, how="left")
    table["score"] = table["score"].round(1)
    table["change"] = table["change"].round(1)
    score_name = f"Score: {data.headline_name}"
    return table.rename(columns={"force": "Force id", "force_name": "Force", "region": "Region", "score": score_name,
                                 "category": "Category", "rag": "RAG", "change": "Change",
                                 "force_overdue_items": "Overdue items (all frameworks)",
                                 "force_rows_not_read": ROWS_NOT_READ_COLUMN,
                                 "force_contradictions": CONTRADICTIONS_COLUMN})


CONTRADICTIONS_COLUMN = "Contradictions (all frameworks)"
ROWS_NOT_READ_COLUMN = "Rows of the action plan not read"
HTML_CONTRADICTIONS = 50  # the HTML pack lists this many; the workbook's Contradictions sheet lists them all


def gaps_table(data: PackData, per_force: int = 5) -> pd.DataFrame:
    rows = views.gaps(data.model.requirements, limit=per_force)
    return pd.DataFrame({"Force": rows["force_name"], "Framework": rows["framework"], "Ref": rows["requirement_id"],
                         "Requirement": rows["statement"], "Level": rows["level_shown"],
                         "Target": rows["target_label"], "Gap points": rows["gap_points"].round(1),
                         "Level from": rows["level_source"], "Rationale": rows["rationale"],
                         EVIDENCE_HEADER: rows["evidence_text"]})


def contradictions_table(data: PackData) -> pd.DataFrame:
    """Every contradiction flagged (views.contradictions), by force, headline framework first."""
    reqs = data.model.requirements
    rows = reqs[reqs["contradiction"]].assign(other=lambda d: d["framework"] != data.round.headline_framework)
    rows = rows.sort_values(["force_name", "other", "framework", "order"])
    return pd.DataFrame({"Force": rows["force_name"], "Framework": rows["framework"], "Ref": rows["requirement_id"],
                         "Requirement": rows["statement"], "Level": rows["level_shown"],
                         "Level from": rows["level_source"], "Why flagged": rows["contradiction_reason"],
                         EVIDENCE_HEADER: rows["evidence_text"]})


def contradiction_counts(data: PackData) -> pd.DataFrame:
    """Per included force with at least one: its contradictions over all frameworks, most first."""
    counts = data.summary[["force", "force_name", "force_contradictions"]]
    counts = counts[counts["force_contradictions"] > 0]
    return counts.sort_values(["force_contradictions", "force_name"], ascending=[False, True]).rename(
        columns={"force_name": "Force", "force_contradictions": "Contradictions"})


def actions_table(data: PackData) -> pd.DataFrame:
    """Overdue actions and those due within 90 days (views.action_state), over all frameworks."""
    rows = data.model.actions
    rows = rows[rows["state"].isin(["overdue", f"due within {views.AT_RISK_DAYS} days"])]
    return pd.DataFrame({"Force": rows["force_name"], "Framework": rows["framework"], "Ref": rows["requirement_id"],
                         "State": rows["state"], "Action": rows["action"], "Owner": rows["owner"],
                         "Due date": rows["due_date"].dt.date, "Deadline": rows["deadline"].dt.date,
                         "Level": rows["level_shown"]}).sort_values(["State", "Force"])


def attention_table(data: PackData) -> pd.DataFrame:
    """Every requirement of an included force whose input needs attention (views.attention)."""
    rows = data.attention
    return pd.DataFrame({"Force": rows["force_name"], "Framework": rows["framework"], "Ref": rows["requirement_id"],
                         "Requirement": rows["statement"], "Level": rows["level_shown"],
                         "Why": views.attention_reason(rows["attention"])})


def _trend_table(data: PackData) -> pd.DataFrame:
    table = data.trend.rename(columns={"force": "Force id", "force_name": "Force"}).round(1)
    table.columns = [str(c) for c in table.columns]
    if data.round.previous:
        change = data.summary.set_index("force")["change"].round(1)
        table[f"Change since {data.round.previous}"] = table["Force id"].map(change)
    return table


def _category_counts(data: PackData) -> pd.DataFrame:
    return views.category_counts(data.summary, data.ctx.settings).rename(
        columns={"category": "Category", "forces": "Forces"})


def write_workbook(data: PackData, target: Path) -> Path:
    wb = Workbook()
    contents = wb.active
    contents.title = "Contents"
    sheets = [("Summary", "Forces' overall and theme scores, category and RAG"),
              ("Heatmap", "Forces x requirements: levels"), ("Gaps", "Largest gaps per force"),
              ("Actions", "Overdue and at-risk actions"),
              ("Contradictions", "Where a force's level contradicts its plan documents, with why"),
              ("Trend", "Change between rounds"),
              ("Charts", "Scores by force, forces per category, trend (native charts)"),
              ("Method", "Scoring rule, versions, input hashes")]
    # every cell through write_cell (text never as a formula): titles, markings and names come from round.yaml,
    # forces.csv and the run
    write_cell(contents, 1, 1, data.title).font = Font(bold=True, size=14)
    write_cell(contents, 2, 1, f"Marking: {data.marking}. As of {data.round.as_of}. Made {dt.date.today()} by "
                               f"gapkit {__version__}.")
    row = 3
    if data.round.synthetic:
        write_cell(contents, 3, 1, SYNTHETIC_BANNER).font = Font(bold=True, color="C00000")
        row = 4
    for i, (name, what) in enumerate(sheets, row + 1):
        cell = write_cell(contents, i, 1, name)
        cell.hyperlink = f"#'{name}'!A1"
        cell.font = Font(color="0563C1", underline="single")
        write_cell(contents, i, 2, what)
    failed = data.not_included
    r = row + len(sheets) + 2
    if not failed.empty:
        write_cell(contents, r, 1, "Forces not included (their inputs had errors or their run failed):").font = \
            Font(bold=True)
        for j, f in enumerate(failed.itertuples(), r + 1):
            write_cell(contents, j, 1, f.force)
            write_cell(contents, j, 2, f.status)
        r += len(failed) + 2
    attention = attention_table(data)
    unread = int(data.summary["force_rows_not_read"].sum())
    if unread:  # forces scored on the rows that were read: each requirement those rows were about, with why
        write_cell(contents, r, 1, f"Rows of forces' action plans not read: {unread}. Requirements whose input "
                                   f"needs attention ({len(attention)}):").font = Font(bold=True, color="9C2700")
        write_cell(contents, r + 1, 1, views.ATTENTION_RULE)
        for j, a in enumerate(attention.itertuples(), r + 2):
            write_cell(contents, j, 1, f"{a.Force}: {a.Framework}:{a.Ref}")
            write_cell(contents, j, 2, f"{a.Level}: {a.Why}")
    contents.column_dimensions["A"].width = 40
    contents.column_dimensions["B"].width = 70
    print_setup(contents, data.marking, data.title)

    ws = wb.create_sheet("Summary")
    summary = _summary_table(data)
    first, last = write_table(ws, summary, name="Summary")
    score_col = summary.columns.get_loc(f"Score: {data.headline_name}") + 1
    letter = ws.cell(1, score_col).column_letter
    ws.conditional_formatting.add(f"{letter}{first}:{letter}{last}",
                                  DataBarRule(start_type="num", start_value=0, end_type="num", end_value=100,
                                              color="0072B2"))
    rag_letter = ws.cell(1, summary.columns.get_loc("RAG") + 1).column_letter
    for band, colour in (("red", "F4B183"), ("amber", "FFE699"), ("green", "A9D08E")):
        ws.conditional_formatting.add(f"{rag_letter}{first}:{rag_letter}{last}",
                                      CellIsRule(operator="equal", formula=[f'"{band}"'],
                                                 fill=PatternFill("solid", fgColor=colour)))
    theme_first = summary.columns.get_loc(CONTRADICTIONS_COLUMN) + 2
    if theme_first <= len(summary.columns):
        start = ws.cell(1, theme_first).column_letter
        end = ws.cell(1, len(summary.columns)).column_letter
        ws.conditional_formatting.add(f"{start}{first}:{end}{last}", ColorScaleRule(
            start_type="num", start_value=0, start_color="D55E00", mid_type="num", mid_value=50,
            mid_color="F0E442", end_type="num", end_value=100, end_color="009E73"))
    print_setup(ws, data.marking, data.title)

    ws = wb.create_sheet("Heatmap")
    focus = data.model.requirements[data.model.requirements["framework"] == data.focus]
    grid = focus.pivot_table(index="force_name", columns="requirement_id", values="level", aggfunc="first")
    order = focus.drop_duplicates("requirement_id")["requirement_id"].tolist()
    grid = grid.reindex(columns=order).astype(object)
    for name, rid in zip(*[focus.loc[focus["attention"] != "", c] for c in ("force_name", "requirement_id")]):
        grid.loc[name, rid] = views.ATTENTION  # not a silent level: the Contents sheet says what it is scored as
    grid = grid.reset_index().rename(columns={"force_name": "Force"})
    first, last = write_table(ws, grid, name="Heatmap")
    end = ws.cell(1, len(grid.columns)).column_letter
    ws.conditional_formatting.add(f"B{first}:{end}{last}", ColorScaleRule(
        start_type="num", start_value=0, start_color="D55E00", mid_type="num", mid_value=data.ctx.scale(data.focus).maximum / 2,
        mid_color="F0E442", end_type="num", end_value=data.ctx.scale(data.focus).maximum, end_color="009E73"))
    scale = data.ctx.scale(data.focus)
    write_cell(ws, last + 2, 1, f"Levels against {data.ctx.catalogue.get(data.focus).short_title}: "
               + ", ".join(f"{lv.value} {lv.label}" for lv in scale.levels) + "; blank = not applicable"
               + (f"; '{views.ATTENTION}': a row of the force's action plan about it could not be read (the Contents "
                  "sheet lists each, with the level it is scored as)." if (focus["attention"] != "").any() else "."))
    print_setup(ws, data.marking, data.title)

    for name, frame, widths in (
            ("Gaps", gaps_table(data), {"Requirement": 50, "Rationale": 40, EVIDENCE_HEADER: 70}),
            ("Actions", actions_table(data), {"Action": 50}),
            ("Contradictions", contradictions_table(data), {"Requirement": 50, "Why flagged": 50,
                                                              EVIDENCE_HEADER: 70}),
            ("Trend", _trend_table(data), None)):
        ws = wb.create_sheet(name)
        if frame.empty:
            ws["A1"] = f"No rows: nothing {name.lower()} to show."
        else:
            last = write_table(ws, frame, name=name, widths=widths)[1]
            if name == "Trend":  # rounds compared: a framework whose version changed is named
                for i, note in enumerate(data.framework_changes["note"], last + 2):
                    write_cell(ws, i, 1, note).font = Font(bold=True, color="9C2700")
        print_setup(ws, data.marking, data.title)

    _charts_sheet(wb, data)
    _method_sheet(wb, data)
    wb.properties.title = data.title
    wb.properties.subject = "APSP plans: scores against the NPCC strategy and HMICFRS recommendations"
    wb.properties.creator = f"gapkit {__version__}"
    wb.properties.keywords = data.marking + (" synthetic demonstration" if data.round.synthetic else "")
    wb.properties.description = data.source
    return save_workbook(wb, target)


CM_PER_ROW = 0.53  # a row of the default height (15 points)
DATA_COL = 14  # the charts' data start in column N, right of the printed area (columns A:L)


def _small_labels(size: int = 800) -> RichText:
    """Axis label text of `size` hundredths of a point."""
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=CharacterProperties(sz=size)),
                                 endParaRPr=CharacterProperties(sz=size))])


def _charts_sheet(wb, data: PackData) -> None:
    """Native charts, printed portrait: the league chart alone on the first page (every force named, bars in their
    RAG colour, as in the HTML), the categories and the trend on the second. Their data sit in columns N:O, outside
    the printed area."""
    ws = wb.create_sheet("Charts")
    # every cell through write_cell (text never as a formula): force names come from forces.csv
    write_cell(ws, 1, 1, "Charts of the round (their data are in columns N and O)").font = Font(bold=True)
    write_cell(ws, 1, DATA_COL, "Chart data (the charts read these cells)").font = Font(bold=True)
    ranked = views.league(data.summary).iloc[::-1]  # a bar chart draws its first category at the bottom
    write_cell(ws, 2, DATA_COL, "Force")
    write_cell(ws, 2, DATA_COL + 1, "Score")
    for i, r in enumerate(ranked.itertuples(), 3):
        write_cell(ws, i, DATA_COL, r.force_name)
        write_cell(ws, i, DATA_COL + 1, round(float(r.score), 1))
    n = len(ranked)
    bar = BarChart()
    bar.type = "bar"
    bar.title = f"Overall score by force ({data.round.round}): bars in their RAG colour"
    bar.y_axis.title = "Score (0-100)"
    bar.y_axis.scaling.min, bar.y_axis.scaling.max = 0, 100
    bar.add_data(Reference(ws, min_col=DATA_COL + 1, min_row=2, max_row=n + 2), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=DATA_COL, min_row=3, max_row=n + 2))
    series = bar.series[0]
    for i, rag in enumerate(ranked["rag"]):
        point = DataPoint(idx=i)
        point.graphicalProperties.solidFill = RAG_COLOURS.get(rag, NA_COLOUR).lstrip("#")
        series.dPt.append(point)
    bar.x_axis.tickLblSkip = 1  # every force named, however many
    bar.x_axis.txPr = _small_labels(800 if n <= 30 else 700)
    bar.x_axis.delete = bar.y_axis.delete = False
    bar.gapWidth = 40
    bar.height, bar.width = min(25.0, 3.5 + 0.45 * n), 17.5  # cm: one A4 portrait page at 43 forces
    bar.legend = None
    ws.add_chart(bar, "A3")

    second = 3 + math.ceil(bar.height / CM_PER_ROW) + 2  # the first row below the league chart
    ws.row_breaks.append(Break(id=second - 1))
    counts = _category_counts(data)
    start = n + 5
    write_cell(ws, start, DATA_COL, "Category")
    write_cell(ws, start, DATA_COL + 1, "Forces")
    for i, r in enumerate(counts.itertuples(), start + 1):
        write_cell(ws, i, DATA_COL, r.Category)
        write_cell(ws, i, DATA_COL + 1, int(r.Forces))
    col = BarChart()
    col.title = "Forces in each category"
    col.y_axis.title = "Forces"
    col.y_axis.majorUnit = max(1, math.ceil(counts["Forces"].max() / 8)) if len(counts) else 1  # whole forces
    col.add_data(Reference(ws, min_col=DATA_COL + 1, min_row=start, max_row=start + len(counts)),
                 titles_from_data=True)
    col.set_categories(Reference(ws, min_col=DATA_COL, min_row=start + 1, max_row=start + len(counts)))
    series = col.series[0]
    for i in range(len(counts)):
        point = DataPoint(idx=i)
        point.graphicalProperties.solidFill = (CATEGORY_COLOURS + [NA_COLOUR])[min(i, 4)].lstrip("#")
        series.dPt.append(point)
    col.x_axis.delete = col.y_axis.delete = False
    col.legend = None
    col.height, col.width = 9, 17.5
    ws.add_chart(col, f"A{second}")

    trend = data.trend
    rounds = [c for c in trend.columns if c not in ("force", "force_name")]
    tstart = start + len(counts) + 3
    write_cell(ws, tstart, DATA_COL, "Round")
    write_cell(ws, tstart, DATA_COL + 1, "Mean score")
    for i, rid in enumerate(rounds, tstart + 1):
        write_cell(ws, i, DATA_COL, str(rid))
        write_cell(ws, i, DATA_COL + 1, round(float(trend[rid].mean()), 1))
    line = LineChart()
    line.title = "Mean overall score by round"
    line.y_axis.title = "Score (0-100)"
    line.y_axis.scaling.min, line.y_axis.scaling.max = 0, 100
    line.add_data(Reference(ws, min_col=DATA_COL + 1, min_row=tstart, max_row=tstart + len(rounds)),
                  titles_from_data=True)
    line.set_categories(Reference(ws, min_col=DATA_COL, min_row=tstart + 1, max_row=tstart + len(rounds)))
    line.x_axis.delete = line.y_axis.delete = False
    line.height, line.width = 9, 17.5
    ws.add_chart(line, f"A{second + math.ceil(col.height / CM_PER_ROW) + 2}")
    ws.column_dimensions[get_column_letter(DATA_COL)].width = 30
    last = second + math.ceil((col.height + line.height) / CM_PER_ROW) + 4
    print_setup(ws, data.marking, data.title)
    ws.page_setup.orientation = "portrait"  # a tall chart: one page at 43 forces
    ws.print_area = f"A1:L{last}"


def _method_sheet(wb, data: PackData) -> None:
    ws = wb.create_sheet("Method")
    catalogue, config = data.ctx.catalogue, data.ctx.settings
    rows = [("Scoring rule", "Requirement score = level / maximum (0 no information, 1 planned, 2 started, 3 in "
             "place); theme and overall scores 0-100 weighted by requirement weight; not applicable leaves the "
             "denominator; category over key elements in the words of HMICFRS's 2017 review. docs/methodology.md"),
            ("Contradiction", views.CONTRADICTION_RULE), ("Input needs attention", views.ATTENTION_RULE),
            ("Evidence", views.EVIDENCE_KEY),
            ("Scoring settings version", config.version), ("Crosswalk version", catalogue.crosswalk.version),
            ("As of", str(data.round.as_of)), ("Made", dt.datetime.now().isoformat(timespec="seconds")),
            ("gapkit", __version__), ("Marking", data.marking)]
    rows += [(f"Framework {f}", catalogue.get(f).version) for f in data.round.frameworks]
    rows += [(f"Framework change {c.framework}", c.note) for c in data.framework_changes.itertuples()]
    for force, hashes in (data.run.get("input_hashes") or {}).items():
        for file, digest in hashes.items():
            rows.append((f"Input {file}", digest))
    frame = pd.DataFrame(rows, columns=["Item", "Value"])
    write_table(ws, frame, name="Method", widths={"Item": 45, "Value": 100})
    print_setup(ws, data.marking, data.title)


# ---- HTML and PDF -------------------------------------------------------------------------------------------

def _env() -> Environment:
    return Environment(loader=PackageLoader("gapkit.outputs", "templates"), autoescape=select_autoescape(["html", "j2"]))


def render_html(data: PackData, reports: dict[str, str] | None = None) -> str:
    """The HTML pack; `reports` maps a force id to its report's address from the pack (the force's name links
    there)."""
    figs = {
        "league": charts.league(views.league(data.summary), f"Overall score by force: {data.headline_name}", data.marking,
                                data.source),
        "categories": charts.category_distribution(views.category_counts(data.summary, data.ctx.settings),
                                                   f"Forces in each category: {data.headline_name}", data.marking,
                                                   data.source),
    }
    focus = data.model.requirements[data.model.requirements["framework"] == data.focus]
    figs["heatmap"] = charts.heatmap(focus, f"Level by requirement: {data.ctx.catalogue.get(data.focus).short_title}",
                                     data.marking, data.source, data.ctx.scale(data.focus))
    history = data.trend.melt(id_vars=["force", "force_name"], var_name="round", value_name="score").dropna()
    figs["trend"] = charts.trend(history, "Trend across rounds", data.marking, data.source)
    images = {name: base64.b64encode(Chart(fig).png).decode("ascii") for name, fig in figs.items()}
    summary = _summary_table(data)
    actions = actions_table(data)
    counts = actions.assign(overdue=actions["State"] == "overdue", soon=actions["State"] != "overdue").groupby(
        "Force", as_index=False)[["overdue", "soon"]].sum().sort_values("overdue", ascending=False)
    oldest = actions[actions["State"] == "overdue"].sort_values("Due date", na_position="last").head(25)
    gaps_top = gaps_table(data, per_force=3)
    gaps_top["Evidence"] = clip_lines(gaps_top[EVIDENCE_HEADER], 200)
    flagged = contradictions_table(data)
    return _env().get_template("pack.html.j2").render(
        data=data, images=images, summary=summary.to_dict("records"), summary_columns=list(summary.columns),
        reports=reports or {},
        gaps_top=gaps_top.to_dict("records"), actions=actions.to_dict("records"),
        contradiction_counts=contradiction_counts(data).to_dict("records"),
        contradictions=flagged.head(HTML_CONTRADICTIONS).to_dict("records"),
        contradictions_total=int(data.summary["force_contradictions"].sum()),
        contradiction_rule=views.CONTRADICTION_RULE, evidence_key=views.EVIDENCE_KEY,
        action_counts=counts.to_dict("records"), oldest=oldest.to_dict("records"),
        mean_score=float(data.summary["score"].mean()) if len(data.summary) else float("nan"),
        overdue_total=int(data.summary["force_overdue_items"].sum()),
        unread_total=int(data.summary["force_rows_not_read"].sum()),
        unread_counts=data.summary.loc[data.summary["force_rows_not_read"] > 0, ["force_name", "force_rows_not_read"]]
        .sort_values(["force_rows_not_read", "force_name"], ascending=[False, True]).to_dict("records"),
        attention=attention_table(data).to_dict("records"), attention_rule=views.ATTENTION_RULE,
        framework_changes=list(data.framework_changes["note"]),
        categories=_category_counts(data).to_dict("records"),
        failed=data.not_included.to_dict("records"),
        banner=SYNTHETIC_BANNER if data.round.synthetic else "", version=__version__,
        frameworks=[(f, data.ctx.catalogue.get(f).short_title, data.ctx.catalogue.get(f).version)
                    for f in data.round.frameworks],
        made=dt.date.today().isoformat())


def write_pdf(html_path: Path, target: Path) -> Path:
    try:
        from weasyprint import HTML  # an optional extra: the rest of the pack is made without it
    except ImportError:
        raise GapkitError.one(target, "", "PDF needs the optional WeasyPrint package, which is not installed",
                              "install it with: python -m pip install -e '.[pdf]' (the workbook and HTML pack "
                              "were made)") from None
    with atomic_path(target) as tmp:
        HTML(filename=str(html_path)).write_pdf(str(tmp))
    return target


def build_pack(out_dir: Path, round_id: str, data_dir: Path | None = None, target: Path | None = None,
               pdf: bool = True) -> list[Path]:
    """Write the workbook and the HTML pack (and the PDF where WeasyPrint is installed)."""
    data = load_pack_data(out_dir, round_id, data_dir)
    base = Path(target) if target else Path(out_dir) / round_id / f"board-pack-{round_id}.xlsx"
    written = [write_workbook(data, base.with_suffix(".xlsx"))]
    linked = forces_with_reports(Path(out_dir) / round_id, data.status)
    reports = {f: Path(os.path.relpath(Path(out_dir) / round_id / f / f"{f}.html", base.parent)).as_posix()
               for f in data.summary["force"] if f in linked}
    html_path = write_text(base.with_suffix(".html"), render_html(data, reports))
    written.append(html_path)
    if pdf:
        try:
            written.append(write_pdf(html_path, base.with_suffix(".pdf")))
        except GapkitError:
            pass  # the CLI says how to get PDF; the rest of the pack is made
    return written
