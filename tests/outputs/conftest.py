"""A round's outputs made in this process, without Jupyter kernels: a small synthetic dataset (three fictional
forces, rounds 2017 and 2019), every force's report sections (the ones the committed force notebook shows), its
model and workbook (write_outputs), the round model (runner.collect) and the board pack (build_pack, no PDF).

Made once per test session and shared read-only by tests/outputs/test_sections.py and test_agreement.py."""

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
def inproc_run(tmp_path_factory) -> InProcessRun:
    from gapkit.demo.generate import generate
    from gapkit.inputs.layout import list_forces
    from gapkit.outputs import force_report as report
    from gapkit.outputs.pack import build_pack
    from gapkit.run.runner import collect

    assert FORCE_SECTIONS[0] == "headline" and FORCE_SECTIONS[-1] == "write_outputs", FORCE_SECTIONS
    root = tmp_path_factory.mktemp("inproc")
    data = generate(root / "data", n_forces=3, seed=7)
    out = root / "reports"
    run = InProcessRun(data, out, {rnd: list_forces(data, rnd) for rnd in ROUNDS})
    for rnd in ROUNDS:
        for force in run.forces[rnd]:
            folder = out / rnd / force
            rep = report.build_force_report(force, rnd, data, out_dir=folder)
            panels = {name: getattr(report, name)(rep) for name in FORCE_SECTIONS}
            run.reports[(rnd, force)] = rep
            run.panels[(rnd, force)] = panels
            run.html[(rnd, force)] = "\n".join(p._repr_html_() for p in panels.values())
            (folder / f"{force}.html").write_text(run.html[(rnd, force)], encoding="utf-8")
        collect(out / rnd, [{"force": f, "status": "ok"} for f in run.forces[rnd]])
        run.packs[rnd] = {p.suffix: p for p in build_pack(out, rnd, data, pdf=False)}
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
