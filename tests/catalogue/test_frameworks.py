from pathlib import Path

import pytest

from gapkit.catalogue.frameworks import (catalogue_summary, load_catalogue, load_crosswalk, load_framework,
                                         requirements_table)
from gapkit.core import paths
from gapkit.core.errors import GapkitError

NPCC = paths.FRAMEWORKS_DIR / "npcc-apsp-2017.yaml"


def test_catalogue_loads_every_framework(catalogue):
    assert set(catalogue.frameworks) == {"npcc-apsp-2017", "hmic-2016-legitimacy", "hmicfrs-2017-plans",
                                         "ipcc-2017-referral", "hmicfrs-2019-salob", "hmicfrs-2022-vmm"}
    assert [r.id for r in catalogue.get("npcc-apsp-2017").requirements] == [f"E{i}" for i in range(1, 13)]


def test_every_requirement_is_cited_and_marked(catalogue):
    for fw in catalogue.frameworks.values():
        assert fw.version
        for req in fw.requirements:
            assert req.sources and all(s.title and s.publisher and s.date for s in req.sources)
            assert req.verification in {"verified", "partial", "unverified"}


def test_unverified_items_are_marked_as_the_facts_file_says(catalogue):
    salob = {r.id: r.verification for r in catalogue.get("hmicfrs-2019-salob").requirements}
    assert salob["S4"] == salob["S5"] == "unverified"
    assert catalogue.get("npcc-apsp-2017").requirement("E11").verification == "partial"
    assert catalogue.get("npcc-apsp-2017").groupings["four_p"].verification == "unverified"


def test_three_key_elements_of_the_2017_review(catalogue):
    assert [r.id for r in catalogue.get("hmicfrs-2017-plans").requirements if r.key] == ["P1", "P2", "P3"]


def test_summary_and_versions(catalogue):
    table = catalogue_summary(catalogue).set_index("framework")
    for fid, fw in catalogue.frameworks.items():
        assert table.loc[fid, "requirements"] == len(fw.requirements)
        assert table.loc[fid, ["verified", "partial", "unverified"]].sum() == len(fw.requirements)
        assert table.loc[fid, "version"] == fw.version
    versions = catalogue.versions()
    assert versions == {**{fid: fw.version for fid, fw in catalogue.frameworks.items()},
                        "crosswalk": catalogue.crosswalk.version}
    assert catalogue.crosswalk.version and catalogue.crosswalk.version != "none"  # the shipped crosswalk was read
    assert len(requirements_table(catalogue)) == table["requirements"].sum()
    assert len(requirements_table(catalogue, ["npcc-apsp-2017"])) == len(catalogue.get("npcc-apsp-2017").requirements)


def _broken(tmp_path: Path, old: str, new: str, name: str = "npcc-apsp-2017.yaml") -> Path:
    text = NPCC.read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_duplicate_id_names_file_and_line(tmp_path):
    path = _broken(tmp_path, "  - id: E5\n", "  - id: E4\n")
    with pytest.raises(GapkitError) as err:
        load_framework(path)
    msg = str(err.value)
    assert "npcc-apsp-2017.yaml" in msg and "duplicate requirement id 'E4'" in msg
    dup_line = [i for i, line in enumerate(path.read_text().splitlines(), 1) if line == "  - id: E4"][1]
    assert f"line {dup_line}" in msg and "unique" in msg


def test_unknown_theme(tmp_path):
    path = _broken(tmp_path, "theme: outcomes", "theme: outcome")
    with pytest.raises(GapkitError, match=r"unknown theme 'outcome'.*use one of"):
        load_framework(path)


def test_bad_weight_and_date(tmp_path):
    path = _broken(tmp_path, "weight: 1\n", "weight: -2\n")
    path.write_text(path.read_text().replace('date: "2016-12-08"', 'date: "8th Dec"', 1))
    with pytest.raises(GapkitError) as err:
        load_framework(path)
    text = str(err.value)
    assert "weight" in text and "greater than 0" in text
    assert "'8th Dec' is not a date" in text


def test_yaml_syntax_error_names_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\ntitle: ok\nthemes: [a\nversion: 1\n")
    with pytest.raises(GapkitError, match=r"bad.yaml > line \d+, column \d+: YAML syntax error"):
        load_framework(path)


def test_dangling_crosswalk_reference(tmp_path, catalogue):
    path = tmp_path / "crosswalk.yaml"
    path.write_text('version: "1"\nmappings:\n  - {source: "hmicfrs-2017-plans:P9", target: "npcc-apsp-2017:E3", '
                    'relationship: equal}\n')
    with pytest.raises(GapkitError, match=r"line 3 \(mappings.0.source\): dangling reference 'hmicfrs-2017-plans:P9'"):
        load_crosswalk(path, catalogue.frameworks)


def test_catalogue_reports_problems_in_all_files(tmp_path):
    _broken(tmp_path, "theme: outcomes", "theme: nowhere", name="a.yaml")
    _broken(tmp_path, "  - id: E5\n", "  - id: E4\n", name="b.yaml")
    with pytest.raises(GapkitError) as err:
        load_catalogue(tmp_path)
    files = {Path(i.file).name for i in err.value.issues}
    assert files == {"a.yaml", "b.yaml"}


def test_impossible_date_names_line(tmp_path):
    path = tmp_path / "hmic.yaml"
    text = (paths.FRAMEWORKS_DIR / "hmic-2016-legitimacy.yaml").read_text()
    path.write_text(text.replace("deadline: 2017-03-08", "deadline: 2017-02-30", 1))
    with pytest.raises(GapkitError, match=r"hmic.yaml > line \d+: '2017-02-30' is not a valid date"):
        load_framework(path)
