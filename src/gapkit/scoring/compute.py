"""Computing forces' models: assess their inputs and score them, with the previous round's models for change and
history, read from that round's outputs when a run left them (never re-assessed when they can be read).

Models are built for many forces at once (gapkit.scoring.model.build_round_model): the rule's table work is done
once for the round. Reading and assessing each force's inputs is the part that takes time; `assess` lets a run
spread it over its worker processes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from gapkit.assess.assess import ForceAssessment, assess_force
from gapkit.assess.evidence import SuggestionCache
from gapkit.inputs.context import RoundContext
from gapkit.inputs.plans import PlanCache
from gapkit.scoring.files import has_model
from gapkit.scoring.model import RoundModel, build_round_model, concat, counted
from gapkit.scoring.store import read_model

# (round's context, forces, output folder) -> each force's assessment, in order
Assess = Callable[[RoundContext, list[str], Path | None], list[ForceAssessment]]


def plan_cache(out_dir: Path | None) -> PlanCache | None:
    """A run keeps the plan documents it has read in OUT/.cache/plans."""
    return PlanCache(Path(out_dir) / ".cache" / "plans") if out_dir else None


def suggestion_cache(out_dir: Path | None, code: str | None) -> SuggestionCache | None:
    """A run keeps each force's suggestions from its plan documents in OUT/.cache/evidence, keyed with the run's
    fingerprint of gapkit's code and data (`code`): none without it."""
    return SuggestionCache(Path(out_dir) / ".cache" / "evidence", code) if out_dir and code else None


def assess_here(ctx: RoundContext, forces: list[str], out_dir: Path | None = None,
                code: str | None = None) -> list[ForceAssessment]:
    """Each force's assessment, one after another in this process (`code`: see suggestion_cache)."""
    plans, suggestions = plan_cache(out_dir), suggestion_cache(out_dir, code)
    return [assess_force(ctx, force, plans, suggestions) for force in forces]


def previous_models(ctx: RoundContext, forces: list[str], out_dir: Path | None = None, check: bool = True,
                    assess: Assess = assess_here) -> RoundModel | None:
    """The forces' models for the round named `previous` in round.yaml: read from that round's outputs where a run
    wrote them (its round model, or a force's own folder where the round model has its run as failed), the rest
    computed together from that round's inputs. A force that had no usable inputs there is left out (that round's
    figures did not count it, gapkit.scoring.model.counted). None when there is no previous round or none of the
    forces has a model there."""
    if not ctx.round.previous:
        return None
    stored_round = Path(out_dir) / ctx.round.previous if out_dir else None
    models, missing = [], []
    whole = read_model(stored_round, validate=check) if stored_round is not None and has_model(stored_round) \
        else None
    good = set(whole.forces.loc[whole.forces["status"] != "failed", "force"]) if whole is not None else set()
    if good & set(forces):
        models.append(whole.forces_in(good & set(forces)))
    for force in forces:
        if force in good:
            continue
        if stored_round is not None and has_model(stored_round / force):
            models.append(read_model(stored_round / force, validate=check))
        else:
            missing.append(force)
    if missing:
        prev_ctx = ctx.for_round(ctx.round.previous)
        assessed = [a for a in assess(prev_ctx, missing, out_dir) if a.inputs]
        models.append(build_round_model(prev_ctx, assessed, check=check))
    model = concat(models) if check else _stack(models)
    model = model.forces_in(set(model.forces.loc[counted(model.forces), "force"]))
    return model if len(model.forces) else None


def round_model(ctx: RoundContext, forces: list[str], out_dir: Path | None = None, check: bool = True,
                assess: Assess = assess_here, assessed: list[ForceAssessment] | None = None) -> RoundModel:
    """The forces' models for the context's round, built together. `out_dir` is a run's output folder (for the
    previous round); `assessed` the forces' assessments where they are made already; `check=False` leaves the
    schemas' checks to the run, which checks the round's model once."""
    assessed = assessed if assessed is not None else assess(ctx, forces, out_dir)
    return build_round_model(ctx, assessed, previous_models(ctx, forces, out_dir, check, assess), check)


def force_model(ctx: RoundContext, force: str, out_dir: Path | None = None, check: bool = True) -> RoundModel:
    """One force's model for the context's round (round_model for one force)."""
    return round_model(ctx, [force], out_dir, check)


def previous_model(ctx: RoundContext, force: str, out_dir: Path | None = None,
                   check: bool = True) -> RoundModel | None:
    """One force's model for the previous round (previous_models for one force); None when it has none."""
    return previous_models(ctx, [force], out_dir, check)


def _stack(models: list[RoundModel]) -> RoundModel:
    """Several models as one, with the schemas' types but without their checks."""
    if len(models) == 1:
        return models[0]
    return RoundModel.typed({name: pd.concat([m.tables()[name] for m in models], ignore_index=True)
                             for name in RoundModel.__dataclass_fields__})
