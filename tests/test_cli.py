import subprocess
import sys

import pytest
from click.testing import CliRunner

from gapkit import paths
from gapkit.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_every_subcommand_has_help():
    for name in main.commands:
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Usage:" in result.output


def test_frameworks_lists_versions_and_counts():
    result = run("frameworks")
    assert result.exit_code == 0
    assert "npcc-apsp-2017" in result.output and "2017.1" in result.output and " 12 " in result.output


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
