"""Benchmark: read a 100-page plan and suggest levels for the whole catalogue.

    python benchmarks/bench_evidence.py [--pages 100] [--repeat 5]

Writes the plan as .md, .docx and .pdf in a temporary folder, then times read_plan + suggest for each
(the index of requirements is built once per process, as in a run). Prints the median and the worst time."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from gapkit.assess.evidence import suggest
from gapkit.catalogue.frameworks import default_catalogue
from gapkit.demo.generate import TOPICS, WORDING
from gapkit.demo.plandocs import write_plan
from gapkit.inputs.plans import read_plan

FILLER = ("The force's professional standards department reports to the deputy chief constable every month and the "
          "board considers the performance framework, the budget, the estate strategy and workforce planning.")


def plan_sections(pages: int, seed: int = 1) -> list[tuple[str, list[str]]]:
    """Enough text for `pages` A4 pages as the PDF writer lays them out (52 lines a page, 31 lines a section)."""
    rng = random.Random(seed)
    sections = []
    for page in range(-(-pages * 52 // 31)):
        paras = []
        for _ in range(6):
            rid = rng.choice(list(TOPICS))
            topic = TOPICS[rid]
            sentence = rng.choice(WORDING[rng.choice([1, 2, 3])]).format(
                topic=topic, Topic=topic.capitalize(), month="March", year=2017, next_year=2018)
            paras.append(f"{sentence} {FILLER}")
        sections.append((f"Section {page + 1}", paras))
    return sections


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    catalogue = default_catalogue()
    suggest([], catalogue)  # build the requirement index once, as a run does
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".md", ".docx", ".pdf"):
            path = write_plan(Path(tmp) / f"plan{suffix}", "A 100-page APSP plan", plan_sections(args.pages))
            times, passages = [], 0
            for _ in range(args.repeat):
                start = time.perf_counter()
                plan = read_plan(path)
                result = suggest(plan.passages, catalogue)
                times.append(time.perf_counter() - start)
                passages = len(plan.passages)
            extra = ""
            if suffix == ".pdf":
                from pypdf import PdfReader
                extra = f", {len(PdfReader(path).pages)} PDF pages"
            print(f"{suffix:6s} {passages:5d} passages{extra}, {len(result)} requirements: "
                  f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s")


if __name__ == "__main__":
    main()
