"""`gapkit validate` checks every data/config file with the reader that uses it, and names file and line."""

from pathlib import Path

import pytest

from gapkit.core import paths
from gapkit.run.validation import CONFIG_READERS, validate_path

CONFIG_FILES = sorted(paths.CONFIG_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIG_FILES, ids=[p.name for p in CONFIG_FILES])
def test_every_shipped_config_file_is_valid(path):
    assert validate_path(path) == []


def test_every_config_file_has_a_reader():
    assert {p.name for p in CONFIG_FILES} - {"scoring.yaml"} == set(CONFIG_READERS)


@pytest.mark.parametrize("name,text,message", [
    ("status_vocabulary.yaml", 'version: "1"\nlevels:\n  3: [done]\n  2: [done]\n', "'done' is listed under 3 and 2"),
    ("status_vocabulary.yaml", 'version: "1"\nlevels:\n  0: [no]\n', "valid string"),
    ("acronyms.yaml", 'version: "1"\nacronyms:\n  CCU: ""\n', "needs both the words"),
    ("evidence_cues.yaml", (paths.CONFIG_DIR / "evidence_cues.yaml").read_text().replace(
        'cancelled: ["deferred"', 'cancelled: ["(deferred"'), "is not a valid regular expression"),
    ("evidence_calibration.yaml", 'version: "1"\nneeds_inspector_below: 0.5\n', "Field required"),
])
def test_a_broken_config_file_is_an_error_naming_it(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    issues = validate_path(path)
    assert issues and all(Path(i.file).name == name for i in issues)
    assert any(message in i.message for i in issues), [str(i) for i in issues]
