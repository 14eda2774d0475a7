"""The views every output shares, computed once from the scores: gaps, open and overdue items, category counts,
change since a named round, and the reason for each category. Outputs show these; they never recompute them.

Definitions (docs/methodology.md):
- a gap is an applicable requirement below its target; its size is in points of the framework's overall score;
- an open item is an applicable requirement not yet at the top of its scale;
- an overdue item is an open item past its due date or its source's deadline, as of the round's as-of date;
- change is this round's score minus the score in the round named as `previous` in round.yaml;
- every piece of evidence says who cited it and where: the force in its action plan (file, sheet and row), the
  inspector in the review, or gapkit in a plan document (file and place) (`cited_lines`, `found_lines`);
- a contradiction is a requirement where the force's own level and gapkit's confident reading of the force's plan
  documents differ by two levels or more, or where the force says in place with no evidence at all
  (`contradictions`)."""

from __future__ import annotations

import re

import pandas as pd

from gapkit.assess.combine import PLACE_JOIN
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


# ---- evidence: who cited it, and where -------------------------------------------------------------------------

CITED_BY = {"force-reported": "Force's action plan", "inspector": "Inspector's review"}
FOUND_BY = "Found by gapkit"
UNKNOWN_CITER = "Cited (who is not recorded)"  # never taken for gapkit's, the force's or the inspector's
# gapkit's quotes, one a line: `plan.pdf, page 3: "..."` (gapkit.assess.evidence)
QUOTE = re.compile(r'^(?P<place>[^"\n]+?): (?P<quote>".*)$', re.S)
EVIDENCE_COLUMNS = ["evidence_cited", "evidence_found", "evidence_text"]
EVIDENCE_KEY = (f"Evidence: each line says who cited it and where: \"{CITED_BY['force-reported']}\" (the force's "
                f"tracker: file, sheet and row), \"{CITED_BY['inspector']}\", or \"{FOUND_BY}\" (a passage gapkit "
                "found in the force's plan documents: file and place).")


def _entry(label: str, place: str, text: str) -> str:
    """One labelled line: who, where, then the evidence on the same line."""
    text = " ".join(str(text).split())
    return f"{label} ({place}): {text}" if place else f"{label}: {text}"


def found_lines(quotes: str) -> str:
    """gapkit's quotes from plan documents, one line each: 'Found by gapkit (plan.pdf, page 3): "..."'."""
    out = []
    for line in filter(None, (q.strip() for q in str(quotes or "").split("\n"))):
        m = QUOTE.match(line)
        out.append(_entry(FOUND_BY, m["place"], m["quote"]) if m else _entry(FOUND_BY, "", line))
    return "\n".join(out)


def quote_places(quotes: str) -> list[str]:
    """Where each of gapkit's quotes is ('plan.pdf, page 3')."""
    found = (QUOTE.match(q.strip()) for q in str(quotes or "").split("\n") if q.strip())
    return [m["place"] for m in found if m]


def cited_lines(evidence: str, place: str, cited_by: str) -> str:
    """Evidence the force or the inspector cited, one line per piece with who cited it and where:
    "Force's action plan (tracker.xlsx, Plan > row 7): EV-1". `place` lists each piece's place as the assessment
    joins them (gapkit.assess.combine.cited_evidence); when they cannot be paired, the pieces stay together with all
    their places."""
    evidence, place = str(evidence or ""), str(place or "")
    if not evidence.strip():
        return ""
    if cited_by == "auto-suggested":  # gapkit's own (a suggestion's quotes)
        return found_lines(evidence)
    label = CITED_BY.get(cited_by, UNKNOWN_CITER)
    pieces = evidence.split(PLACE_JOIN)
    places = place.split(PLACE_JOIN) if place else []
    if len(pieces) != len(places):
        return _entry(label, "; ".join(p for p in places if p), evidence)
    return "\n".join(_entry(label, where, text) for text, where in zip(pieces, places) if text.strip())


def _suggestion_frame(suggestions: pd.DataFrame | None) -> pd.DataFrame:
    """gapkit's suggestions with the columns the views read: level, quotes and needs_inspector (False where the
    suggestions do not say)."""
    columns = ["framework", "requirement_id", "level", "evidence_refs", "needs_inspector"]
    if suggestions is None or suggestions.empty or "framework" not in suggestions:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = suggestions.copy()
    if "needs_inspector" not in out:
        out["needs_inspector"] = False
    out["needs_inspector"] = out["needs_inspector"].fillna(False).astype(bool)
    out["evidence_refs"] = out["evidence_refs"].fillna("").astype(str) if "evidence_refs" in out else ""
    return out[columns].drop_duplicates(["framework", "requirement_id"])


def evidence_text(rows: pd.DataFrame, suggestions: pd.DataFrame | None) -> pd.DataFrame:
    """`rows` (assessment or requirement rows) with the evidence as every output shows it:
    - evidence_cited: what the inspector or the force cited (evidence_refs, evidence_place, evidence_from), each
      line labelled with who and where;
    - evidence_found: gapkit's quotes from the force's plan documents for the same requirement, each line labelled
      'Found by gapkit' with file and place;
    - evidence_text: both, the cited lines first.
    Every output renders these columns; none labels evidence itself."""
    out = rows.copy()
    for col in ("evidence_refs", "evidence_place"):
        if col not in out:
            out[col] = ""
    if "evidence_from" not in out:  # the row's own source's, as gapkit.assess.table.normalise has it
        out["evidence_from"] = out["level_source"] if "level_source" in out else ""
    out["evidence_cited"] = [cited_lines(e, p, b) for e, p, b in
                             zip(out["evidence_refs"], out["evidence_place"], out["evidence_from"])]
    quotes = _suggestion_frame(suggestions)[["framework", "requirement_id", "evidence_refs"]]
    found = {(f, r): found_lines(q) for f, r, q in quotes.itertuples(index=False)}
    out["evidence_found"] = [found.get((f, r), "") for f, r in zip(out["framework"], out["requirement_id"])]
    out["evidence_text"] = ["\n".join(filter(None, pair)) for pair in zip(out["evidence_cited"], out["evidence_found"])]
    return out


# ---- contradictions --------------------------------------------------------------------------------------------

CONTRADICTION_LEVELS = 2  # the force's level and its plan documents' at least this far apart
CONTRADICTION_RULE = ("A contradiction is a requirement where the force's own level and gapkit's confident reading "
                      "of the force's plan documents differ by two levels or more, or where the force says in place "
                      "with no evidence at all (none cited, no passage found); the flag changes no level or score.")
CONTRADICTION_COLUMNS = ["framework", "requirement_id", "contradiction", "contradiction_reason"]


def _level_words(scale: Scale, level: float) -> str:
    return f"{scale.label(level).lower()} ({int(level)})"


def contradiction_reason(force_level: float, cited: bool, suggested_level: float | None, quotes: str,
                         needs_inspector: bool, scale: Scale) -> str:
    """Why a force's own level contradicts its plan documents, in one line; '' when it does not.

    Flagged (docs/methodology.md, "Contradictions") when
    1. gapkit's suggestion from the force's plan documents rests on at least one passage, is confident (not
       needs_inspector) and differs from the force's level by CONTRADICTION_LEVELS or more; or
    2. the force says its top level (in place) and there is no evidence at all: it cites none and gapkit found no
       passage about the requirement in its plan documents."""
    if force_level is None or pd.isna(force_level):
        return ""
    places = quote_places(quotes)
    found = bool(str(quotes or "").strip())
    if found and not needs_inspector and suggested_level is not None and not pd.isna(suggested_level) and \
            abs(float(force_level) - float(suggested_level)) >= CONTRADICTION_LEVELS:
        where = f": {'; '.join(places)}" if places else ""
        return (f"force says {_level_words(scale, force_level)}; its plan documents say "
                f"{_level_words(scale, suggested_level)}{where}")
    if float(force_level) >= scale.maximum and not cited and not found:
        return (f"force says {_level_words(scale, force_level)} with no evidence: none cited in its action plan and "
                "no passage about it found in its plan documents")
    return ""


def contradictions(force_rows: pd.DataFrame | None, suggestions: pd.DataFrame | None,
                   scales: dict[str, Scale]) -> pd.DataFrame:
    """Per requirement the force gave a level for (not applicable left out): contradiction (bool) and
    contradiction_reason (one line), from the force's own rows (its action plan, before any inspector judgement)
    and gapkit's suggestions from its plan documents. The flag changes no level or score."""
    if force_rows is None or force_rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=bool if c == "contradiction" else object)
                             for c in CONTRADICTION_COLUMNS})
    keys = ["framework", "requirement_id"]
    force = force_rows[~force_rows["not_applicable"].astype(bool) & force_rows["level"].notna()]
    force = force[force["framework"].isin(list(scales))]
    sugg = _suggestion_frame(suggestions).rename(columns={"level": "suggested_level", "evidence_refs": "quotes"})
    merged = force[keys + ["level", "evidence_refs"]].merge(sugg, on=keys, how="left")
    reasons = [contradiction_reason(r.level, bool(str(r.evidence_refs).strip()),
                                    r.suggested_level, "" if pd.isna(r.quotes) else r.quotes,
                                    bool(r.needs_inspector) if not pd.isna(r.needs_inspector) else False,
                                    scales[r.framework])
               for r in merged.itertuples(index=False)]
    return pd.DataFrame({"framework": merged["framework"].to_numpy(), "requirement_id":
                         merged["requirement_id"].to_numpy(), "contradiction": [bool(x) for x in reasons],
                         "contradiction_reason": reasons}, columns=CONTRADICTION_COLUMNS)
