"""The round model: one typed set of tables per round that every output renders (force report, national
overview, force workbook, board pack). Built here from the forces' assessments with the scoring rule and its views;
written and read by gapkit.scoring.store.

Tables (one row per ...):
- overall       force x framework: score, RAG, category and its reason, open and overdue items, contradictions and
                rows of the action plan not read (the framework's and the force's over all frameworks), change and
                the framework's version in the previous round
- requirements  force x requirement: level, target, gap, points, source of the level, action, evidence (each line
                saying who cited it and where), contradiction flag and reason, overdue, rows of the action plan not
                read about it and why (attention), and the level as every output shows it (level_shown)
- themes        force x framework x theme: theme score
- actions       force x open requirement: next steps with owner, due date, state and points to gain
- evidence      force x requirement: gapkit's suggestion from the plan documents, with quotes (labelled as found by
                gapkit) and whether it needs an inspector
- issues        force x input problem: file, place, message, fix, severity; a row of the action plan not read is
                marked (row_not_read) with its requirement where it could be told
- history       force x round x framework: scores of this and earlier rounds (for trends)
- forces        force: name, region, the status of its inputs and run, and rows of its action plan not read
- inputs        force x input file: its path in the dataset and SHA-256 (provenance)

A model carries what the previous round said (levels, theme scores, scores, framework versions), so an output needs
nothing else.

Columns added after a round model was first written are optional (`required=False`, with their value in DEFAULTS), so
that the outputs of an earlier run still read."""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields

import pandas as pd
import pandera.pandas as pa

from gapkit.assess.assess import ForceAssessment
from gapkit.assess.table import normalise
from gapkit.catalogue.forces import lookup
from gapkit.catalogue.frameworks import requirements_table
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import input_hashes
from gapkit.scoring import views
from gapkit.scoring.rule import score

STATUSES = ["ok", "input errors", "failed"]

_str = pa.Column(str)
_num = pa.Column(float, nullable=True)
_int = pa.Column(int)
_bool = pa.Column(bool)
_date = pa.Column("datetime64[ns]", nullable=True)
_opt_str = pa.Column(str, required=False)
_opt_int = pa.Column(int, required=False)


def _schema(columns: dict, unique: list[str] | None = None) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(columns, unique=unique, coerce=True, strict="filter", ordered=False)


def _without_coercion(schema: pa.DataFrameSchema) -> pa.DataFrameSchema:
    checks = copy.deepcopy(schema)
    checks.coerce = False
    return checks


OverallSchema = _schema({
    "force": _str, "force_name": _str, "region": _str, "round": _str, "framework": _str, "framework_name": _str,
    "framework_version": _str, "headline": _bool, "focus": _bool, "requirements": _int, "not_applicable": _int,
    "score": _num, "gap_points": _num, "category": _str, "category_rank": _int, "rag": _str, "key_elements": _str,
    "category_reason": _str, "open_items": _int, "overdue_items": _int, "force_overdue_items": _int,
    "contradictions": _int, "force_contradictions": _int, "previous_round": _str,
    "previous_score": _num, "previous_category": _str, "change": _num, "scoring_version": _str,
    "as_of": _str, "synthetic": _bool,
    # rows of the action plan not read: about this framework's requirements / the force's, however told apart
    "rows_not_read": _opt_int, "force_rows_not_read": _opt_int,
    "previous_framework_version": _opt_str,  # the version the previous round was scored with ('' where none)
}, unique=["force", "round", "framework"])

RequirementsSchema = _schema({
    "force": _str, "force_name": _str, "round": _str, "framework": _str, "framework_version": _str,
    "requirement_id": _str, "order": _int, "statement": _str, "theme": _str, "theme_name": _str, "key": _bool,
    "weight": pa.Column(float), "max_level": _int, "target": _num, "deadline": _date, "level": _num,
    "level_label": _str, "target_label": _str, "applicable": _bool, "not_applicable": _bool,
    "na_justification": _str, "level_source": _str, "credit_from": _str, "score": _num, "gap": _num,
    "gap_points": _num, "action": _str, "owner": _str, "due_date": _date, "evidence_refs": _str,
    "evidence_cited": _str, "evidence_found": _str, "evidence_text": _str, "contradiction": _bool,
    "contradiction_reason": _str, "rationale": _str, "past_due_date": _bool, "past_deadline": _bool,
    "overdue": _bool, "state": _str, "previous_level": _num, "previous_label": _str, "as_of": _str,
    "synthetic": _bool,
    # rows of the force's action plan about this requirement that could not be read, and why (views.attention);
    # level_shown is the level as every output shows it (views.shown_level): 'input needs attention (...)' or its label
    "rows_not_read": _opt_int, "attention": _opt_str, "level_shown": _opt_str,
}, unique=["force", "round", "framework", "requirement_id"])

ThemesSchema = _schema({
    "force": _str, "force_name": _str, "round": _str, "framework": _str, "theme": _str, "theme_name": _str,
    "requirements": _int, "not_applicable": _int, "score": _num, "gap_points": _num, "previous_score": _num,
    "synthetic": _bool,
}, unique=["force", "round", "framework", "theme"])

ActionsSchema = _schema({
    "force": _str, "force_name": _str, "round": _str, "framework": _str, "requirement_id": _str, "order": _int,
    "statement": _str, "level": _num, "level_label": _str, "target_label": _str, "gap_points": _num,
    "action": _str, "owner": _str, "due_date": _date, "deadline": _date, "state": _str, "why_overdue": _str,
    "overdue": _bool, "attention": _opt_str, "level_shown": _opt_str,
})

EvidenceSchema = _schema({
    "force": _str, "round": _str, "framework": _str, "requirement_id": _str, "level": _num,
    "confidence": _num, "similarity": _num, "evidence_refs": _str, "evidence_found": _str, "rationale": _str,
    # the suggestion is for an inspector to settle (not counted by the contradiction rule); False where not given
    "needs_inspector": pa.Column(bool, required=False),
})
# optional columns: their value where a table lacks them (a function of the table where it depends on other columns)
DEFAULTS = {
    "evidence": {"needs_inspector": False},
    "overall": {"rows_not_read": 0, "force_rows_not_read": 0, "previous_framework_version": ""},
    "requirements": {"rows_not_read": 0, "attention": "", "level_shown": lambda t: t["level_label"]},
    "actions": {"attention": "", "level_shown": lambda t: t["level_label"]},
    "issues": {"row_not_read": False, "framework": "", "requirement_id": ""},
    "forces": {"rows_not_read": 0},
}

IssuesSchema = _schema({
    "force": _str, "round": _str, "file": _str, "where": _str, "message": _str, "fix": _str,
    "severity": pa.Column(str, pa.Check.isin(["error", "warning"])),
    # a row of the force's action plan that was not read (the rest was used), and its requirement where known
    "row_not_read": pa.Column(bool, required=False), "framework": _opt_str, "requirement_id": _opt_str,
})

HistorySchema = _schema({
    "force": _str, "force_name": _str, "round": _str, "framework": _str, "score": _num, "category": _str,
    "rag": _str,
}, unique=["force", "round", "framework"])

ForcesSchema = _schema({
    "force": _str, "force_name": _str, "region": _str, "round": _str,
    "status": pa.Column(str, pa.Check.isin(STATUSES)), "errors": _int, "warnings": _int, "status_detail": _str,
    "rows_not_read": _opt_int,  # rows of the force's action plan that could not be read (each one of its errors)
}, unique=["force", "round"])

InputsSchema = _schema({"force": _str, "round": _str, "file": _str, "sha256": _str}, unique=["force", "round", "file"])

SCHEMAS = {"overall": OverallSchema, "requirements": RequirementsSchema, "themes": ThemesSchema,
           "actions": ActionsSchema, "evidence": EvidenceSchema, "issues": IssuesSchema,
           "history": HistorySchema, "forces": ForcesSchema, "inputs": InputsSchema}
# the same schemas for tables that already have their types (RoundModel.validated): every check, no coercion
CHECKS = {name: _without_coercion(schema) for name, schema in SCHEMAS.items()}


@dataclass
class RoundModel:
    """Every figure of a round (one force or all of them). Build with build_model; combine with concat."""

    overall: pd.DataFrame
    requirements: pd.DataFrame
    themes: pd.DataFrame
    actions: pd.DataFrame
    evidence: pd.DataFrame
    issues: pd.DataFrame
    history: pd.DataFrame
    forces: pd.DataFrame
    inputs: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def validated(cls, tables: dict[str, pd.DataFrame]) -> "RoundModel":
        """A model whose every table has its schema's columns and types (fill-ins for tables with no rows), with
        every check of the schemas made. The types are set by `typed` (pandera's own coercion, column by column)
        and the checks then made without coercing again: half the time of letting each schema coerce."""
        try:
            model = cls.typed(tables)
        except (TypeError, ValueError):  # a value that cannot take its column's type: the schema's error says where
            return cls(**{name: SCHEMAS[name].validate(frame) for name, frame in _filled(tables).items()})
        return cls(**{name: CHECKS[name].validate(frame) for name, frame in model.tables().items()})

    @classmethod
    def typed(cls, tables: dict[str, pd.DataFrame]) -> "RoundModel":
        """The same tables as `validated` gives, with the schemas' types but without their checks (a sixth of the
        time): for a run, whose round model is checked once when the forces' models are put together."""
        out = {}
        for name, frame in _filled(tables).items():
            columns = SCHEMAS[name].columns
            frame = frame[[c for c in frame.columns if c in columns]]  # the schemas' strict="filter"
            out[name] = frame.assign(**{c: columns[c].dtype.coerce(frame[c]) for c in frame.columns})
        return cls(**out)

    def included(self) -> "RoundModel":
        """Only the forces whose inputs were used (`counted`): what a round's figures (league, counts, pack) are
        made of."""
        ok = set(self.forces.loc[counted(self.forces), "force"])
        return RoundModel(**{name: frame[frame["force"].isin(ok)] if "force" in frame else frame
                             for name, frame in self.tables().items()})

    def force(self, force_id: str) -> "RoundModel":
        return RoundModel(**{name: frame[frame["force"] == force_id].reset_index(drop=True)
                             for name, frame in self.tables().items()})

    def forces_in(self, force_ids: set[str]) -> "RoundModel":
        """The rows of these forces only (one filter per table, however many forces)."""
        return RoundModel(**{name: frame[frame["force"].isin(force_ids)].reset_index(drop=True)
                             for name, frame in self.tables().items()})


def counted(forces: pd.DataFrame) -> pd.Series:
    """Which forces a round's figures count: those whose status is ok, and those whose only input errors are rows
    of the action plan that could not be read (the rest of the workbook was used, and every requirement those rows
    were about shows 'input needs attention'). A force whose workbook or review could not be used at all, or whose
    run failed, is not counted (docs/methodology.md, section 10)."""
    unread = forces["rows_not_read"] if "rows_not_read" in forces else pd.Series(0, index=forces.index)
    unread = pd.to_numeric(unread, errors="coerce").fillna(0)
    partly_read = (forces["status"] == "input errors") & (unread > 0) & \
        (pd.to_numeric(forces["errors"], errors="coerce").fillna(0) <= unread)
    return (forces["status"] == "ok") | partly_read


def _filled(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every table, with its optional columns' defaults, and an empty table with the schema's columns where one
    is missing or has no rows."""
    out = {}
    for name, schema in SCHEMAS.items():
        frame = tables.get(name)
        if frame is None or frame.empty:
            frame = pd.DataFrame({c: pd.Series(dtype=_dtype(col)) for c, col in schema.columns.items()})
        frame = frame.reset_index(drop=True)
        for col, default in DEFAULTS.get(name, {}).items():
            value = default(frame) if callable(default) else default
            frame = frame.assign(**{col: frame[col].fillna(value) if col in frame else value})
        out[name] = frame
    return out


def is_text(column: pa.Column) -> bool:
    return str(column.dtype).startswith("str")


def _dtype(column: pa.Column) -> str:
    return "object" if is_text(column) else str(column.dtype)


def concat(models: list[RoundModel]) -> RoundModel:
    """Several forces' models as one round's."""
    return RoundModel.validated({name: pd.concat([m.tables()[name] for m in models], ignore_index=True)
                                 for name in SCHEMAS} if models else {})


def build_model(ctx: RoundContext, assessed: ForceAssessment, previous: RoundModel | None = None,
                check: bool = True) -> RoundModel:
    """One force's model for one round (build_round_model for one force)."""
    return build_round_model(ctx, [assessed], previous, check)


def build_round_model(ctx: RoundContext, assessed: list[ForceAssessment], previous: RoundModel | None = None,
                      check: bool = True) -> RoundModel:
    """The forces' models for one round, built together: scores, views and provenance, from their assessments.
    Each force's rows are what building it alone gives (the scoring rule and its views work force by force); done
    together, the rule's table work is done once for the round instead of once a force (about 0.3 s a force).

    `previous` holds the same forces' models for the round named `previous` in round.yaml (for change and history;
    a force it lacks has none). `check=False` gives the schemas' types without their checks (RoundModel.typed): a
    run checks the round once."""
    rcfg, catalogue, config = ctx.round, ctx.catalogue, ctx.settings
    if not assessed:
        return (RoundModel.validated if check else RoundModel.typed)({})
    ids = [a.force for a in assessed]
    registry = ctx.forces.drop_duplicates("force_id").set_index("force_id")
    for force in ids:
        if force not in registry.index:
            lookup(force, ctx.forces)  # raises: an unknown force is an input error, with the nearest names
    names, regions = registry["official_name"].to_dict(), registry["region"].to_dict()
    round_id = str(rcfg.round)
    population = pd.DataFrame({"force": ids, "round": [round_id] * len(ids)})
    scores = score(normalise(_stacked([a.assessment for a in assessed]), validate=check), catalogue, config,
                   as_of=rcfg.as_of, framework_ids=rcfg.frameworks, grouping=rcfg.grouping, population=population)
    scales = {fid: ctx.scale(fid) for fid in rcfg.frameworks}

    def labelled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(force_name=frame["force"].map(names), synthetic=rcfg.synthetic)

    texts = requirements_table(catalogue, rcfg.frameworks)[["framework", "requirement_id", "statement"]]
    reqs = labelled(scores.requirements.merge(texts, on=["framework", "requirement_id"], how="left"))
    reqs["level_label"] = [scales[f].label(lv) if ok else "Not applicable"
                           for f, lv, ok in zip(reqs["framework"], reqs["level"], reqs["applicable"])]
    reqs["target_label"] = [scales[f].label(t) for f, t in zip(reqs["framework"], reqs["target"])]
    reqs["state"] = views.action_state(reqs, rcfg.as_of)
    suggestions = _stacked([a.suggestions for a in assessed if a.suggestions is not None])
    reqs = views.evidence_text(reqs, suggestions)
    flags = views.contradictions(_stacked([a.force_reported for a in assessed]), suggestions, scales)
    key = ["force", "framework", "requirement_id"]
    reqs = reqs.merge(_with_force(flags), on=key, how="left")
    reqs["contradiction"] = reqs["contradiction"].astype("boolean").fillna(False).astype(bool)
    reqs["contradiction_reason"] = reqs["contradiction_reason"].fillna("")
    unread = {a.force: _unread(a) for a in assessed}
    all_unread = _stacked([frame.assign(force=force) for force, frame in unread.items()])
    reqs = reqs.merge(_with_force(views.attention(all_unread, catalogue.crosswalk.mappings)), on=key, how="left")
    reqs["rows_not_read"] = reqs["rows_not_read"].fillna(0).astype(int)
    reqs["attention"] = reqs["attention"].fillna("")
    reqs["level_shown"] = views.shown_levels(reqs)  # 'input needs attention (...)' where a row was not read

    overall = labelled(scores.overall).assign(region=lambda d: d["force"].map(regions), as_of=str(rcfg.as_of))
    overall["framework_name"] = overall["framework"].map(lambda f: catalogue.get(f).short_title)
    overall["headline"] = overall["framework"] == rcfg.headline_framework
    overall["focus"] = overall["framework"] == rcfg.focus
    per_framework = ["force", "framework"]
    overall["open_items"] = _per(overall, views.open_items(reqs).groupby(per_framework).size(), per_framework)
    # the force's one overdue figure and its one contradiction count, over all its frameworks
    overall["force_overdue_items"] = overall.groupby("force")["overdue_items"].transform("sum").astype(int)
    overall["contradictions"] = _per(overall, reqs[reqs["contradiction"]].groupby(per_framework).size(),
                                     per_framework)
    overall["force_contradictions"] = overall.groupby("force")["contradictions"].transform("sum").astype(int)
    placed = all_unread[all_unread["framework"] != ""]
    overall["rows_not_read"] = _per(overall, placed.groupby(per_framework).size(), per_framework)
    overall["force_rows_not_read"] = overall["force"].map({f: len(u) for f, u in unread.items()}).astype(int)
    overall = overall.merge(views.category_reasons(reqs, overall, config, scales), on=["force", "round", "framework"],
                            how="left")
    before = previous.overall if previous is not None else None
    overall = views.with_change(overall, before, rcfg.previous)
    overall = views.with_previous_version(overall, before, rcfg.previous)
    reqs, themes = _with_previous(reqs, labelled(scores.themes), previous)

    steps = views.next_steps(reqs, rcfg.as_of)
    history = overall[["force", "force_name", "round", "framework", "score", "category", "rag"]]
    if previous is not None and not previous.history.empty:
        earlier = previous.history[previous.history["force"].isin(ids)]
        history = pd.concat([earlier, history], ignore_index=True)
    issues = {a.force: _issues(a, unread[a.force], round_id) for a in assessed}
    forces = pd.DataFrame([_status_row(a, names, regions, rcfg, issues[a.force], unread[a.force])
                           for a in assessed])
    inputs = pd.DataFrame([{"force": a.force, "round": round_id, "file": name, "sha256": digest}
                           for a in assessed for name, digest in input_hashes(a.inputs, ctx.data_dir).items()],
                          columns=["force", "round", "file", "sha256"])
    tables = {"overall": overall, "requirements": reqs, "themes": themes, "actions": steps,
              "evidence": _labelled(suggestions), "issues": _stacked(list(issues.values())), "history": history,
              "forces": forces, "inputs": inputs}
    # force by force, in the order of `assessed`, as one force's models put together would be
    order = {force: i for i, force in enumerate(ids)}
    tables = {name: frame.sort_values("force", key=lambda s: s.map(order), kind="stable")
              if frame is not None and len(frame) > 1 else frame for name, frame in tables.items()}
    return (RoundModel.validated if check else RoundModel.typed)(tables)


def _stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Several forces' tables as one (the first, empty, when they all are)."""
    full = [f for f in frames if f is not None and not f.empty]
    if not full:
        return frames[0] if frames else pd.DataFrame()
    return full[0].reset_index(drop=True) if len(full) == 1 else pd.concat(full, ignore_index=True)


def _with_force(frame: pd.DataFrame) -> pd.DataFrame:
    """A view's rows keyed by force too (a view given no rows has no force column)."""
    return frame if "force" in frame else frame.assign(force=pd.Series(dtype=object))


def _per(rows: pd.DataFrame, counts: pd.Series, keys: list[str]) -> pd.Series:
    """A count by `keys` (a groupby's size) for each of `rows`, 0 where there is none."""
    index = pd.MultiIndex.from_frame(rows[keys])
    return pd.Series(counts.reindex(index).fillna(0).astype(int).to_numpy(), index=rows.index)


def _status_row(assessed: ForceAssessment, names: dict, regions: dict, rcfg, issues: pd.DataFrame,
                unread: pd.DataFrame) -> dict:
    """The force's row of the forces table: its name and region, and the status of its inputs."""
    errors = int((issues["severity"] == "error").sum())
    return {"force": assessed.force, "force_name": names[assessed.force], "synthetic": rcfg.synthetic,
            "region": regions[assessed.force], "round": str(rcfg.round), "status": "input errors" if errors else "ok",
            "errors": errors, "warnings": len(issues) - errors, "rows_not_read": len(unread),
            "status_detail": "; ".join(_error_lines(issues))[:500]}


NOT_READ = "; the row was not read"  # how the action plan's reader ends the error for a row it left out


def _unread(assessed: ForceAssessment) -> pd.DataFrame:
    """The rows of the force's action plan that could not be read (file, cell, framework, requirement_id, why)."""
    unread = getattr(assessed, "unread", None)
    columns = ["file", "cell", "framework", "requirement_id", "why"]
    if unread is None or unread.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = unread.copy()
    for col in columns:
        out[col] = out[col].fillna("").astype(str) if col in out else ""
    return out[columns].reset_index(drop=True)


def _issues(assessed: ForceAssessment, unread: pd.DataFrame, round_id: str) -> pd.DataFrame:
    """The force's input problems; each row of the action plan not read is marked (row_not_read) with its
    requirement where it could be told. A row not read that the reader did not report is added as an error, so
    that nothing is hidden."""
    columns = ["force", "round", "file", "where", "message", "fix", "severity", "row_not_read", "framework",
               "requirement_id"]
    rows = [{"force": assessed.force, "round": round_id, **vars(i), "row_not_read": False, "framework": "",
             "requirement_id": ""} for i in assessed.issues]
    for u in unread.itertuples(index=False):
        match = next((r for r in rows if not r["row_not_read"] and r["severity"] == "error" and r["where"] == u.cell
                      and str(r["file"]) == u.file and str(r["message"]).startswith(u.why)), None)
        if match is None:
            match = {"force": assessed.force, "round": round_id, "file": u.file, "where": u.cell,
                     "message": u.why + NOT_READ, "fix": "correct the row and submit the workbook again",
                     "severity": "error"}
            rows.append(match)
        match.update(row_not_read=True, framework=u.framework, requirement_id=u.requirement_id)
    return pd.DataFrame(rows, columns=columns)


def _error_lines(issues: pd.DataFrame) -> list[str]:
    """Each error in one line without '; ' (status_detail joins them with it): a row not read as
    'row Actions > E3 not read: status "Gren" is not a known status'."""
    errors = issues[issues["severity"] == "error"]
    return [views.unread_row_text(where, str(message).removesuffix(NOT_READ)) if unread else str(message)
            for where, message, unread in zip(errors["where"], errors["message"], errors["row_not_read"])]


def _labelled(suggestions: pd.DataFrame) -> pd.DataFrame:
    """gapkit's suggestions with their quotes labelled as every output shows them (views.found_lines)."""
    if suggestions is None or suggestions.empty:
        return suggestions
    return suggestions.assign(evidence_found=suggestions["evidence_refs"].fillna("").map(views.found_lines))


def _with_previous(reqs: pd.DataFrame, themes: pd.DataFrame,
                   previous: RoundModel | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each requirement's level and each theme's score in the previous round (blank where there was none)."""
    if previous is None:
        return (reqs.assign(previous_level=float("nan"), previous_label=""),
                themes.assign(previous_score=float("nan")))
    key = ["force", "framework", "requirement_id"]
    shown = "level_shown" if "level_shown" in previous.requirements else "level_label"  # as that round showed it
    before = previous.requirements[key + ["level", shown]].rename(
        columns={"level": "previous_level", shown: "previous_label"})
    reqs = reqs.merge(before, on=key, how="left")
    reqs["previous_label"] = reqs["previous_label"].fillna("")
    tkey = ["force", "framework", "theme"]
    themes = themes.merge(previous.themes[tkey + ["score"]].rename(columns={"score": "previous_score"}), on=tkey,
                          how="left")
    return reqs, themes
