"""The scoring rule (docs/methodology.md): levels to requirement, theme and overall scores, gaps, categories, RAG
and overdue flags. Which level counts for a requirement is decided before this, in gapkit.assess.combine.

Scores are rounded to SCORE_DECIMALS places where they are computed, which removes floating-point noise (a weighted
mean of exactly 75 can come out as 74.99999999999999) and nothing a person could see; bands and categories are
decided on those values, so the same number gets the same band everywhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gapkit.catalogue.frameworks import Catalogue
from gapkit.catalogue.settings import ScoringConfig

KEYS = ["force", "round", "framework"]
SCORE_DECIMALS = 6
ASSESSMENT_COLUMNS = ["force", "round", "framework", "requirement_id", "level", "not_applicable",
                      "na_justification", "action", "evidence_refs", "evidence_place", "evidence_from", "owner",
                      "due_date", "rationale", "level_source"]


@dataclass(frozen=True)
class Scores:
    requirements: pd.DataFrame  # one row per force, round, framework, requirement
    themes: pd.DataFrame        # one row per force, round, framework, theme
    overall: pd.DataFrame       # one row per force, round, framework


def _catalogue_frame(catalogue: Catalogue, config: ScoringConfig, framework_ids: list[str],
                     grouping: str | None = None) -> pd.DataFrame:
    rows = []
    for fid in framework_ids:
        fw = catalogue.get(fid)
        top = config.scale(fw.level_scale).maximum
        regroup = grouping is not None and grouping in fw.groupings
        for order, req in enumerate(fw.requirements):
            theme = req.groupings.get(grouping, req.theme) if regroup else req.theme
            theme_name = theme.capitalize() if regroup and grouping in req.groupings else fw.theme_name(req.theme)
            rows.append({"framework": fid, "framework_version": fw.version, "requirement_id": req.id,
                         "order": order, "theme": theme, "theme_name": theme_name,
                         "weight": req.weight, "key": req.key, "max_level": top,
                         "target": float(min(req.target, top) if req.target is not None else top),
                         "deadline": pd.Timestamp(req.deadline) if req.deadline else pd.NaT})
    return pd.DataFrame(rows)


def _crosswalk_credit(levels: pd.DataFrame, catalogue: Catalogue, config: ScoringConfig) -> pd.DataFrame:
    """Credit each target requirement receives from assessed source items (as a level on the target's scale)."""
    maps = pd.DataFrame([m.model_dump() for m in catalogue.crosswalk.mappings],
                        columns=["source", "target", "relationship", "note"])
    if maps.empty or levels.empty:
        return pd.DataFrame(columns=["force", "round", "framework", "requirement_id", "credited_level", "credit_from"])
    maps[["src_fw", "src_req"]] = maps["source"].str.split(":", n=1, expand=True)
    maps[["framework", "requirement_id"]] = maps["target"].str.split(":", n=1, expand=True)
    maps["factor"] = maps["relationship"].map(config.crosswalk_credit)
    src = levels[["force", "round", "framework", "requirement_id", "own_level", "max_level"]].rename(
        columns={"framework": "src_fw", "requirement_id": "src_req", "own_level": "src_level", "max_level": "src_max"})
    joined = maps.merge(src, on=["src_fw", "src_req"])
    joined = joined[joined["src_level"].notna()]
    tgt_max = levels[["framework", "requirement_id", "max_level"]].drop_duplicates()
    joined = joined.merge(tgt_max, on=["framework", "requirement_id"])
    joined["credited_level"] = joined["factor"] * joined["src_level"] / joined["src_max"] * joined["max_level"]
    joined["credit_from"] = joined["source"] + " (" + joined["relationship"] + ")"
    joined = joined.sort_values("credited_level", ascending=False)
    return joined.groupby(["force", "round", "framework", "requirement_id"], as_index=False).first()[
        ["force", "round", "framework", "requirement_id", "credited_level", "credit_from"]]


def score_requirements(assessment: pd.DataFrame, catalogue: Catalogue, config: ScoringConfig,
                       as_of: dt.date | str | None = None, framework_ids: list[str] | None = None,
                       grouping: str | None = None, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Requirement-level scores for every force and round in `population` (default: those in the assessment).

    A requirement with no row in the assessment counts as level 0 (no information), so a force with no assessment
    at all is scored 0 throughout. `grouping` names an alternative grouping of themes (for example the NPCC
    strategy's unverified `four_p`) where a framework has it."""
    framework_ids = framework_ids or sorted(catalogue.frameworks)
    reqs = _catalogue_frame(catalogue, config, framework_ids, grouping)
    pairs = (population if population is not None else assessment)[["force", "round"]].drop_duplicates()
    grid = pairs.astype({"round": str}).merge(reqs, how="cross")
    df = grid.merge(assessment[ASSESSMENT_COLUMNS], on=["force", "round", "framework", "requirement_id"], how="left")
    df["not_applicable"] = df["not_applicable"].fillna(False).astype(bool)
    df["level_source"] = df["level_source"].astype(object)  # all missing when a force has no assessment
    missing = df["level_source"].isna()
    df.loc[missing, "level_source"] = "not-assessed"
    df.loc[missing & ~df["not_applicable"], "level"] = 0.0
    for col in ("na_justification", "action", "evidence_refs", "evidence_place", "evidence_from", "owner",
                "rationale"):
        df[col] = df[col].fillna("")
    df["own_level"] = df["level"].where(~df["not_applicable"]).clip(upper=df["max_level"])

    credit = _crosswalk_credit(df, catalogue, config)
    df = df.merge(credit, on=["force", "round", "framework", "requirement_id"], how="left")
    df["credit_from"] = df["credit_from"].fillna("")
    df["credited_level"] = df["credited_level"].fillna(0.0)
    use_credit = df["credited_level"] > df["own_level"].fillna(np.inf)
    df["level"] = df["own_level"].where(~use_credit, df["credited_level"])
    df.loc[~use_credit, "credit_from"] = ""

    applicable = ~df["not_applicable"]
    df["applicable"] = applicable
    df["score"] = (df["level"] / df["max_level"]).where(applicable)
    df["gap"] = (df["target"] - df["level"]).clip(lower=0).where(applicable)
    weight_total = df[applicable].groupby(KEYS)["weight"].transform("sum").reindex(df.index)
    df["gap_points"] = (100 * df["weight"] * df["gap"] / df["max_level"] / weight_total).where(applicable)
    df["gap_points"] = df["gap_points"].round(SCORE_DECIMALS)

    as_of_ts = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(dt.date.today())
    not_in_place = applicable & (df["level"] < df["max_level"])
    df["past_due_date"] = df["due_date"].notna() & (df["due_date"] < as_of_ts)
    df["past_deadline"] = df["deadline"].notna() & (df["deadline"] < as_of_ts)
    df["overdue"] = not_in_place & (df["past_due_date"] | df["past_deadline"])
    df["as_of"] = as_of_ts.date().isoformat()
    return df.sort_values(["force", "round", "framework", "order"]).reset_index(drop=True)


def _weighted_score(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    app = frame[frame["applicable"]].assign(weighted=lambda d: d["weight"] * d["score"])
    sums = app.groupby(by, as_index=False).agg(weighted=("weighted", "sum"), weight=("weight", "sum"),
                                                gap_points=("gap_points", "sum"))
    sums["score"] = (100 * sums["weighted"] / sums["weight"]).round(SCORE_DECIMALS)
    counts = frame.groupby(by, as_index=False).agg(requirements=("requirement_id", "size"),
                                                   not_applicable=("not_applicable", "sum"))
    sums["gap_points"] = sums["gap_points"].round(SCORE_DECIMALS)
    out = counts.merge(sums[by + ["score", "gap_points"]], on=by, how="left")
    return out


def category_for(key_levels: list[float], config: ScoringConfig) -> str:
    """The overall category from the applicable key elements' levels (docs/methodology.md)."""
    if not key_levels:
        return "not assessed"
    low, high = min(key_levels), max(key_levels)
    for rule in config.categories:
        if low >= rule.min_key_level and (rule.any_key_level is None or high >= rule.any_key_level):
            return rule.name
    return config.categories[-1].name


def rag_for(score: float, config: ScoringConfig) -> str:
    if score is None or pd.isna(score):
        return "not assessed"
    for band in config.rag:
        if score >= band.min_score:
            return band.band
    return config.rag[-1].band


def score_themes(requirements: pd.DataFrame) -> pd.DataFrame:
    out = _weighted_score(requirements, KEYS + ["theme", "theme_name"])
    return out.sort_values(KEYS + ["theme"]).reset_index(drop=True)


def score_overall(requirements: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    out = _weighted_score(requirements, KEYS + ["framework_version"])
    app = requirements[requirements["applicable"]]
    has_key = requirements.groupby(KEYS)["key"].transform("any")
    key_rows = app[app["key"] | ~has_key.reindex(app.index)]
    key_levels = key_rows.groupby(KEYS)["level"].apply(list)
    out["category"] = [category_for(key_levels.get(tuple(r), []), config) for r in out[KEYS].itertuples(index=False)]
    out["category_rank"] = out["category"].map(
        {name: len(config.categories) - i for i, name in enumerate(config.category_names())}).fillna(0).astype(int)
    out["rag"] = out["score"].map(lambda s: rag_for(s, config))
    overdue = requirements.groupby(KEYS, as_index=False)["overdue"].sum().rename(columns={"overdue": "overdue_items"})
    out = out.merge(overdue, on=KEYS, how="left")
    out["scoring_version"] = config.version
    return out.sort_values(KEYS).reset_index(drop=True)


def score(assessment: pd.DataFrame, catalogue: Catalogue, config: ScoringConfig,
          as_of: dt.date | str | None = None, framework_ids: list[str] | None = None,
          grouping: str | None = None, population: pd.DataFrame | None = None) -> Scores:
    """Score every force and round in `population` (default: those in the assessment) against the frameworks."""
    reqs = score_requirements(assessment, catalogue, config, as_of=as_of, framework_ids=framework_ids,
                              grouping=grouping, population=population)
    return Scores(requirements=reqs, themes=score_themes(reqs), overall=score_overall(reqs, config))
