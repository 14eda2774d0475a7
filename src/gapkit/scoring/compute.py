"""Computing a force's model: assess its inputs and score them, with the previous round's model for change and
history, read from that round's outputs when a run left them (never re-assessed when it can be read)."""

from __future__ import annotations

from pathlib import Path

from gapkit.assess.assess import assess_force
from gapkit.inputs.context import RoundContext
from gapkit.inputs.plans import PlanCache
from gapkit.scoring.model import RoundModel, build_model, counted
from gapkit.scoring.files import has_model
from gapkit.scoring.store import read_model


def plan_cache(out_dir: Path | None) -> PlanCache | None:
    """A run keeps the plan documents it has read in OUT/.cache/plans."""
    return PlanCache(Path(out_dir) / ".cache" / "plans") if out_dir else None


def previous_model(ctx: RoundContext, force: str, out_dir: Path | None = None,
                   check: bool = True) -> RoundModel | None:
    """The force's model for the round named `previous` in round.yaml: from OUT/PREVIOUS/FORCE when a run wrote it,
    else computed from that round's inputs (None when the force had no usable inputs there: that round's figures did
    not count it, gapkit.scoring.model.counted)."""
    if not ctx.round.previous:
        return None
    stored = Path(out_dir) / ctx.round.previous / force if out_dir else None
    if stored is not None and has_model(stored):
        model = read_model(stored, validate=check)
        return model if counted(model.forces).all() else None
    prev_ctx = ctx.for_round(ctx.round.previous)
    assessed = assess_force(prev_ctx, force, plan_cache(out_dir))
    if not assessed.inputs:
        return None
    # counted as that round's own outputs count it (rows not read or not)
    model = build_model(prev_ctx, assessed, check=check)
    return model if counted(model.forces).all() else None


def force_model(ctx: RoundContext, force: str, out_dir: Path | None = None, check: bool = True) -> RoundModel:
    """One force's model for the context's round. `out_dir` is a run's output folder (for the previous round);
    `check=False` leaves the schemas' checks to the run, which checks the round's model once."""
    return build_model(ctx, assess_force(ctx, force, plan_cache(out_dir)),
                       previous_model(ctx, force, out_dir, check), check)
