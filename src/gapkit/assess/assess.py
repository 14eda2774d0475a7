"""One force's assessment for one round: read its review, action plan and plan documents, and combine them.

Each source's rows are kept beside the combined table, so that whoever needs "what the force said" (the review
workbook, the report) reads it from the source, never back out of the combination. So are the rows of the force's
action plan that could not be read (`unread`): the rest of the workbook is used, and the scoring stage marks every
requirement those rows were about as needing attention (gapkit.scoring.views.attention)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gapkit.assess.combine import combine_actions, combine_sources
from gapkit.assess.evidence import SuggestionCache, as_assessment, evidence_for_files
from gapkit.assess.table import empty_assessment, normalise
from gapkit.core import paths
from gapkit.core.errors import GapkitError, Issue, errors_only
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import force_inputs, plan_files, plans_folder, review_file, submission_file
from gapkit.inputs.plans import PlanCache
from gapkit.inputs.review import read_review
from gapkit.inputs.tracker import UNREAD_COLUMNS, read_submission

UNREAD = ["file", *UNREAD_COLUMNS]  # a row of the action plan left out: file, cell, framework, requirement_id, why


def empty_unread() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in UNREAD})


@dataclass
class ForceAssessment:
    force: str
    round: str
    assessment: pd.DataFrame       # the combined table: one row per requirement judged by anyone
    inspector: pd.DataFrame        # the inspector's rows (review workbook)
    force_reported: pd.DataFrame   # the force's rows, one per requirement (several actions combined)
    suggestions: pd.DataFrame      # gapkit's reading of the plan documents, every requirement
    issues: list[Issue] = field(default_factory=list)
    inputs: list[Path] = field(default_factory=list)
    # rows of the force's action plan that could not be read (UNREAD: file, cell, framework, requirement_id, why;
    # requirement_id is "" where the row's requirement could not be told): each is also an error in `issues`
    unread: pd.DataFrame = field(default_factory=empty_unread)

    @property
    def failed(self) -> bool:
        return bool(errors_only(self.issues))


def assess_force(ctx: RoundContext, force: str, plan_cache: PlanCache | None = None,
                 suggestion_cache: SuggestionCache | None = None) -> ForceAssessment:
    """Read one force's submission, plan documents and review, and combine them into its assessment.

    Errors in the submission or the review are returned as issues (and mean no rows from that source); plan
    documents that cannot be read only give warnings."""
    data_dir, round_id, frameworks = ctx.data_dir, ctx.round.round, ctx.frameworks
    issues: list[Issue] = []
    unread = empty_unread()
    inspector = force_reported = empty_assessment()
    review_path = review_file(data_dir, round_id, force)
    if os.path.lexists(review_path):  # a dangling link is reported by the reader, not skipped
        try:
            rows, review_issues = read_review(review_path, force, round_id, catalogue=ctx.catalogue,
                                              settings=ctx.settings)
        except GapkitError as exc:
            rows, review_issues = None, exc.issues
        issues += review_issues
        if rows is not None and not rows.empty:
            inspector = normalise(rows, validate=False)  # validated in combine_sources
    sub_path = submission_file(data_dir, round_id, force)
    if sub_path is not None:
        result = read_submission(sub_path, force, round_id, catalogue=ctx.catalogue, settings=ctx.settings,
                                 framework_ids=frameworks)
        issues += result.issues
        if result.ok:
            force_reported = combine_actions(result.actions, ctx.maxima(), source=sub_path.name)
        if result.unread is not None and not result.unread.empty:
            unread = result.unread.assign(file=str(sub_path))[UNREAD].fillna("").astype(str).reset_index(drop=True)
    files = plan_files(plans_folder(data_dir, round_id, force))
    suggestions, plan_issues = evidence_for_files(files, ctx.catalogue, frameworks, force, round_id, ctx.settings,
                                                  plan_cache, suggestion_cache)
    issues += plan_issues
    suggested = as_assessment(suggestions) if files else empty_assessment()
    if sub_path is None and not files and not os.path.lexists(review_path):
        issues.append(Issue(str(paths.round_dir(data_dir, round_id)), force,
                            "no submission, plan documents or review for this force",
                            "add its files (see docs/dataset.md) or leave it out of --forces", "warning"))
    in_round = [_in_frameworks(f, frameworks) for f in (inspector, force_reported, suggested)]
    return ForceAssessment(force, round_id, combine_sources(*in_round), *in_round[:2], suggestions, issues,
                           force_inputs(data_dir, round_id, force), unread)


def _in_frameworks(frame: pd.DataFrame, frameworks: list[str]) -> pd.DataFrame:
    return frame[frame["framework"].isin(frameworks)].reset_index(drop=True)
