"""The gapkit command line. Every input problem ends in a clear message and a non-zero exit, never a traceback.

Each command imports what it needs inside its own function: `gapkit --help` then starts in a fraction of a second
instead of loading pandas, matplotlib and scikit-learn (about 3 s cold)."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from gapkit import __version__
from gapkit.core import paths
from gapkit.core.errors import GapkitError

EXIT_INPUT = 2


EXIT_UNEXPECTED = 3


def friendly(func):
    """Input problems: their message and exit 2. File system problems: the file and exit 2. Anything else: one
    line saying it is a bug, exit 3 (GAPKIT_DEBUG=1 shows the traceback)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GapkitError as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INPUT)
        except OSError as exc:
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            click.echo(f"ERROR: {exc.strerror or exc}{where}. Fix: check the path and its permissions", err=True)
            sys.exit(EXIT_INPUT)
        except Exception as exc:  # noqa: BLE001  (the last line of defence against a bare traceback)
            if os.environ.get("GAPKIT_DEBUG"):
                raise
            click.echo(f"gapkit stopped on an unexpected error: {type(exc).__name__}: {exc}. This is a bug in gapkit; "
                       "run again with GAPKIT_DEBUG=1 to see where, and report it.", err=True)
            sys.exit(EXIT_UNEXPECTED)
    return wrapper


# ---- checking options (before any work: a bad id or folder is a usage error, exit 2) -----------------------------

MAX_TIMEOUT = 24 * 3600


def _round_ids(ctx, param, value):
    """--round: each a round id (the name of a folder under DATA/rounds/), never a path."""
    for v in (value if isinstance(value, tuple) else (value,)):
        if v is not None and not paths.is_id(v):
            raise click.BadParameter(f"{v!r} is not a round id. Fix: give the name of a round folder under "
                                     f"DATA/rounds/ ({paths.ID_RULE}, e.g. 2019)")
    return value


def _force_names(ctx, param, value: str) -> str:
    """--forces: ids, codes or names; none can hold a path separator or a control character."""
    for name in (f.strip() for f in value.split(",")):
        if len(name) > 100 or any(c in name for c in "/\\") or ".." in name or \
                any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise click.BadParameter(f"{name[:60]!r} is not a force id, code or name. Fix: give forces as in "
                                     "'gapkit forces', separated by commas (e.g. west-yorkshire,derbyshire)")
    return value


def _positive_timeout(ctx, param, value: int) -> int:
    if not 1 <= value <= MAX_TIMEOUT:
        raise click.BadParameter(f"{value} seconds: the time one notebook cell may take must be from 1 to "
                                 f"{MAX_TIMEOUT} seconds (0 or less would switch the time limit off). Fix: give, "
                                 "e.g., --timeout 600")
    return value


def _worker_count(ctx, param, value: int) -> int:
    if not 1 <= value <= 16:
        raise click.BadParameter(f"{value}: the number of notebooks run at once must be from 1 to 16 (each is a "
                                 "kernel process). Fix: give, e.g., --workers 2")
    return value


def _data_folder(ctx, param, value: Path | None) -> Path | None:
    """--data: an existing folder (a missing one is not reported as a missing round.yaml later)."""
    if value is not None and not value.is_dir():
        what = "is not a folder" if value.exists() else "does not exist"
        raise click.BadParameter(f"the data folder {value} {what}. Fix: give the dataset folder, which holds "
                                 "rounds/ROUND/round.yaml (see docs/dataset.md)")
    return value


def _check_output(out: Path, data_dir: Path | None, option: str = "--out", what: str = "a folder of its own") -> None:
    """An output folder (or file) that is not a file system's root, and neither inside nor around the dataset:
    outputs written into the inputs would be read back as inputs, and a root would be filled with rounds."""
    data = (data_dir or paths.DEMO_DIR).resolve()
    target = out.resolve()
    fix = f"give {option} {what}, outside the dataset folder {data}"
    if target.parent == target:
        raise GapkitError.one(option, "", f"{out} is the root of a file system", fix)
    if paths.inside(data, target):
        raise GapkitError.one(option, "", f"{out} is inside the dataset folder {data}", fix)
    if paths.inside(target, data):
        raise GapkitError.one(option, "", f"{out} contains the dataset folder {data}", fix)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gapkit")
def main() -> None:
    """Score police forces' APSP plans against the NPCC strategy and HMICFRS recommendations."""


@main.command()
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=paths.FRAMEWORKS_DIR,
              show_default=True, help="Folder of framework YAML files.")
@friendly
def frameworks(directory: Path) -> None:
    """List each framework with its version and number of requirements."""
    from gapkit.catalogue.frameworks import catalogue_summary, load_catalogue

    cat = load_catalogue(directory)
    table = catalogue_summary(cat)
    click.echo(table.to_string(index=False))
    click.echo(f"\ncrosswalk version {cat.crosswalk.version}: {len(cat.crosswalk.mappings)} mappings")


@main.command()
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None,
              help="A dataset folder whose forces.csv adds forces (e.g. the demo's fictional ones).")
@friendly
def forces(data_dir: Path | None) -> None:
    """List the force registry."""
    from gapkit.catalogue.forces import registry

    table = registry(data_dir / "forces.csv" if data_dir else None)
    click.echo(table[["force_id", "pfa_code", "official_name", "region", "kind"]].to_string(index=False))


@main.command()
@click.argument("targets", nargs=-1, required=True, type=click.Path(path_type=Path))
@friendly
def validate(targets: tuple[Path, ...]) -> None:
    """Check framework folders or YAML files, and submission or review workbooks.

    Every problem is reported at once with file and line (or sheet and cell). Exit 2 if any is an error."""
    from gapkit.run.validation import validate_paths

    # absolute (links not followed), so that a round.yaml given as a bare name still has its round folder's name
    issues = validate_paths([Path(os.path.abspath(t)) for t in targets])
    for issue in issues:
        click.echo(str(issue), err=issue.severity == "error")
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        click.echo(f"{len(errors)} error(s), {len(issues) - len(errors)} warning(s)", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"OK: {len(targets)} path(s) valid, {len(issues)} warning(s)")


@main.command()
@click.argument("plans", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--framework", "framework_ids", multiple=True, help="Framework id (repeat for several). Default: all.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--all", "show_all", is_flag=True, help="Also list requirements with no evidence.")
@friendly
def evidence(plans: tuple[Path, ...], framework_ids: tuple[str, ...], as_json: bool, show_all: bool) -> None:
    """Suggest a level for every requirement from plan documents (docx, pdf, md, txt, xlsx), with quotes."""
    import json

    from gapkit.assess.evidence import evidence_for_files
    from gapkit.catalogue.frameworks import default_catalogue
    from gapkit.catalogue.settings import default_config

    catalogue = default_catalogue()
    for fid in framework_ids:
        catalogue.get(fid)
    suggestions, issues = evidence_for_files(list(plans), catalogue, list(framework_ids) or None,
                                             settings=default_config())
    for issue in issues:
        click.echo(str(issue), err=True)
    if as_json:
        click.echo(json.dumps({"suggestions": suggestions.to_dict("records"),
                               "issues": [vars(i) for i in issues]}, indent=2, default=str))
    else:
        _print_suggestions(suggestions, show_all)
    if any(i.severity == "error" for i in issues):
        sys.exit(EXIT_INPUT)


def _print_suggestions(suggestions, show_all: bool) -> None:
    shown = suggestions if show_all else suggestions[suggestions["similarity"] > 0]
    for row in shown.itertuples():
        click.echo(f"{row.framework}:{row.requirement_id}  level {int(row.level)}  "
                   f"confidence {row.confidence:.2f}  - {row.rationale}")
        for quote in filter(None, row.evidence_refs.split("\n")):
            click.echo(f"    {quote}")
    hidden = len(suggestions) - len(shown)
    if hidden:
        click.echo(f"({hidden} requirements with no matching passage: level 0, not evidenced; --all lists them)")


@main.command("evaluate-evidence")
@click.argument("labels_dir", required=False, type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--formats/--no-formats", default=True, show_default=True,
              help="Also read each set's plans as md, docx and pdf and compare the levels.")
@click.option("--calibrate", is_flag=True,
              help="Recompute data/config/evidence_calibration.yaml from the tuning sets (never the held-out ones).")
@friendly
def evaluate_evidence(labels_dir: Path | None, formats: bool, calibrate: bool) -> None:
    """Measure plan-evidence suggestions against every labelled set (or LABELS_DIR): agreement, weighted kappa,
    coverage, calibration and agreement across formats (docs/evidence.md)."""
    # imported here: scikit-learn's metrics and the document writers are not needed by any other command
    from gapkit.assess import evaluate as ev
    from gapkit.catalogue.frameworks import default_catalogue
    from gapkit.demo.plandocs import write_markdown_as

    catalogue = default_catalogue()
    if calibrate:
        for kind, value in ev.calibrate(catalogue).items():
            click.echo(f"calibrated {kind:28s} {value:.2f}")
    convert = write_markdown_as if formats else None
    if labels_dir is not None:
        table = ev.suggestions_table(labels_dir, catalogue)
        same, diff = ev.across_formats(labels_dir, catalogue, convert) if convert else (None, None)
        results = [ev.SetResult(labels_dir.name, ev.metrics(table), ev.reliability(table), same, diff)]
    else:
        results = ev.evaluate_sets(catalogue, convert=convert)
    click.echo(ev.format_table(results))


@main.command()
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None, callback=_data_folder,
              help="Dataset folder (docs/dataset.md). Default: the shipped synthetic demo.")
@click.option("--round", "rounds", multiple=True, callback=_round_ids,
              help="Round to run (repeat for several). Default: every round.")
@click.option("--forces", default="", callback=_force_names,
              help="Comma-separated forces (id, code or name). Default: every force.")
@click.option("--workers", default=2, show_default=True, type=int, callback=_worker_count,
              help="Notebooks run at once, 1 to 16 (each is a kernel process).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder, outside the dataset folder. Default: reports/.")
@click.option("--timeout", default=600, show_default=True, type=int, callback=_positive_timeout,
              help="Seconds one notebook cell may take (at least 1).")
@click.option("--rerun", is_flag=True, help="Run every force even if nothing changed.")
@click.option("--fresh-kernels", is_flag=True,
              help="Start a new Jupyter kernel for every notebook (slower) instead of one warm kernel per worker.")
@click.option("--svg", is_flag=True, help="Also write every chart as SVG (PNG is always written).")
@click.option("--no-pack", is_flag=True, help="Do not make the board pack at the end.")
@friendly
def run(data_dir, rounds, forces, workers, out_dir, timeout, rerun, fresh_kernels, svg, no_pack) -> None:
    """Run the force notebook for every force, then the national overview and the board pack.

    With no options it runs the shipped synthetic demo into reports/."""
    from gapkit.run.runner import run as run_all

    _check_output(out_dir or paths.REPORTS_DIR, data_dir)
    results = run_all(data_dir, list(rounds) or None, [f.strip() for f in forces.split(",") if f.strip()] or None,
                      workers, out_dir, timeout, rerun, progress=True, pack=not no_pack,
                      fresh_kernels=fresh_kernels, svg=svg)
    out = Path(out_dir or paths.REPORTS_DIR).resolve()
    failed = False
    for result in results:
        click.echo(f"\nround {result.round} -> {out / result.round}")
        for f in result.forces:
            how = "kept from an earlier run" if f.get("not_selected") else "unchanged" if f.get("skipped") else \
                f"run in {f.get('seconds', 0):.1f} s"
            click.echo(f"  {f['force']:28s} {f['status']:13s} {how}")
            for error in f.get("errors", []):
                click.echo(f"      {error}", err=True)
        national = result.national
        click.echo(f"  national overview: {national.get('status')}{' (unchanged)' if national.get('skipped') else ''}")
        if national.get("status") != "ok":
            click.echo(f"      {national.get('error')}", err=True)
        if national.get("pack_error"):
            click.echo(f"  board pack not made: {national['pack_error']}", err=True)
        elif national.get("pack_skipped"):
            click.echo("  board pack: unchanged")
        elif "pack" in national:
            click.echo(f"  board pack: {', '.join(Path(p).name for p in national['pack'])}")
            if not any(str(p).endswith(".pdf") for p in national["pack"]):
                click.echo("  board pack PDF not made: it needs WeasyPrint. Install it with: "
                           "python -m pip install -e '.[pdf]'", err=True)
        failed = failed or bool(result.failed) or national.get("status") != "ok"
    click.echo(f"\nEverything this run made, with links: {out / 'index.html'}")
    if failed:
        click.echo("\nSome forces or the national overview failed: see the lines above and run.json. "
                   "The others finished.", err=True)
        sys.exit(1)


@main.command()
@click.option("--round", "round_id", required=True, callback=_round_ids, help="Round, as in the run's output folder.")
@click.option("--runs", "out_dir", type=click.Path(path_type=Path), default=None,
              help="The run's output folder. Default: reports/.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None, callback=_data_folder,
              help="Dataset folder the run used. Default: the shipped demo.")
@click.option("--out", "target", type=click.Path(path_type=Path), default=None,
              help="Pack file name (.xlsx; the .html and .pdf go beside it). Default: OUT/ROUND/board-pack-ROUND.xlsx")
@friendly
def pack(round_id: str, out_dir: Path | None, data_dir: Path | None, target: Path | None) -> None:
    """Make the board pack: Excel with native charts, a self-contained HTML pack, and PDF (with WeasyPrint)."""
    from gapkit.outputs.pack import build_pack

    if target is not None:
        _check_output(target, data_dir, what="a file name")
    written = build_pack(out_dir or paths.REPORTS_DIR, round_id, data_dir, target)
    for path in written:
        click.echo(f"wrote {path}")
    if not any(p.suffix == ".pdf" for p in written):
        click.echo("PDF not made: it needs WeasyPrint. Install it with: python -m pip install -e '.[pdf]'", err=True)


@main.command()
@click.option("--force", "force", required=True, help="Force id, ONS code, name or slug.")
@click.option("--round", "round_id", required=True, callback=_round_ids, help="Round id (e.g. 2019).")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None, callback=_data_folder,
              help="Dataset whose round.yaml gives the frameworks (and whose forces.csv adds forces).")
@click.option("--framework", "framework_ids", multiple=True, help="Frameworks to include. Default: the round's, or all.")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Workbook to write. Default: FORCE-ROUND-action-plan.xlsx here.")
@friendly
def template(force: str, round_id: str, data_dir: Path | None, framework_ids: tuple[str, ...], out: Path | None) -> None:
    """Write the action-plan workbook a force fills in."""
    from gapkit.catalogue.forces import lookup, registry
    from gapkit.catalogue.frameworks import default_catalogue
    from gapkit.catalogue.settings import default_config
    from gapkit.forms.template import write_template
    from gapkit.inputs.layout import load_round

    catalogue = default_catalogue()
    row = lookup(force, registry(data_dir / "forces.csv" if data_dir else None))
    frameworks, marking, synthetic = list(framework_ids) or None, "OFFICIAL", False
    if data_dir and (data_dir / "rounds" / round_id / "round.yaml").exists():
        rcfg = load_round(data_dir, round_id, catalogue)
        frameworks, marking, synthetic = frameworks or rcfg.frameworks, rcfg.marking, rcfg.synthetic
    out = out or Path(f"{row['force_id']}-{round_id}-action-plan.xlsx")
    write_template(row, round_id, out, catalogue=catalogue, settings=default_config(), framework_ids=frameworks,
                   marking=marking, synthetic=synthetic)
    click.echo(f"wrote {out}")


@main.command()
@click.option("--force", "force", required=True, help="Force id, ONS code, name or slug.")
@click.option("--round", "round_id", required=True, callback=_round_ids, help="Round id (e.g. 2019).")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None, callback=_data_folder,
              help="Dataset folder. Default: the shipped demo.")
@friendly
def review(force: str, round_id: str, data_dir: Path | None) -> None:
    """Write or regenerate the inspector review workbook (rounds/ROUND/reviews/FORCE.xlsx).

    Every inspector entry already in it is kept exactly; the previous file is backed up first."""
    from gapkit.assess.assess import assess_force
    from gapkit.catalogue.forces import lookup
    from gapkit.forms.review_form import write_review
    from gapkit.inputs.context import RoundContext
    from gapkit.inputs.layout import review_file

    ctx = RoundContext.load(data_dir, round_id)
    row = lookup(force, ctx.forces)
    assessed = assess_force(ctx, row["force_id"])
    for issue in assessed.issues:
        click.echo(str(issue), err=True)
    target = review_file(ctx.data_dir, round_id, row["force_id"])
    write_review(target, row, round_id, assessed.force_reported, assessed.suggestions, catalogue=ctx.catalogue,
                 settings=ctx.settings, framework_ids=ctx.frameworks, marking=ctx.round.marking,
                 synthetic=ctx.round.synthetic, unread=assessed.unread)
    click.echo(f"wrote {target}")


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder for the dataset.")
@click.option("--forces", "n_forces", default=13, show_default=True, help="Number of fictional forces.")
@click.option("--seed", default=2017, show_default=True)
@click.option("--no-plans", is_flag=True, help="Leave out plan documents (faster, for scale tests).")
@friendly
def demo(out_dir: Path, n_forces: int, seed: int, no_plans: bool) -> None:
    """Generate a synthetic dataset of fictional forces (for demos and scale tests)."""
    from gapkit.demo.generate import generate

    generate(out_dir, n_forces, seed, with_plans=not no_plans)
    click.echo(f"wrote {out_dir} ({n_forces} fictional forces, synthetic)")
