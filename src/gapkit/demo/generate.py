"""Synthetic demonstration data about fictional forces: submissions, plan documents and inspector reviews over two
rounds, spanning all four 2017 categories. Deterministic for a given seed. Every file says it is synthetic."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import pandas as pd
import yaml
from openpyxl import Workbook, load_workbook

from gapkit.catalogue.frameworks import Catalogue, default_catalogue
from gapkit.catalogue.settings import ScoringConfig, default_config
from gapkit.catalogue.vocabulary import status_labels
from gapkit.core import paths
from gapkit.demo.plandocs import write_plan
from gapkit.forms.review_form import write_review
from gapkit.forms.template import write_template

SYNTHETIC = "SYNTHETIC DEMONSTRATION DATA about a fictional force"

# Fictional forces: none of these names is a real police force.
DEMO_FORCES = [
    ("northmoor", "Northmoor Police", "Northmoor", "North East"),
    ("kestrel-vale", "Kestrel Vale Constabulary", "Kestrel Vale", "North West"),
    ("ashdown-weald", "Ashdown Weald Police", "Ashdown Weald", "South East"),
    ("fenwold", "Fenwold Constabulary", "Fenwold", "East of England"),
    ("carrdale", "Carrdale Police", "Carrdale", "Yorkshire and The Humber"),
    ("severnmouth", "Severnmouth Police", "Severnmouth", "South West"),
    ("cadbury-chase", "Cadbury Chase Constabulary", "Cadbury Chase", "East Midlands"),
    ("glan-teifi", "Glan Teifi Police", "Glan Teifi", "Wales"),
    ("mercot", "Mercot Police", "Mercot", "West Midlands"),
    ("thamesreach", "Thamesreach Constabulary", "Thamesreach", "South East"),
    ("easterby", "Easterby Police", "Easterby", "East of England"),
    ("highcliff", "Highcliff Constabulary", "Highcliff", "South West"),
    ("lowmere", "Lowmere Police", "Lowmere", "North West"),
]

ROUNDS = {
    "2017": {"title": "APSP plan review 2017", "as_of": dt.date(2017, 10, 5),
             "frameworks": ["hmicfrs-2017-plans", "npcc-apsp-2017", "hmic-2016-legitimacy", "ipcc-2017-referral"],
             "headline_framework": "hmicfrs-2017-plans", "focus_framework": "npcc-apsp-2017", "previous": None},
    "2019": {"title": "APSP progress review 2019", "as_of": dt.date(2019, 9, 27),
             "frameworks": ["hmicfrs-2017-plans", "npcc-apsp-2017", "hmic-2016-legitimacy", "ipcc-2017-referral",
                            "hmicfrs-2019-salob"],
             "headline_framework": "hmicfrs-2017-plans", "focus_framework": "npcc-apsp-2017", "previous": "2017"},
}

# 2017 category per force (0 insufficient information .. 3 all elements in place), roughly the published
# 11 / 15 / 15 / 2 shape; and how many levels the force moves on by 2019.
PROFILE_2017 = [0, 1, 2, 3, 0, 1, 2, 1, 2, 0, 1, 2, 2]
PROGRESS_2019 = [2, 1, 1, 0, 1, 2, 1, 0, 1, 1, 2, 1, 1]
TRACKER_FORCES = {"kestrel-vale", "carrdale", "mercot", "highcliff"}
REVIEWED_FORCES = {"northmoor", "severnmouth", "thamesreach"}
PLAN_FORMATS = [".md", ".docx", ".pdf"]

# What each requirement is about, for plan wording (the catalogue has the full statements).
TOPICS = {
    "E1": "recording every abuse of position allegation as serious corruption",
    "E2": "mandatory referral of abuse of position cases to the IOPC",
    "E3": "a review of the counter-corruption unit's capacity to gather intelligence proactively",
    "E4": "ICT protective monitoring and audit of force IT systems",
    "E5": "information sharing with domestic abuse and sexual violence support organisations",
    "E6": "a confidential reporting line for staff and the public",
    "E7": "professional boundaries training and an awareness campaign",
    "E8": "vetting of the whole workforce to national standards",
    "E9": "misconduct hearings with published outcomes and dismissal where proven",
    "E10": "an annual review of the APSP plan by the chief officer board",
    "E11": "a strategic threat assessment by counter-corruption analysts",
    "E12": "guidance for supervisors and line managers on conduct under the Code of Ethics",
    "P1": "the review of the counter-corruption unit's capability and capacity",
    "P2": "monitoring and audit of IT systems for misuse",
    "P3": "links with organisations that support vulnerable people, such as domestic abuse charities",
}
WORDING = {
    3: ["{Topic} is now in place and has been fully implemented.", "{Topic} went live in {month} {year}.",
        "{Topic} has been in place since {year} and is business as usual."],
    2: ["Work on {topic} has begun; a pilot is under way.", "{Topic} is being implemented and the first phase has "
        "started.", "{Topic} is in progress: staff have been recruited and work has started."],
    1: ["The force will deliver {topic} by {month} {next_year}.", "We plan to introduce {topic} next year.",
        "{Topic} is planned; a business case will go to the chief officer group."],
}
TRACKER_WORDS = {3: ["Complete", "Green", "Closed"], 2: ["Amber", "On track", "Ongoing"],
                 1: ["Red", "Not started"], 0: ["Not started"]}
MONTHS = ["January", "March", "May", "June", "September", "November"]


def _key_levels(category: int, rng: random.Random) -> list[int]:
    if category == 3:
        return [3, 3, 3]
    if category == 2:
        levels = [rng.choice([1, 2, 3]) for _ in range(3)]
        levels[rng.randrange(3)] = 2
        return levels if levels != [3, 3, 3] else [3, 2, 3]
    if category == 1:
        return [1, 1, 1]
    levels = [rng.choice([1, 2]) for _ in range(3)]
    levels[rng.randrange(3)] = 0
    return levels


def force_levels(catalogue: Catalogue, frameworks: list[str], category: int, rng: random.Random,
                 bump: int = 0, base: dict | None = None) -> dict[tuple[str, str], int]:
    """Levels for every requirement, consistent with the force's 2017 category (plus progress by 2019)."""
    if base is not None:
        out = {k: min(3, v + (bump if rng.random() < 0.7 else 0)) for k, v in base.items()}
        for fid in frameworks:
            for req in catalogue.get(fid).requirements:
                out.setdefault((fid, req.id), max(0, min(3, round(rng.gauss(1.2 + bump, 1)))))
        return out
    keys = _key_levels(category, rng)
    maturity = [0.6, 1.2, 1.9, 2.7][category]
    out = {}
    for fid in frameworks:
        for req in catalogue.get(fid).requirements:
            out[(fid, req.id)] = max(0, min(3, round(rng.gauss(maturity, 0.9))))
    for i, pid in enumerate(["P1", "P2", "P3"]):
        out[("hmicfrs-2017-plans", pid)] = keys[i]
        out[("npcc-apsp-2017", f"E{i + 3}")] = keys[i]
    return out


def _sentence(rid: str, level: int, rng: random.Random, year: int, catalogue: Catalogue, fid: str) -> str:
    topic = TOPICS.get(rid) or catalogue.get(fid).requirement(rid).keywords[0]
    template = rng.choice(WORDING[level])
    text = template.format(topic=topic, Topic=topic[0].upper() + topic[1:], month=rng.choice(MONTHS),
                           year=year - rng.randint(0, 1), next_year=year + 1)
    return text


def _plan_sections(levels: dict, rng: random.Random, year: int, catalogue: Catalogue, name: str,
                   written: set) -> list[tuple[str, list[str]]]:
    sections = [("Purpose", [f"This plan sets out how {name} responds to the national strategy on abuse of "
                             f"position for a sexual purpose. {SYNTHETIC}."])]
    by_theme: dict[str, list[str]] = {}
    for (fid, rid), level in levels.items():
        if fid not in ("npcc-apsp-2017", "hmicfrs-2017-plans") or level == 0 or (fid, rid) not in written:
            continue
        if fid == "hmicfrs-2017-plans":
            continue  # the NPCC expectations E3-E5 carry the same wording
        theme = catalogue.get(fid).theme_name(catalogue.get(fid).requirement(rid).theme)
        by_theme.setdefault(theme, []).append(_sentence(rid, level, rng, year, catalogue, fid))
    sections += [(theme, paras) for theme, paras in sorted(by_theme.items())]
    return sections


def _fill_template(path: Path, levels: dict, rng: random.Random, year: int, leave_blank: set, labels: list[str],
                   na_key: tuple | None) -> None:
    wb = load_workbook(path)
    ws = wb["Actions"]
    rows = list(ws.iter_rows(min_row=2))
    for row in rows:
        fid, rid = row[0].value, row[1].value
        if fid is None or (fid, rid) in leave_blank:
            continue
        level = levels[(fid, rid)]
        if (fid, rid) == na_key:
            row[9].value, row[11].value = "Not applicable", "Function provided by a regional unit (synthetic example)"
            continue
        row[6].value = f"Action on {TOPICS.get(rid, rid)}" if level else "No action recorded yet"
        row[7].value = rng.choice(["Head of PSD", "DCC", "Head of CCU", "Chief Information Officer", ""])
        row[8].value = dt.date(year + rng.choice([-1, 0, 1]), rng.choice([3, 6, 9, 12]), 28)
        row[9].value = labels[level]
        row[10].value = f"APSP plan section {rng.randint(1, 9)}" if level >= 2 else None
        row[12].value = dt.date(year, 8, 1)
    wb.save(path)


def _write_tracker(path: Path, levels: dict, rng: random.Random, year: int, catalogue: Catalogue,
                   frameworks: list[str], name: str) -> None:
    """A force's own tracker: other headers, RAG words, merged cells, text dates, a hidden row, extra columns."""
    wb = Workbook()
    ws = wb.active
    ws.title = "HMICFRS tracker"
    ws.append([f"{name} - HMICFRS recommendations tracker ({SYNTHETIC})"])
    ws.append(["Rec Ref", "Recommendation", "Action", "Lead", "Target date", "RAG", "Update", "Sponsor"])
    for fid in frameworks:
        for req in catalogue.get(fid).requirements:
            level = levels[(fid, req.id)]
            ref = f"{fid}:{req.id}"
            n_actions = 2 if rng.random() < 0.2 else 1
            start = ws.max_row + 1
            for a in range(n_actions):
                lv = level if a == 0 else min(3, level + 1)
                target = dt.date(year + rng.choice([0, 1]), rng.choice([3, 9]), 30)
                ws.append([ref, req.statement, f"Action {a + 1} on {TOPICS.get(req.id, req.keywords[0])}",
                           rng.choice(["Supt Jones", "DCI Patel", "Head of PSD"]),
                           target.strftime("%d/%m/%Y") if rng.random() < 0.5 else target,
                           rng.choice(TRACKER_WORDS[lv]), "See board minutes", "ACC"])
            if n_actions > 1:
                ws.merge_cells(start_row=start, start_column=1, end_row=start + n_actions - 1, end_column=1)
                ws.merge_cells(start_row=start, start_column=2, end_row=start + n_actions - 1, end_column=2)
    ws.append([])
    ws.append(["Archived", "Completed legacy action kept for reference", "", "", "", "Closed", "", ""])
    ws.row_dimensions[ws.max_row].hidden = True
    notes = wb.create_sheet("Notes")
    notes.append([SYNTHETIC])
    wb.save(path)


def _write_review(path: Path, force_row: pd.Series, round_id: str, levels: dict, rng: random.Random,
                  frameworks: list[str], catalogue: Catalogue, settings: ScoringConfig, year: int,
                  labels: list[str]) -> None:
    write_review(path, force_row, round_id, catalogue=catalogue, settings=settings, framework_ids=frameworks,
                 synthetic=True)
    wb = load_workbook(path)
    ws = wb["Review"]
    for row in ws.iter_rows(min_row=2):
        fid, rid = row[1].value, row[2].value
        if fid == "hmicfrs-2017-plans" and rng.random() < 0.6:
            level = max(0, levels[(fid, rid)] - rng.choice([0, 1]))
            row[11].value = labels[level]
            row[12].value = "Inspector's judgement from the force's documents and interviews (synthetic)."
            row[13].value = "Demo Inspector"
            row[14].value = dt.datetime(year, 9, 1)
    wb.save(path)


def generate(out_dir: Path, n_forces: int = 13, seed: int = 2017, catalogue: Catalogue | None = None,
             settings: ScoringConfig | None = None, with_plans: bool = True) -> Path:
    """Write a complete synthetic dataset (docs/dataset.md) to out_dir."""
    catalogue = catalogue or default_catalogue()
    settings = settings or default_config()
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    forces = _force_rows(n_forces)
    out_dir.mkdir(parents=True)
    forces.to_csv(out_dir / "forces.csv", index=False)
    (out_dir / "README.md").write_text(
        "# Demo dataset\n\n" + SYNTHETIC.replace("a fictional force", "fictional forces") +
        ". None of these forces is real; levels, plans and reviews are made up by `gapkit demo`.\n")
    labels = status_labels(settings.scale("hmicfrs-2017"))  # every demo framework is on the 2017 scale
    previous_levels: dict[str, dict] = {}
    for round_id, spec in ROUNDS.items():
        rdir = paths.round_dir(out_dir, round_id)
        (rdir / "submissions").mkdir(parents=True)
        cfg = {"round": round_id, "title": f"{spec['title']} (synthetic demonstration)",
               "as_of": spec["as_of"].isoformat(), "frameworks": spec["frameworks"],
               "headline_framework": spec["headline_framework"], "focus_framework": spec["focus_framework"],
               "previous": spec["previous"],
               "marking": "OFFICIAL - SYNTHETIC DEMO", "synthetic": True}
        (rdir / "round.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
        year = spec["as_of"].year
        for i, force in enumerate(forces.itertuples()):
            frng = random.Random(f"{seed}-{round_id}-{force.force_id}")
            category = PROFILE_2017[i % len(PROFILE_2017)] if i < len(PROFILE_2017) else frng.randrange(4)
            if spec["previous"]:
                levels = force_levels(catalogue, spec["frameworks"], category, frng,
                                      bump=PROGRESS_2019[i % len(PROGRESS_2019)],
                                      base=previous_levels[force.force_id])
            else:
                levels = force_levels(catalogue, spec["frameworks"], category, frng)
            previous_levels[force.force_id] = levels
            row = forces.iloc[i]
            keys = list(levels)
            leave_blank = {k for k in keys if k[0] == "npcc-apsp-2017" and frng.random() < 0.35}
            if force.force_id in TRACKER_FORCES:
                _write_tracker(rdir / "submissions" / f"{force.force_id}.xlsx", levels, frng, year, catalogue,
                               spec["frameworks"], force.official_name)
            else:
                sub = write_template(row, round_id, rdir / "submissions" / f"{force.force_id}.xlsx",
                                     catalogue=catalogue, settings=settings, framework_ids=spec["frameworks"],
                                     marking=cfg["marking"], synthetic=True)
                na_key = ("hmic-2016-legitimacy", "VET-1") if i % 5 == 4 else None
                _fill_template(sub, levels, frng, year, leave_blank, labels, na_key)
            if with_plans:
                fmt = PLAN_FORMATS[i % len(PLAN_FORMATS)]
                sections = _plan_sections(levels, frng, year, catalogue, force.official_name,
                                          written=set(keys))
                write_plan(rdir / "plans" / force.force_id / f"apsp-plan-{round_id}{fmt}",
                           f"{force.official_name}: APSP plan {round_id}", sections, footer=SYNTHETIC)
            if force.force_id in REVIEWED_FORCES:
                _write_review(rdir / "reviews" / f"{force.force_id}.xlsx", row, round_id, levels, frng,
                              spec["frameworks"], catalogue, settings, year, labels)
    return out_dir


def _force_rows(n: int) -> pd.DataFrame:
    rows = []
    for i in range(n):
        if i < len(DEMO_FORCES):
            fid, name, short, region = DEMO_FORCES[i]
        else:  # scale tests: more fictional forces
            fid, name, short, region = f"synthetic-{i + 1:03d}", f"Synthetic Force {i + 1:03d}", f"SF{i + 1:03d}", \
                DEMO_FORCES[i % len(DEMO_FORCES)][3]
        rows.append({"force_id": fid, "pfa_code": "", "pfa_name": "", "official_name": name, "short_name": short,
                     "region": region, "slug": "", "kind": "fictional", "note": "synthetic demonstration force"})
    return pd.DataFrame(rows)
