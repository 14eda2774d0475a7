"""The package's folders are its data flow: the layers contract holds, and no import hides inside a function
without a comment saying why."""

import ast
import os
import shutil
import subprocess
from pathlib import Path

import gapkit

PACKAGE = Path(gapkit.__file__).parent
ROOT = PACKAGE.parents[1]


def _lint_imports(config: Path, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["lint-imports", "--no-cache", str(config)], capture_output=True, text=True, cwd=cwd,
                          env=env)


def test_layers_contract_holds():
    result = _lint_imports(ROOT / "pyproject.toml", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _function_imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    yield inner.lineno


def _explained(path: Path, lineno: int) -> bool:
    """A comment on the import's line, or a module docstring that says why its functions import late."""
    lines = path.read_text().splitlines()
    if "#" in lines[lineno - 1]:
        return True
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return "imports what it needs inside its own function" in doc


def test_no_unexplained_imports_inside_functions():
    bad = [f"{p.relative_to(PACKAGE)}:{line}" for p in sorted(PACKAGE.rglob("*.py"))
           for line in _function_imports(p) if not _explained(p, line)]
    assert not bad, f"imports inside functions without a comment saying why: {bad}"


def test_a_broken_contract_is_caught(tmp_path):
    """The check can fail: a core module importing the CLI breaks the contract."""
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy / "gapkit", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "gapkit" / "core" / "bad.py").write_text("import gapkit.cli\n")
    config = tmp_path / "pyproject.toml"
    config.write_text((ROOT / "pyproject.toml").read_text())
    result = _lint_imports(config, tmp_path, env={**os.environ, "PYTHONPATH": str(copy)})
    assert result.returncode != 0 and "BROKEN" in result.stdout.upper(), result.stdout + result.stderr
