"""A round's outputs made in this process, without Jupyter kernels: the stand-in run of the tiny dataset (three
fictional forces, rounds 2017 and 2019; tests/conftest.py standin_build), which makes every force's report sections
(the ones the committed force notebook shows) with its model and workbook (write_outputs) and the round model
(runner.collect) the way `gapkit run` lays them out, keeping each report and its sections in memory; and the board
pack of each round (build_pack, no PDF).

Made once per test session (with the stand-in run) and shared read-only by tests/outputs/test_sections.py and
test_agreement.py."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gapkit.core import paths

ROUNDS = ["2017", "2019"]


def notebook_sections(notebook: Path, obj: str) -> list[str]:
    """The section functions a committed notebook calls, in order (e.g. `report.headline(rep)` -> 'headline')."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
               for c in cells if c["cell_type"] == "code"]
    return [m for source in sources for m in re.findall(rf"^\w+\.(\w+)\({obj}\)\s*$", source, re.M)]


FORCE_SECTIONS = notebook_sections(paths.FORCE_NOTEBOOK, "rep")
NATIONAL_SECTIONS = notebook_sections(paths.NATIONAL_NOTEBOOK, "ov")


@dataclass
class InProcessRun:
    data: Path                                   # the dataset
    out: Path                                    # the output folder: OUT/ROUND/FORCE/... and OUT/ROUND/*.csv
    forces: dict[str, list[str]]                 # round -> force ids
    reports: dict = field(default_factory=dict)  # (round, force) -> ForceReport
    panels: dict = field(default_factory=dict)   # (round, force) -> {section name: Panel}
    html: dict = field(default_factory=dict)     # (round, force) -> the report's HTML (the panels, concatenated)
    packs: dict = field(default_factory=dict)    # round -> {".xlsx": path, ".html": path}


@pytest.fixture(scope="session")
def inproc_run(standin_build, tiny_data, tmp_path_factory) -> InProcessRun:
    """The round's outputs as the stand-in run of the tiny dataset made them (tests/conftest.py standin_build: the
    runner, with each force's notebook calls made in this process), and the board pack of each round."""
    from dataclasses import replace

    from gapkit.outputs.pack import build_pack

    assert FORCE_SECTIONS[0] == "headline" and FORCE_SECTIONS[-1] == "write_outputs", FORCE_SECTIONS
    out, results, made = standin_build.out, standin_build.results, standin_build.made
    data = Path(tiny_data).resolve()
    run = InProcessRun(data, out, {r.round: sorted(f["force"] for f in r.forces) for r in results})
    assert [r.round for r in results] == ROUNDS
    packs = tmp_path_factory.mktemp("inproc-packs")
    for rnd in ROUNDS:
        for force in run.forces[rnd]:
            rep, panels = made[(rnd, force)].built, made[(rnd, force)].sections
            assert list(panels) == FORCE_SECTIONS, list(panels)
            # the notebook ran in the force's work folder with paths relative to it (as the runner runs it): the
            # same report, with the folders it ended up in
            folder = out / rnd / force
            assert folder.is_dir() and (out / rnd / force / f"{force}-{rnd}.xlsx").exists()
            rep = replace(rep, ctx=replace(rep.ctx, data_dir=data), out_dir=folder)
            run.reports[(rnd, force)] = rep
            run.panels[(rnd, force)] = panels
            run.html[(rnd, force)] = "\n".join(p._repr_html_() for p in panels.values())
        run.packs[rnd] = {p.suffix: p for p in build_pack(out, rnd, data, target=packs / f"board-pack-{rnd}.xlsx",
                                                          pdf=False)}
    return run


# ---- reading what a person sees in HTML --------------------------------------------------------------------------

class _Tables(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_rows(html: str) -> list[list[list[str]]]:
    """Each <table> as its rows of cell texts (th and td alike)."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def html_tables(html: str) -> list[list[dict]]:
    """Each <table> as a list of {header: cell text} rows (header = the first row)."""
    return [[dict(zip(t[0], row)) for row in t[1:]] for t in html_rows(html) if t]


def text_of(html: str) -> str:
    """The text a person reads (no tags, no style sheets, whitespace collapsed)."""
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
