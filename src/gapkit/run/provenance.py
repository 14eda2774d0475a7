"""What a run records about itself: fingerprints of code and inputs (to skip unchanged work), library versions,
and run.json."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from gapkit import __version__
from gapkit.core import paths
from gapkit.core.fileio import sha256, write_text
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import input_hashes, round_inputs

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def hash_files(files: list[Path], root: Path | None = None) -> str:
    """One digest over files' names (relative to `root` when given) and contents."""
    digest = hashlib.sha256()
    for f in sorted(files, key=str):
        name = str(f.relative_to(root)) if root else f.name
        digest.update(name.encode())
        digest.update(sha256(f).encode())
    return digest.hexdigest()


def code_fingerprint(package_dir: Path = PACKAGE_DIR, notebooks_dir: Path = paths.NOTEBOOKS_DIR,
                     data_dir: Path = paths.DATA_DIR) -> str:
    """gapkit's code and templates, the notebooks, the frameworks, the settings and the force registry."""
    files = [f for f in package_dir.rglob("*") if f.suffix in (".py", ".j2") and "__pycache__" not in f.parts]
    files += list(notebooks_dir.glob("*.ipynb"))
    files += list((data_dir / "frameworks").glob("*.yaml")) + list((data_dir / "config").glob("*.yaml"))
    files += [data_dir / "reference" / "forces.csv"]
    return hash_files([f for f in files if f.exists()], root=None)


def force_fingerprint(ctx: RoundContext, force: str, code: str) -> tuple[str, dict[str, str]]:
    """A digest of everything a force's report depends on (its inputs in this round and the previous one, the
    round files, the dataset's registry, the code), and the hashes of this round's inputs."""
    return force_fingerprints(ctx, [force], code)[force]


def force_fingerprints(ctx: RoundContext, forces: list[str], code: str) -> dict[str, tuple[str, dict[str, str]]]:
    """force_fingerprint for many forces, each round's folders checked and its shared files hashed once."""
    data_dir, round_id = ctx.data_dir, ctx.round.round
    rounds = [round_id] + ([ctx.round.previous] if ctx.round.previous else [])
    files = [paths.round_dir(data_dir, r) / "round.yaml" for r in rounds]
    files += [data_dir / "forces.csv"] if (data_dir / "forces.csv").exists() else []
    shared = input_hashes(files, data_dir)
    inputs = {r: round_inputs(data_dir, r, forces) for r in rounds}
    out = {}
    for force in forces:
        own = input_hashes(inputs[round_id][force], data_dir)  # each file read and hashed once
        hashes = {**shared, **input_hashes([f for r in rounds[1:] for f in inputs[r][force]], data_dir), **own}
        digest = hashlib.sha256(json.dumps({"code": code, "inputs": hashes}, sort_keys=True).encode()).hexdigest()
        out[force] = digest, own
    return out


def library_versions() -> dict[str, str]:
    out = {"gapkit": __version__, "python": platform.python_version()}
    for name in ("pandas", "matplotlib", "openpyxl", "papermill", "nbconvert", "scikit-learn", "pandera", "pydantic"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def write_run_json(out_round: Path, ctx: RoundContext, forces: list[dict], national: dict, hashes: dict,
                   code: str, workers: int, seconds: float, previous: dict | None = None) -> Path:
    """run.json: what was run, with what, and how each force did. `previous` is the previous round's framework
    versions as its outputs record them (previous_frameworks); a framework whose version changed between the
    rounds is listed under framework_changes, so that every comparison of the two rounds can say so."""
    rcfg, catalogue = ctx.round, ctx.catalogue
    frameworks = {f: catalogue.get(f).version for f in rcfg.frameworks}
    doc = {
        "round": rcfg.round, "title": rcfg.title, "as_of": str(rcfg.as_of), "synthetic": rcfg.synthetic,
        "marking": rcfg.marking, "finished": dt.datetime.now().isoformat(timespec="seconds"),
        "parameters": {"data_dir": str(ctx.data_dir), "round": rcfg.round, "workers": workers},
        "frameworks": frameworks,
        "previous_round": {"round": rcfg.previous, "frameworks": (previous or {}).get("frameworks"),
                           "source": (previous or {}).get("source")} if rcfg.previous else None,
        "framework_changes": framework_changes(frameworks, (previous or {}).get("frameworks"), rcfg.previous),
        "crosswalk": catalogue.crosswalk.version, "scoring_settings": ctx.settings.version,
        "code_fingerprint": code, "versions": library_versions(), "wall_seconds": round(seconds, 2),
        "forces": forces, "national": national, "input_hashes": hashes,
        "failed": [f["force"] for f in forces if f["status"] != "ok"],
    }
    return write_text(out_round / "run.json", json.dumps(doc, indent=1, default=str))


def previous_frameworks(out_dir: Path, previous: str | None) -> dict | None:
    """The framework versions the previous round's outputs were made with: from its run.json, or else from its
    summary.csv (framework_version); None when that round has no outputs here."""
    if not previous:
        return None
    folder = Path(out_dir) / previous
    try:
        found = json.loads((folder / "run.json").read_text())["frameworks"]
        if isinstance(found, dict):
            return {"frameworks": {str(k): str(v) for k, v in found.items()}, "source": f"{previous}/run.json"}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with (folder / "summary.csv").open(newline="", encoding="utf-8") as fh:
            found = {r["framework"]: r["framework_version"] for r in csv.DictReader(fh) if r.get("framework")}
        return {"frameworks": found, "source": f"{previous}/summary.csv"} if found else None
    except (OSError, KeyError, csv.Error):
        return None


def framework_changes(now: dict[str, str], before: dict[str, str] | None, previous: str | None) -> list[dict]:
    """Each framework whose version differs from the previous round's, with a note for the reports."""
    if not previous or before is None:
        return []
    out = []
    for fid, current in now.items():
        if fid in before and str(before[fid]) != str(current):
            out.append({"framework": fid, "previous_version": before[fid], "version": current,
                        "note": f"{fid}: framework changed from {before[fid]} (round {previous}) to {current}"})
    return out


def previous_status(out_round: Path) -> dict[str, dict]:
    """Each force's entry in the round's last run.json (empty when there is none or it cannot be read)."""
    path = out_round / "run.json"
    if not path.exists():
        return {}
    try:
        return {f["force"]: f for f in json.loads(path.read_text())["forces"]}
    except (ValueError, KeyError, TypeError):
        return {}
