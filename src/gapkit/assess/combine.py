"""Which level counts: the two rules that turn several judgements into one level per requirement.

1. Several actions against one requirement (`combine_level`, `combine_actions`).
2. Several sources for one requirement: the inspector's level over the force's over gapkit's suggestion
   (`combine_sources`).
Both are part of the scoring rule written down in docs/methodology.md; gapkit.scoring.rule does the rest."""

from __future__ import annotations

import pandas as pd

from gapkit.assess.table import LEVEL_SOURCES, empty_assessment, normalise


def combine_level(levels: list[float], maximum: int) -> float:
    """Several actions against one requirement (docs/methodology.md): in place only when every action is in place;
    otherwise the most advanced action's level, capped just below in place."""
    if all(lv >= maximum for lv in levels):
        return float(maximum)
    return float(min(max(levels), maximum - 1))


def combine_actions(rows: pd.DataFrame, maxima: dict[str, int]) -> pd.DataFrame:
    """One assessment row per requirement from one or more action rows; `maxima` is each framework's top level."""
    if rows is None or rows.empty:
        return empty_assessment()
    out = []
    for (force, rnd, fid, rid), grp in rows.groupby(["force", "round", "framework", "requirement_id"], sort=False):
        maximum = maxima[fid]
        applicable = grp[~grp["not_applicable"]]
        join = lambda col: " | ".join(dict.fromkeys(v for v in grp[col] if v))  # noqa: E731
        if applicable.empty:
            level, na = None, True
            due = pd.NaT
        else:
            level, na = combine_level(list(applicable["level"]), maximum), False
            open_actions = applicable[applicable["level"] < maximum]
            due = open_actions["due_date"].max() if not open_actions.empty else applicable["due_date"].max()
        out.append({"force": force, "round": rnd, "framework": fid, "requirement_id": rid, "level": level,
                    "not_applicable": na, "na_justification": join("na_justification") if na else "",
                    "action": join("action"), "evidence_refs": join("evidence_refs"), "owner": join("owner"),
                    "due_date": due, "rationale": join("rationale"), "level_source": "force-reported"})
    return normalise(pd.DataFrame(out), validate=False)  # validated with the rest in combine_sources


def combine_sources(*frames: pd.DataFrame) -> pd.DataFrame:
    """The final assessment: per requirement, the inspector's row over the force's over the suggestion.

    `level_source` records which was taken. Frames may be empty."""
    present = [f for f in frames if f is not None and not f.empty]
    if not present:
        return empty_assessment()
    allrows = pd.concat([normalise(f, validate=False) for f in present], ignore_index=True)
    rank = {src: i for i, src in enumerate(LEVEL_SOURCES)}
    allrows["_rank"] = allrows["level_source"].map(rank)
    allrows = allrows.sort_values("_rank", kind="stable")
    keys = ["force", "round", "framework", "requirement_id"]
    final = allrows.drop_duplicates(keys, keep="first").set_index(keys)
    # the winner decides the level; the force's plan details (action, owner, due date, evidence) stay when the
    # winner left them empty
    details = ["action", "evidence_refs", "owner", "due_date"]
    filled = allrows[keys + details].replace("", pd.NA).groupby(keys).first()
    for col in details:
        final[col] = final[col].replace("", pd.NA).fillna(filled[col])
    return normalise(final.drop(columns="_rank").reset_index())
