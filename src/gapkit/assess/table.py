"""The assessment table: one row per force, round, framework and requirement, whoever made the judgement.

Evidence keeps who cited it: `evidence_refs` is the evidence the row's source cited, `evidence_place` where (the
action plan's file, sheet and row), `evidence_from` whose it is (a level source). The combined assessment carries only
evidence the inspector or the force cited; gapkit's quotes stay with its suggestions (gapkit.assess.combine)."""

from __future__ import annotations

import functools

import pandas as pd
import pandera.pandas as pa

LEVEL_SOURCES = ["inspector", "force-reported", "auto-suggested", "not-assessed"]

EVIDENCE_SOURCES = ["", *LEVEL_SOURCES[:3]]  # whose evidence: nobody's, the inspector's, the force's, gapkit's

COLUMNS = ["force", "round", "framework", "requirement_id", "level", "not_applicable", "na_justification",
           "action", "evidence_refs", "evidence_place", "evidence_from", "owner", "due_date", "rationale",
           "level_source"]

AssessmentSchema = pa.DataFrameSchema(
    {
        "force": pa.Column(str, pa.Check.str_length(min_value=1)),
        "round": pa.Column(str, pa.Check.str_length(min_value=1)),
        "framework": pa.Column(str),
        "requirement_id": pa.Column(str),
        "level": pa.Column(float, pa.Check.ge(0), nullable=True),
        "not_applicable": pa.Column(bool),
        "na_justification": pa.Column(str),
        "action": pa.Column(str),
        "evidence_refs": pa.Column(str),
        "evidence_place": pa.Column(str),
        "evidence_from": pa.Column(str, pa.Check.isin(EVIDENCE_SOURCES)),
        "owner": pa.Column(str),
        "due_date": pa.Column("datetime64[ns]", nullable=True),
        "rationale": pa.Column(str),
        "level_source": pa.Column(str, pa.Check.isin(LEVEL_SOURCES)),
    },
    checks=[
        pa.Check(lambda df: ~df["not_applicable"] | (df["na_justification"].str.strip() != ""),
                 error="a requirement marked not applicable needs a justification"),
        pa.Check(lambda df: df["not_applicable"] | df["level"].notna(),
                 error="a requirement that is applicable needs a level"),
        pa.Check(lambda df: (df["evidence_refs"] == "") | (df["evidence_from"] != ""),
                 error="evidence needs to say whose it is (evidence_from)"),
    ],
    unique=["force", "round", "framework", "requirement_id"],
    strict=True,
    ordered=False,
    coerce=True,
)


def empty_assessment() -> pd.DataFrame:
    return _empty().copy()


@functools.cache
def _empty() -> pd.DataFrame:
    return normalise(pd.DataFrame({c: [] for c in COLUMNS}))


def normalise(frame: pd.DataFrame, validate: bool = True) -> pd.DataFrame:
    """Fill optional columns with their defaults, in the schema's order and types, and validate (`validate=False`
    for a step inside the assessment stage whose result is validated when the stage ends: pandera costs about a
    millisecond a column)."""
    frame = frame.copy()
    defaults = {"level": float("nan"), "not_applicable": False, "na_justification": "", "action": "",
                "evidence_refs": "", "evidence_place": "", "owner": "", "due_date": pd.NaT, "rationale": "",
                "level_source": "force-reported"}
    for col, default in defaults.items():
        if col not in frame.columns:
            frame[col] = default
    for col in ("na_justification", "action", "evidence_refs", "evidence_place", "owner", "rationale"):
        frame[col] = frame[col].fillna("").astype(str)
    if "evidence_from" not in frame.columns:  # evidence is the row's own source's unless it says otherwise
        frame["evidence_from"] = frame["level_source"].where(frame["evidence_refs"] != "", "")
    frame["evidence_from"] = frame["evidence_from"].fillna("").astype(str)
    frame["not_applicable"] = frame["not_applicable"].fillna(False).astype(bool)
    frame["level"] = pd.to_numeric(frame["level"], errors="coerce").astype(float)
    frame["due_date"] = pd.to_datetime(frame["due_date"], errors="coerce").astype("datetime64[ns]")
    frame = frame[COLUMNS]
    return AssessmentSchema.validate(frame) if validate else frame


def make_assessment(force: str, round_id: str, framework: str, levels: dict[str, int | None],
                    level_source: str = "inspector", **extra: dict[str, str]) -> pd.DataFrame:
    """A small assessment from {requirement_id: level}; None marks not applicable (for tests and examples)."""
    rows = []
    for rid, level in levels.items():
        rows.append({"force": force, "round": round_id, "framework": framework, "requirement_id": rid,
                     "level": level, "not_applicable": level is None,
                     "na_justification": "not applicable to this force" if level is None else "",
                     "level_source": level_source,
                     **{k: v.get(rid, "") for k, v in extra.items()}})
    return normalise(pd.DataFrame(rows))
