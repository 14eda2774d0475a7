"""Which level counts: the two rules that turn several judgements into one level per requirement.

1. Several actions against one requirement (`combine_level`, `combine_actions`).
2. Several sources for one requirement: the inspector's level over the force's over gapkit's suggestion
   (`combine_sources`).
Both are part of the scoring rule written down in docs/methodology.md; gapkit.scoring.rule does the rest.

Evidence keeps its provenance: the force's evidence keeps the file, sheet and row of the action that cited it
(`evidence_place`), and the combined assessment's evidence is only ever the inspector's or the force's, never gapkit's
quotes (those stay with the suggestions, and every output labels them as found by gapkit)."""

from __future__ import annotations

import pandas as pd

from gapkit.assess.table import LEVEL_SOURCES, empty_assessment, normalise


def combine_level(levels: list[float], maximum: int) -> float:
    """Several actions against one requirement (docs/methodology.md): in place only when every action is in place;
    otherwise the most advanced action's level, capped just below in place."""
    if all(lv >= maximum for lv in levels):
        return float(maximum)
    return float(min(max(levels), maximum - 1))


PLACE_JOIN = " | "  # between the places of several pieces of evidence, as between the pieces


def cited_evidence(grp: pd.DataFrame, source: str = "") -> tuple[str, str]:
    """The evidence several actions cite, joined (" | ", each piece once), and where each piece was cited, joined the
    same way: `source` (the action plan's file name) and each action's sheet and row (the reader's `cell`), e.g.
    "tracker.xlsx, Plan > row 7"; the rows of one piece cited by several actions are listed together."""
    pieces: dict[str, list[str]] = {}
    cells = grp["cell"] if "cell" in grp else pd.Series("", index=grp.index)
    for text, cell in zip(grp["evidence_refs"], cells):
        if isinstance(text, str) and text.strip():
            pieces.setdefault(text, [])
            if isinstance(cell, str) and cell and cell not in pieces[text]:
                pieces[text].append(cell)
    places = [", ".join(filter(None, [source, "; ".join(cells)])) for cells in pieces.values()]
    return PLACE_JOIN.join(pieces), PLACE_JOIN.join(places) if any(places) else ""


def combine_actions(rows: pd.DataFrame, maxima: dict[str, int], source: str = "") -> pd.DataFrame:
    """One assessment row per requirement from one or more action rows; `maxima` is each framework's top level and
    `source` the action plan's file name (it goes with the sheet and row of each piece of evidence)."""
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
        evidence, place = cited_evidence(grp, source)
        out.append({"force": force, "round": rnd, "framework": fid, "requirement_id": rid, "level": level,
                    "not_applicable": na, "na_justification": join("na_justification") if na else "",
                    "action": join("action"), "evidence_refs": evidence, "evidence_place": place,
                    "evidence_from": "force-reported" if evidence else "", "owner": join("owner"),
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
    # the winner decides the level; the force's plan details (action, owner, due date) stay when the winner left
    # them empty
    details = ["action", "owner", "due_date"]
    filled = allrows[keys + details].replace("", pd.NA).groupby(keys).first()
    for col in details:
        final[col] = final[col].replace("", pd.NA).fillna(filled[col])
    # evidence: the inspector's, else the force's, with its place, never gapkit's quotes (whichever level wins)
    evidence = ["evidence_refs", "evidence_place", "evidence_from"]
    cited = allrows[allrows["evidence_from"].isin(["inspector", "force-reported"])]
    cited = cited.drop_duplicates(keys, keep="first").set_index(keys)[evidence].reindex(final.index)
    final[evidence] = cited.fillna("")
    return normalise(final.drop(columns="_rank").reset_index())
