"""The round context: the catalogue, the scoring settings, the round's configuration (with any overrides applied)
and the force registry, built once by the CLI, the runner or a notebook and passed down to every stage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gapkit.catalogue.forces import registry
from gapkit.catalogue.frameworks import Catalogue, default_catalogue
from gapkit.catalogue.settings import Scale, ScoringConfig, default_config
from gapkit.core import paths
from gapkit.core.errors import GapkitError, Issue
from gapkit.inputs.layout import RoundConfig, check_data_dir, load_round


@dataclass(frozen=True)
class RoundContext:
    data_dir: Path
    round: RoundConfig
    catalogue: Catalogue
    settings: ScoringConfig
    forces: pd.DataFrame  # the registry: reference forces plus the dataset's own forces.csv

    @classmethod
    def load(cls, data_dir: str | Path | None, round_id: str, *, catalogue: Catalogue | None = None,
             settings: ScoringConfig | None = None, forces: pd.DataFrame | None = None,
             as_of: str | dt.date | None = None, frameworks: list[str] | None = None) -> "RoundContext":
        """Read round.yaml and apply overrides (as-of date, frameworks), checked like round.yaml itself."""
        data_dir = Path(data_dir) if data_dir else paths.DEMO_DIR
        catalogue = catalogue or default_catalogue()
        settings = settings or default_config()
        check_data_dir(data_dir)  # before forces.csv is looked for in it: say the folder is missing
        forces = forces if forces is not None else registry(data_dir / "forces.csv")
        rcfg = with_overrides(load_round(data_dir, round_id, catalogue, forces), catalogue, as_of, frameworks)
        unknown = sorted({catalogue.get(f).level_scale for f in rcfg.frameworks} - set(settings.scales))
        if unknown:
            raise GapkitError.one(paths.SCORING_FILE, "scales", f"level scale(s) {', '.join(unknown)} named by the "
                                  "round's frameworks are not defined", "add them under 'scales' in scoring.yaml")
        return cls(data_dir, rcfg, catalogue, settings, forces)

    def for_round(self, round_id: str) -> "RoundContext":
        """The same catalogue, settings and registry for another round of the dataset (the previous one)."""
        return RoundContext(self.data_dir, load_round(self.data_dir, round_id, self.catalogue, self.forces),
                            self.catalogue, self.settings, self.forces)

    @property
    def frameworks(self) -> list[str]:
        return self.round.frameworks

    def scale(self, framework_id: str) -> Scale:
        """The level scale a framework is judged on."""
        return self.settings.scale(self.catalogue.get(framework_id).level_scale)

    def maxima(self) -> dict[str, int]:
        """Each of the round's frameworks' top level."""
        return {fid: self.scale(fid).maximum for fid in self.frameworks}


def with_overrides(rcfg: RoundConfig, catalogue: Catalogue, as_of: str | dt.date | None = None,
                   frameworks: list[str] | None = None) -> RoundConfig:
    """A round's configuration with a notebook's or the CLI's overrides, checked against the catalogue."""
    update: dict = {}
    issues = []
    if as_of:
        try:
            update["as_of"] = pd.Timestamp(as_of).date()
        except ValueError:
            issues.append(Issue("as_of", "", f"'{as_of}' is not a date", "write the date as YYYY-MM-DD"))
    if frameworks:
        unknown = [f for f in frameworks if f not in catalogue.frameworks]
        if unknown:
            issues.append(Issue("frameworks", "", f"unknown framework(s): {', '.join(unknown)}",
                                f"use some of: {', '.join(catalogue.frameworks)}"))
        update["frameworks"] = list(dict.fromkeys(frameworks))
        kept = [f for f in (rcfg.headline_framework, rcfg.focus_framework) if f]
        missing = [f for f in kept if f not in update["frameworks"]]
        if missing:
            issues.append(Issue("frameworks", "", f"the round's headline or focus framework {', '.join(missing)} "
                                "is not in the frameworks given", "include it, or leave frameworks empty"))
    if issues:
        raise GapkitError(issues)
    return rcfg.model_copy(update=update) if update else rcfg
