"""OUT/index.html (gapkit.outputs.index): every round and force of a run, with the round model's figures and links
that resolve, written by the run. Read from the stand-in run (tests/conftest.py)."""

from __future__ import annotations

import json
import re
import shutil
from urllib.parse import unquote

import pandas as pd
import pytest

from gapkit.outputs.index import INDEX, build_index
from gapkit.scoring.store import read_model
from tests.outputs.conftest import html_tables, text_of


@pytest.fixture(scope="module")
def index(standin_run):
    out, _ = standin_run
    return out, (out / INDEX).read_text(encoding="utf-8")


def test_the_run_writes_the_index_with_every_round(index):
    out, html = index
    rounds = sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert rounds == ["2017", "2019"]
    for rnd in rounds:
        assert f'id="round-{rnd}"' in html and f'id="table-{rnd}"' in html
    assert "SYNTHETIC DEMONSTRATION DATA" in text_of(html)
    assert html == build_index(out).replace(re.search(r"Made \S+", build_index(out)).group(0),
                                            re.search(r"Made \S+", html).group(0))


def test_every_force_row_shows_the_round_models_headline_figures(index):
    out, html = index
    tables = html_tables(html)
    for rnd, table in zip(["2017", "2019"], tables):
        model = read_model(out / rnd)
        headline = model.overall[model.overall["headline"]].set_index("force_name")
        assert sorted(row["Force"] for row in table) == sorted(model.forces["force_name"])
        for row in table:
            expected = headline.loc[row["Force"]]
            assert row["Score"] == f"{expected['score']:.1f}"
            assert row["Category"] == expected["category"] and row["RAG"] == expected["rag"]
            # the same figure as the national overview's and the board pack's: every framework of the round
            assert row["Overdue (all frameworks)"] == str(expected["force_overdue_items"])
            assert row["Change"] == ("" if pd.isna(expected["change"]) else f"{expected['change']:+.1f}")
            assert row["Status"] == model.forces.set_index("force_name").loc[row["Force"], "status"]


def test_every_link_resolves_and_each_force_links_to_its_report_notebook_and_workbook(index):
    out, html = index
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert hrefs and all(not h.startswith(("http:", "https:", "/")) for h in hrefs)
    for href in hrefs:
        assert (out / unquote(href)).is_file(), href
    for rnd in ("2017", "2019"):
        for force in read_model(out / rnd).forces["force"]:
            for name in (f"{force}.html", f"{force}.ipynb", f"{force}-{rnd}.xlsx"):
                assert f'href="{rnd}/{force}/{name}"' in html
        assert f'href="{rnd}/national/national_overview.html"' in html


def test_force_reports_made_by_a_run_link_back_to_the_index(index):
    out, _ = index
    report = out / "2019" / "northmoor" / "northmoor.html"
    assert re.search(r"href=[\"']../../index.html[\"']", report.read_text(encoding="utf-8"))
    assert (report.parent / "../../index.html").resolve() == (out / INDEX).resolve()


def test_an_empty_output_folder_gets_an_index_saying_so(tmp_path):
    assert "No round has results here yet" in text_of(build_index(tmp_path))


def test_index_needs_no_network(index):
    _, html = index
    assert "<script src" not in html and "http://" not in html and "https://" not in html


def test_a_damaged_run_record_still_gives_the_round(index, tmp_path):
    out, _ = index
    copy = shutil.copytree(out, tmp_path / "out")
    (copy / "2019" / "run.json").write_text("{", encoding="utf-8")
    html = build_index(copy)
    assert 'id="round-2019"' in html and "Round 2019" in html


def test_a_framework_version_change_between_rounds_is_stated(index, tmp_path):
    out, _ = index
    copy = shutil.copytree(out, tmp_path / "out")
    record = json.loads((copy / "2019" / "run.json").read_text(encoding="utf-8"))
    record["framework_changes"] = [{"framework": "npcc-apsp-2017", "previous_version": "2017.1", "version": "2017.2",
                                    "note": "npcc-apsp-2017: framework changed from 2017.1 (round 2017) to 2017.2"}]
    (copy / "2019" / "run.json").write_text(json.dumps(record), encoding="utf-8")
    text = text_of(build_index(copy))
    assert "Framework versions changed since the round before" in text
    assert "npcc-apsp-2017: framework changed from 2017.1 (round 2017) to 2017.2" in text
    assert "Framework versions changed" not in text_of(build_index(out))  # none in the stand-in run
