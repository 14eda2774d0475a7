"""pyproject.toml is the single list of dependencies; environment.yml installs the same through pip."""

import tomllib

import yaml

from gapkit.core import paths


def test_environment_yml_installs_the_project_itself():
    env = yaml.safe_load((paths.PROJ_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert any(line.startswith("-e .") for line in pip_section)
    conda_names = {str(d).split(">")[0].split("=")[0] for d in env["dependencies"] if isinstance(d, str)}
    assert conda_names <= {"python", "pip"}, "list dependencies in pyproject.toml only"


def test_python_versions_agree():
    project = tomllib.loads((paths.PROJ_ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((paths.PROJ_ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.removeprefix("python") == project["requires-python"]


def test_fixed_tools_are_dependencies():
    deps = " ".join(tomllib.loads((paths.PROJ_ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    for name in ("pandas", "matplotlib", "openpyxl", "papermill", "jupyterlab", "pandera", "pydantic"):
        assert name in deps


def test_the_test_suites_tools_are_in_the_test_extra():
    extra = " ".join(tomllib.loads((paths.PROJ_ROOT / "pyproject.toml").read_text())["project"]
                     ["optional-dependencies"]["test"])
    for name in ("pytest", "pytest-xdist", "hypothesis", "import-linter"):  # -n 2, profiles, the layers test
        assert name in extra
