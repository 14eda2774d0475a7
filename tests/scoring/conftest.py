"""Fixtures for the scoring tests: small synthetic catalogues (chosen weights, keys and themes), a round context
and model built around any catalogue without files, and the shipped demo's round 2019 for one force."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from gapkit.assess.assess import ForceAssessment, assess_force
from gapkit.assess.table import empty_assessment
from gapkit.catalogue.frameworks import Catalogue, Crosswalk, Framework, Requirement, Source, Theme
from gapkit.catalogue.settings import default_config
from gapkit.core import paths
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import RoundConfig
from gapkit.scoring.model import build_model

SYNTHETIC_FW = "t-fw"
DEMO_FORCE = "northmoor"


def synthetic_framework(weights: list[float], keys: list[bool] | None = None, themes: list[str] | None = None,
                        fid: str = SYNTHETIC_FW, prefix: str = "R") -> Framework:
    """A framework with requirements R1..Rn of the given weights (all on the default 0-3 scale)."""
    keys = keys or [False] * len(weights)
    themes = themes or ["t1"] * len(weights)
    source = Source(title="A test source", publisher="gapkit tests", date="2020-01-01")
    reqs = [Requirement(id=f"{prefix}{i}", statement=f"Synthetic requirement number {i} for tests.", theme=theme,
                        kind="recommendation", weight=w, key=k, sources=[source], verification="verified")
            for i, (w, k, theme) in enumerate(zip(weights, keys, themes), 1)]
    return Framework(id=fid, title="Synthetic framework", short_title="Synthetic", publisher="gapkit tests",
                     version="test.1", published="2020-01-01",
                     themes=[Theme(id=t, name=f"Theme {t}") for t in dict.fromkeys(themes)], requirements=reqs)


@pytest.fixture(scope="session")
def make_catalogue():
    """make_catalogue(weights, keys=None, themes=None) -> a Catalogue holding one synthetic framework 't-fw'."""
    def make(weights, keys=None, themes=None) -> Catalogue:
        return Catalogue(frameworks={SYNTHETIC_FW: synthetic_framework(list(weights), keys, themes)},
                         crosswalk=Crosswalk(version="none", mappings=[]))
    return make


def context_for(catalogue: Catalogue, frameworks: list[str], round_id: str = "r1", as_of: str = "2020-06-30",
                previous_round: str | None = None, headline: str | None = None,
                focus: str | None = None) -> RoundContext:
    """A round context around any catalogue, with one fictional force 'f', and no files."""
    rcfg = RoundConfig(round=round_id, title=f"Test round {round_id}", as_of=dt.date.fromisoformat(as_of),
                       frameworks=frameworks, headline_framework=headline or frameworks[0], focus_framework=focus,
                       previous=previous_round, marking="OFFICIAL - TEST", synthetic=True)
    forces = pd.DataFrame([{"force_id": "f", "official_name": "Test Force", "short_name": "Test",
                            "region": "Nowhere"}])
    return RoundContext(Path("."), rcfg, catalogue, default_config(), forces)


@pytest.fixture(scope="session")
def model_for():
    """model_for(catalogue, assessment, frameworks, previous=None, **context_for's round arguments) -> the
    RoundModel of force 'f' (`previous` is the previous round's model; name its round with previous_round)."""
    def build(catalogue, assessment, frameworks, previous=None, **round_kw):
        ctx = context_for(catalogue, frameworks, **round_kw)
        rid = ctx.round.round
        assessed = ForceAssessment(force="f", round=rid, assessment=assessment, inspector=empty_assessment(),
                                   force_reported=empty_assessment(), suggestions=pd.DataFrame(), issues=[],
                                   inputs=[])
        return build_model(ctx, assessed, previous)
    return build


# ---- the shipped demo ----------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def demo_ctx() -> RoundContext:
    return RoundContext.load(paths.DEMO_DIR, "2019")


@pytest.fixture(scope="session")
def demo_previous_model(demo_ctx):
    prev_ctx = demo_ctx.for_round(demo_ctx.round.previous)
    return build_model(prev_ctx, assess_force(prev_ctx, DEMO_FORCE))


@pytest.fixture(scope="session")
def demo_assessed(demo_ctx):
    return assess_force(demo_ctx, DEMO_FORCE)


@pytest.fixture(scope="session")
def demo_model(demo_ctx, demo_assessed, demo_previous_model):
    """Northmoor's model for the demo's round 2019, with its round 2017 model as the previous one."""
    return build_model(demo_ctx, demo_assessed, demo_previous_model)
