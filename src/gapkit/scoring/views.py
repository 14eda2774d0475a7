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
  (`contradictions`);
- a requirement that a row of the force's action plan could not be read about shows "input needs attention" wherever
  its level is shown, while its score stays what the rows that were read give (`attention`, `shown_levels`);
- a framework whose version differs from the previous round's is named wherever the two rounds are compared
  (`framework_changes`)."""

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


def _key_level(row: dict, scale: Scale) -> str:
    """A key element's level in words; a level that is part credit through the crosswalk says where it came from
    ('1.5 of 3, credit from hmic-2016-legitimacy:CAP-3 (subset)'), never a bare fraction."""
    level = row["level"]
    if level is None or pd.isna(level) or float(level).is_integer():
        return scale.label(level)
    source = row.get("credit_from", "") or "the crosswalk"
    return f"{float(level):g} of {scale.maximum}, credit from {source}"


def category_reasons(requirements: pd.DataFrame, overall: pd.DataFrame, config: ScoringConfig,
                     scales: dict[str, Scale]) -> pd.DataFrame:
    """Per force and framework: the key elements with their levels, and why the category is not the next better one.

    For example "insufficient information: P1 No information, P2 Started, P3 In place. Not 'plan, not started'
    because P1 is below Planned, not started". Worked on plain records: a few rows each, for hundreds of forces and
    frameworks, where pandas' cost per call would be most of the time."""
    keys = key_rows(requirements)
    shown = [c for c in (*KEYS, "requirement_id", "order", "key", "level", "credit_from", "rows_not_read") if c in keys]
    keys = keys[shown].assign(round=keys["round"].astype(str)).sort_values("order", kind="stable")
    groups: dict[tuple, list[dict]] = {}
    for r in keys.to_dict("records"):
        groups.setdefault((r["force"], r["round"], r["framework"]), []).append(r)
    names = config.category_names()
    out = []
    for row in overall[[*KEYS, "category"]].to_dict("records"):
        scale = scales[row["framework"]]
        mine = groups.get((row["force"], str(row["round"]), row["framework"]), [])
        listing = ", ".join(f"{r['requirement_id']} {_key_level(r, scale)}"  # a level left in doubt says so
                            + (f" ({ATTENTION})" if r.get("rows_not_read", 0) else "") for r in mine)
        elements = "key elements" if any(r["key"] for r in mine) else "all requirements (none is marked key)"
        category = row["category"]
        reason = f"{category}: {elements}: {listing}." if listing else f"{category}: nothing applicable."
        index = names.index(category) if category in names else None
        if index:  # not the best category: say what stands in the way of the next better one
            better = config.categories[index - 1]
            short = []
            below = [r["requirement_id"] for r in mine  # no level is not below (as in pandas)
                     if pd.notna(r["level"]) and r["level"] < better.min_key_level]
            if below:
                short.append(f"{', '.join(below)} "
                             f"{'is' if len(below) == 1 else 'are'} below {scale.label(better.min_key_level)}")
            if better.any_key_level is not None and \
                    not any(pd.notna(r["level"]) and r["level"] >= better.any_key_level for r in mine):
                short.append(f"no key element is {scale.label(better.any_key_level)} or better")
            if short:
                reason += f" Not '{better.name}' because {' and '.join(short)}."
        out.append({"force": row["force"], "round": row["round"], "framework": row["framework"],
                    "key_elements": ", ".join(r["requirement_id"] for r in mine), "category_reason": reason})
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
    """gapkit's suggestions with the columns the views read: force (where they say), level, quotes and
    needs_inspector (False where the suggestions do not say)."""
    columns = ["framework", "requirement_id", "level", "evidence_refs", "needs_inspector"]
    if suggestions is None or suggestions.empty or "framework" not in suggestions:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = suggestions.copy()
    if "needs_inspector" not in out:
        out["needs_inspector"] = False
    out["needs_inspector"] = out["needs_inspector"].fillna(False).astype(bool)
    out["evidence_refs"] = out["evidence_refs"].fillna("").astype(str) if "evidence_refs" in out else ""
    columns = (["force"] if "force" in out else []) + columns
    return out[columns].drop_duplicates(_requirement_key(out, out))


def _requirement_key(rows: pd.DataFrame, other: pd.DataFrame) -> list[str]:
    """A requirement's key for matching two tables: with the force when both have one (a round's tables hold
    several forces), else framework and requirement."""
    return (["force"] if "force" in rows and "force" in other else []) + ["framework", "requirement_id"]


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
    quotes = _suggestion_frame(suggestions)
    key = _requirement_key(out, quotes)
    found = {tuple(k): found_lines(q) for *k, q in quotes[key + ["evidence_refs"]].itertuples(index=False)}
    out["evidence_found"] = [found.get(k, "") for k in zip(*(out[c] for c in key))]
    out["evidence_text"] = ["\n".join(filter(None, pair)) for pair in zip(out["evidence_cited"], out["evidence_found"])]
    return out


# ---- contradictions --------------------------------------------------------------------------------------------

CONTRADICTION_LEVELS = 2  # the force's level and its plan documents' at least this far apart
CONTRADICTION_RULE = ("A contradiction is a requirement where the force's own level and gapkit's confident reading "
                      "of the force's plan documents differ by two levels or more, or where the force says in place "
                      "with no evidence at all (none cited, no passage found); the flag changes no level or score.")
CONTRADICTION_COLUMNS = ["framework", "requirement_id", "contradiction", "contradiction_reason"]


def suggested_level_text(level: float | None, needs_inspector: bool, scale: Scale) -> str:
    """How a suggestion's level is shown: its label, or, when gapkit is not sure enough to give one (docs/evidence.md),
    'needs an inspector' with the best guess beside it, so the guess is never read as a level."""
    if level is None or pd.isna(level):
        return ""
    label = scale.label(level)
    return f"needs an inspector (best guess: {label})" if needs_inspector else label


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
    force = force_rows[~force_rows["not_applicable"].astype(bool) & force_rows["level"].notna()]
    force = force[force["framework"].isin(list(scales))]
    sugg = _suggestion_frame(suggestions).rename(columns={"level": "suggested_level", "evidence_refs": "quotes"})
    keys = _requirement_key(force, sugg)
    merged = force[keys + ["level", "evidence_refs"]].merge(sugg, on=keys, how="left")
    reasons = [contradiction_reason(r.level, bool(str(r.evidence_refs).strip()),
                                    r.suggested_level, "" if pd.isna(r.quotes) else r.quotes,
                                    bool(r.needs_inspector) if not pd.isna(r.needs_inspector) else False,
                                    scales[r.framework])
               for r in merged.itertuples(index=False)]
    out = pd.DataFrame({"framework": merged["framework"].to_numpy(), "requirement_id":
                        merged["requirement_id"].to_numpy(), "contradiction": [bool(x) for x in reasons],
                        "contradiction_reason": reasons}, columns=CONTRADICTION_COLUMNS)
    if "force" in keys:  # a round's rows: each force's own
        out.insert(0, "force", merged["force"].to_numpy())
    return out


# ---- rows of the action plan not read: input needs attention ------------------------------------------------------

ATTENTION = "input needs attention"
ATTENTION_COLUMNS = ["framework", "requirement_id", "rows_not_read", "attention"]
ATTENTION_RULE = ("A requirement that a row of the force's action plan was about, where that row could not be read "
                  "(or that takes crosswalk credit from such a requirement), shows "
                  f"'{ATTENTION}' wherever its level is shown, never a silent level; its score stays what the "
                  "rows that were read give (the level after 'scored as') until the row is corrected and read.")


def unread_row_text(cell: str, why: str) -> str:
    """'row Actions > E3 not read: status "Gren" is not a known status'."""
    return f"row {cell} not read: {why}"


def attention(unread: pd.DataFrame | None, crosswalk: list | None = None) -> pd.DataFrame:
    """Per requirement whose level rows of the force's action plan that could not be read bear on: how many rows
    (rows_not_read) and why, in one line (attention), for example 'input needs attention: row Actions > E3 not read:
    status "Gren" is not a known status'. A row bears on the requirement it was about, and (`crosswalk`, the
    catalogue's mappings) on every requirement that takes crosswalk credit from that one: 'input needs attention:
    takes crosswalk credit from hmicfrs-2017-plans:P3; row ...'. Rows whose requirement could not be told bear on
    no requirement (they count in the force's figure)."""
    by_force = unread is not None and "force" in unread
    columns = (["force"] if by_force else []) + ATTENTION_COLUMNS
    if unread is None or unread.empty:
        return pd.DataFrame({c: pd.Series(dtype=int if c == "rows_not_read" else object) for c in columns})
    if by_force:  # a round's rows: each force's own
        parts = [attention(rows.drop(columns="force"), crosswalk).assign(force=force)
                 for force, rows in unread.groupby("force", sort=False)]
        return pd.concat(parts, ignore_index=True)[columns]
    known = unread[unread["requirement_id"].fillna("").astype(str) != ""]
    rows: dict[tuple[str, str], list[str]] = {}
    for fid, rid, cell, why in zip(known["framework"], known["requirement_id"], known["cell"], known["why"]):
        rows.setdefault((fid, rid), []).append(unread_row_text(cell, why))
    found: dict[tuple[str, str], tuple[int, str]] = {key: (len(lines), "; ".join(lines)) for key, lines in rows.items()}
    for m in crosswalk or []:
        source, target = tuple(m.source.split(":", 1)), tuple(m.target.split(":", 1))
        if source in rows and target not in rows:
            n, text = found.get(target, (0, ""))
            more = f"takes crosswalk credit from {m.source}; " + "; ".join(rows[source])
            found[target] = (n + len(rows[source]), f"{text}; {more}" if text else more)
    out = [{"framework": fid, "requirement_id": rid, "rows_not_read": n, "attention": f"{ATTENTION}: {text}"}
           for (fid, rid), (n, text) in found.items()]
    return pd.DataFrame(out, columns=ATTENTION_COLUMNS).astype({"rows_not_read": int})


def attention_reason(texts: pd.Series) -> pd.Series:
    """The attention text without its leading 'input needs attention: ', for a column whose header says so or that
    stands beside the level (which says so)."""
    return texts.fillna("").astype(str).str.removeprefix(f"{ATTENTION}: ")


def shown_level(label: str, rows_not_read: int) -> str:
    """The level as every output shows it: its label, or for a requirement touched by a row not read
    'input needs attention (scored as Started until the row is read)'."""
    if not rows_not_read:
        return label
    which = "the row is" if rows_not_read == 1 else "the rows are"
    return f"{ATTENTION} (scored as {label} until {which} read)"


def shown_levels(requirements: pd.DataFrame) -> pd.Series:
    return pd.Series([shown_level(lab, n) for lab, n in zip(requirements["level_label"],
                                                             requirements["rows_not_read"])],
                     index=requirements.index, dtype=object)


def rows_not_read_phrase(count: int) -> str:
    """'1 row of the action plan was not read', '3 rows of the action plan were not read'."""
    return "1 row of the action plan was not read" if count == 1 else \
        f"{count} rows of the action plan were not read"


def rows_not_read_text(count: int) -> str:
    """The force report's headline line: '3 rows of the action plan were not read: see Input problems.'"""
    return f"{rows_not_read_phrase(count)}: see Input problems."


# ---- a framework's version changed between the rounds compared --------------------------------------------------

FRAMEWORK_CHANGE_COLUMNS = ["framework", "framework_name", "previous_version", "version", "previous_round", "round",
                            "note"]


def with_previous_version(overall: pd.DataFrame, previous: pd.DataFrame | None,
                          previous_round: str | None) -> pd.DataFrame:
    """Add previous_framework_version: the version of each framework the named previous round was scored with
    ('' where the force or the framework has no score there)."""
    out = overall.copy()
    out["previous_framework_version"] = ""
    if previous is None or previous.empty or not previous_round or "framework_version" not in previous:
        return out
    prev = previous[previous["round"].astype(str) == str(previous_round)][["force", "framework", "framework_version"]]
    prev = prev.drop_duplicates(["force", "framework"]).rename(
        columns={"framework_version": "previous_framework_version"})
    out = out.drop(columns="previous_framework_version").merge(prev, on=["force", "framework"], how="left")
    out["previous_framework_version"] = out["previous_framework_version"].fillna("").astype(str)
    return out


def framework_change_note(name: str, before: str, now: str, previous_round: str, round_id: str) -> str:
    return (f"The {name} framework changed from version {before} to {now} between {previous_round} and {round_id}; "
            "part of the change may come from the framework.")


def framework_changes(overall: pd.DataFrame) -> pd.DataFrame:
    """Each framework whose version differs from the one the previous round was scored with, once, with the note
    every output that compares the two rounds shows (the force report, the national overview, the board pack)."""
    if overall.empty or "previous_framework_version" not in overall:
        return pd.DataFrame(columns=FRAMEWORK_CHANGE_COLUMNS)
    before = overall["previous_framework_version"].fillna("").astype(str)
    rows = overall[(before != "") & (before != overall["framework_version"].astype(str))]
    rows = rows.drop_duplicates(["framework", "previous_framework_version", "framework_version", "previous_round",
                                 "round"]).sort_values(["framework", "previous_framework_version"])
    out = pd.DataFrame({
        "framework": rows["framework"], "framework_name": rows["framework_name"],
        "previous_version": rows["previous_framework_version"].astype(str),
        "version": rows["framework_version"].astype(str), "previous_round": rows["previous_round"].astype(str),
        "round": rows["round"].astype(str)}, columns=FRAMEWORK_CHANGE_COLUMNS[:-1])
    out["note"] = [framework_change_note(*r) for r in out[["framework_name", "previous_version", "version",
                                                           "previous_round", "round"]].itertuples(index=False)]
    return out.reset_index(drop=True)
