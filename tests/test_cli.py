import subprocess
import sys

from click.testing import CliRunner

from gapkit.cli import main
from gapkit.core import paths


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_every_subcommand_has_help():
    for name in main.commands:
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Usage:" in result.output


def test_frameworks_lists_versions_and_counts(catalogue):
    result = run("frameworks")
    assert result.exit_code == 0
    for fid, fw in catalogue.frameworks.items():
        line = next(line for line in result.output.splitlines() if line.strip().startswith(fid))
        assert f" {fw.version} " in line and f" {len(fw.requirements)} " in line, line
    assert f"crosswalk version {catalogue.crosswalk.version}" in result.output


def test_validate_frameworks_dir_passes():
    result = run("validate", str(paths.FRAMEWORKS_DIR))
    assert result.exit_code == 0, result.output


def test_validate_broken_yaml_fails_with_file_line_and_fix(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text((paths.FRAMEWORKS_DIR / "npcc-apsp-2017.yaml").read_text().replace("theme: outcomes", "theme: outcomez", 1))
    result = run("validate", str(bad))
    assert result.exit_code == 2
    assert "broken.yaml > line" in result.output and "unknown theme 'outcomez'" in result.output and "Fix:" in result.output


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "gapkit", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "frameworks" in out.stdout


def test_template_then_validate_and_evidence(tmp_path):
    out = tmp_path / "wyp.xlsx"
    result = run("template", "--force", "West Yorkshire Police", "--round", "2017", "--framework", "hmicfrs-2017-plans",
                 "--out", str(out))
    assert result.exit_code == 0 and out.exists()
    assert run("validate", str(out)).exit_code == 0  # an empty template is valid: nothing is reported yet
    from openpyxl import load_workbook
    wb = load_workbook(out)
    wb["Actions"]["I2"] = "next spring"
    wb["Actions"]["J2"] = "Amber"
    wb["Actions"]["G2"] = "Review the CCU"
    wb.save(out)
    result = run("validate", str(out))
    assert result.exit_code == 2 and 'wyp.xlsx > Actions > I2: due date "next spring" is not a date' in result.output


def test_unknown_force_exits_2_with_suggestion(tmp_path):
    result = run("template", "--force", "West Yorkshir", "--round", "2017", "--out", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2 and "did you mean West Yorkshire Police" in result.output


def test_evidence_json(tmp_path):
    import json

    plan = tmp_path / "plan.md"
    plan.write_text("We will review the CCU next year.\n")
    result = run("evidence", str(plan), "--framework", "hmicfrs-2017-plans", "--json")
    doc = json.loads(result.output)
    p1 = next(s for s in doc["suggestions"] if s["requirement_id"] == "P1")
    assert p1["level"] == 1 and "plan.md, line 1" in p1["evidence_refs"]


def test_review_command_keeps_entries(tiny_data, tmp_path):
    import shutil

    from openpyxl import load_workbook

    data = tmp_path / "data"
    shutil.copytree(tiny_data, data)
    result = run("review", "--force", "ashdown-weald", "--round", "2017", "--data", str(data))
    assert result.exit_code == 0, result.output
    path = data / "rounds" / "2017" / "reviews" / "ashdown-weald.xlsx"
    wb = load_workbook(path)
    wb["Review"]["M2"] = "kept?"
    wb.save(path)
    assert run("review", "--force", "ashdown-weald", "--round", "2017", "--data", str(data)).exit_code == 0
    assert load_workbook(path)["Review"]["M2"].value == "kept?"
    assert run("validate", str(path)).exit_code == 0


def test_validate_round_yaml(tmp_path):
    folder = tmp_path / "rounds" / "2019"
    folder.mkdir(parents=True)
    (folder / "round.yaml").write_text('round: "2019"\ntitle: t\nas_of: 2019-13-01\nframeworks: [npcc-apsp-2017, nope]\n'
                                       "headline_framework: npcc-apsp-2017\n")
    result = run("validate", str(folder / "round.yaml"))
    assert result.exit_code == 2 and "round.yaml > line 3" in result.output
    (folder / "round.yaml").write_text('round: "2019"\ntitle: t\nas_of: 2019-09-27\nframeworks: [npcc-apsp-2017, nope]\n'
                                       "headline_framework: npcc-apsp-2017\n")
    result = run("validate", str(folder / "round.yaml"))
    assert result.exit_code == 2 and "line 4 (frameworks.1): unknown framework 'nope'" in result.output
    assert run("validate", str(paths.DEMO_DIR / "rounds" / "2019" / "round.yaml")).exit_code == 0
