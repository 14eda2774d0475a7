"""The views every output shares, computed once from the scores: gaps, open and overdue items, category counts,
change since a named round, and the reason for each category. Outputs show these; they never recompute them.

Definitions (docs/methodology.md):
- a gap is an applicable requirement below its target; its size is in points of the framework's overall score;
- an open item is an applicable requirement not yet at the top of its scale;
- an overdue item is an open item past its due date or its source's deadline, as of the round's as-of date;
- change is this round's score minus the score in the round named as `previous` in round.yaml."""

from __future__ import annotations

import pandas as pd

from gapkit.catalogue.settings import Scale, ScoringConfig
from gapkit.scoring.rule import SCORE_DECIMALS

KEYS = ["force", "round", "framework"]
AT_RISK_DAYS = 90


def gaps(requirements: pd.DataFrame, framework: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Applicable requirements below target, largest gap (in points) first, optionally of one framework."""
    rows = requirements[requirements["applicable"] & (requirements["gap"] > 0)]
    if framework is not None:
        rows = rows[rows["framework"] == framework]
    rows = rows.sort_values(["force", "gap_points", "framework", "order"], ascending=[True, False, True, True])
    return rows.groupby("force").head(limit) if limit else rows


def open_items(requirements: pd.DataFrame) -> pd.DataFrame:
    """Applicable requirements not yet at the top of their scale."""
    return requirements[requirements["applicable"] & (requirements["level"] < requirements["max_level"])]


def action_state(requirements: pd.DataFrame, as_of: object) -> pd.Series:
    """'in place', 'overdue', 'due within 90 days' or 'open' for each requirement ('' when not applicable)."""
    as_of_ts = pd.Timestamp(as_of)
    soon = requirements["due_date"].notna() & (requirements["due_date"] >= as_of_ts) & \
        (requirements["due_date"] <= as_of_ts + pd.Timedelta(days=AT_RISK_DAYS))
    state = pd.Series("open", index=requirements.index, dtype=object)
    state[soon] = f"due within {AT_RISK_DAYS} days"
    state[requirements["overdue"]] = "overdue"
    state[requirements["level"] >= requirements["max_level"]] = "in place"
    state[~requirements["applicable"]] = ""
    return state


def why_overdue(requirements: pd.DataFrame) -> pd.Series:
    return pd.Series([", ".join(w for w, flag in (("past due date", a), ("past deadline", b)) if flag) if o else ""
                      for a, b, o in zip(requirements["past_due_date"], requirements["past_deadline"],
                                         requirements["overdue"])], index=requirements.index, dtype=object)


def next_steps(requirements: pd.DataFrame, as_of: object) -> pd.DataFrame:
    """Every open item with its action, owner, due date, state and the points closing its gap would gain."""
    rows = open_items(requirements).copy()
    rows["state"] = action_state(rows, as_of)
    rows["why_overdue"] = why_overdue(rows)
    return rows.sort_values(["force", "framework", "gap_points", "order"], ascending=[True, True, False, True])


NOT_ASSESSED = "not assessed"


def category_counts(overall: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """Forces in each category, worst first (the form HMICFRS published in 2017); a last row 'not assessed' when
    some force has no applicable key element, so the counts always add up to the forces."""
    worst_first = list(reversed(config.category_names()))
    if (overall["category"] == NOT_ASSESSED).any():
        worst_first.append(NOT_ASSESSED)
    counts = overall["category"].value_counts().reindex(worst_first, fill_value=0)
    return pd.DataFrame({"category": worst_first, "forces": counts.to_numpy(dtype=int)})


def with_change(overall: pd.DataFrame, previous: pd.DataFrame | None, previous_round: str | None) -> pd.DataFrame:
    """Add previous_round, previous_score, previous_category and change against the named round."""
    out = overall.copy()
    out["previous_round"] = previous_round or ""
    if previous is None or previous.empty or not previous_round:
        out["previous_score"], out["previous_category"], out["change"] = float("nan"), "", float("nan")
        return out
    prev = previous[previous["round"].astype(str) == str(previous_round)][
        ["force", "framework", "score", "category"]].rename(
        columns={"score": "previous_score", "category": "previous_category"})
    out = out.merge(prev, on=["force", "framework"], how="left")
    out["previous_category"] = out["previous_category"].fillna("")
    out["change"] = (out["score"] - out["previous_score"]).round(SCORE_DECIMALS)
    return out


def key_rows(requirements: pd.DataFrame) -> pd.DataFrame:
    """The requirements a framework's category is decided on: its key elements, or all where none is key."""
    has_key = requirements.groupby(KEYS)["key"].transform("any")
    return requirements[requirements["applicable"] & (requirements["key"] | ~has_key)]


def category_reasons(requirements: pd.DataFrame, overall: pd.DataFrame, config: ScoringConfig,
                     scales: dict[str, Scale]) -> pd.DataFrame:
    """Per force and framework: the key elements with their levels, and why the category is not the next better one.

    For example "insufficient information: P1 No information, P2 Started, P3 In place. Not 'plan, not started'
    because P1 is below Planned, not started"."""
    keys = key_rows(requirements)
    names = config.category_names()
    out = []
    for row in overall.itertuples(index=False):
        scale = scales[row.framework]
        mine = keys[(keys["force"] == row.force) & (keys["round"].astype(str) == str(row.round)) &
                    (keys["framework"] == row.framework)].sort_values("order")
        listing = ", ".join(f"{r.requirement_id} {scale.label(r.level)}" for r in mine.itertuples())
        is_key = bool(mine["key"].any())
        elements = "key elements" if is_key else "all requirements (none is marked key)"
        reason = f"{row.category}: {elements}: {listing}." if listing else f"{row.category}: nothing applicable."
        index = names.index(row.category) if row.category in names else None
        if index:  # not the best category: say what stands in the way of the next better one
            better = config.categories[index - 1]
            short = []
            below = mine[mine["level"] < better.min_key_level]
            if not below.empty:
                short.append(f"{', '.join(below['requirement_id'])} "
                             f"{'is' if len(below) == 1 else 'are'} below {scale.label(better.min_key_level)}")
            if better.any_key_level is not None and not (mine["level"] >= better.any_key_level).any():
                short.append(f"no key element is {scale.label(better.any_key_level)} or better")
            if short:
                reason += f" Not '{better.name}' because {' and '.join(short)}."
        out.append({"force": row.force, "round": row.round, "framework": row.framework,
                    "key_elements": ", ".join(mine["requirement_id"]), "category_reason": reason})
    return pd.DataFrame(out, columns=["force", "round", "framework", "key_elements", "category_reason"])


def league(overall: pd.DataFrame) -> pd.DataFrame:
    """Forces best first; equal scores in name order. Tables show this order and charts draw it top down."""
    return overall.sort_values(["score", "force_name"], ascending=[False, True]).reset_index(drop=True)


def region_scores(overall: pd.DataFrame) -> pd.DataFrame:
    """Per region: forces and their mean score, highest first."""
    out = overall.groupby("region", as_index=False).agg(forces=("force", "count"), mean_score=("score", "mean"))
    return out.sort_values(["mean_score", "region"], ascending=[False, True]).reset_index(drop=True)


def theme_shortfall(themes: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per theme: the share of forces scoring below `threshold` (%) and the spread of scores, largest share first."""
    data = themes.dropna(subset=["score"]).assign(short=lambda d: d["score"] < threshold)
    out = data.groupby("theme_name", as_index=False).agg(share_below=("short", "mean"), mean=("score", "mean"),
                                                         lowest=("score", "min"), highest=("score", "max"),
                                                         forces=("force", "nunique"))
    out["share_below"] = 100 * out["share_below"]
    return out.sort_values(["share_below", "theme_name"], ascending=[False, True]).reset_index(drop=True)


def round_trend(history: pd.DataFrame) -> pd.DataFrame:
    """Per round: forces scored, mean, lowest and highest score, oldest first."""
    out = history.groupby("round", as_index=False)["score"].agg(["count", "mean", "min", "max"])
    return out.sort_values("round").reset_index(drop=True)
