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


def test_a_keyword_not_alone_must_be_a_keyword(tmp_path):
    path = _broken(tmp_path, "    keywords_not_alone: [analysis, analyst]", "    keywords_not_alone: [analysis, analysts]")
    with pytest.raises(GapkitError) as err:
        load_framework(path)
    msg = str(err.value)
    assert "['analysts'] are not among the requirement's keywords" in msg
    assert f"line {_line_of(path, '  - id: E11')}" in msg  # the requirement it belongs to


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


# ---- the crosswalk: every mapping cites its source; the 2016 capability items and the 2017 elements ----------

CROSSWALK = paths.FRAMEWORKS_DIR / "crosswalk.yaml"
LEGIT, PLANS = "hmic-2016-legitimacy", "hmicfrs-2017-plans"


def test_every_crosswalk_mapping_cites_its_source(catalogue):
    for m in catalogue.crosswalk.mappings:
        c = m.citation
        assert c.title and c.publisher and c.date, m
        if m.unverified:
            assert m.note.strip(), f"{m.source} -> {m.target}: unverified without a note"
        else:
            assert c.reference.strip(), f"{m.source} -> {m.target}: verified without the passage"
    # the mappings that rest on unverified texts are marked so (facts file 2.2: 2019 and 2022 wording)
    by_route = {(m.source, m.target): m for m in catalogue.crosswalk.mappings}
    assert by_route[("hmicfrs-2019-salob:S4", "npcc-apsp-2017:E5")].unverified
    assert all(m.unverified for m in catalogue.crosswalk.mappings if m.source.startswith("hmicfrs-2022-vmm:"))


def test_the_2016_capability_items_and_the_2017_elements_map_both_ways(catalogue):
    rel = {(m.source, m.target): m.relationship for m in catalogue.crosswalk.mappings}
    assert rel[(f"{LEGIT}:CAP-1", f"{PLANS}:P1")] == "equal"
    assert rel[(f"{LEGIT}:CAP-2", f"{PLANS}:P2")] == "subset"
    assert rel[(f"{LEGIT}:CAP-3", f"{PLANS}:P3")] == "subset"
    assert rel[(f"{PLANS}:P1", f"{LEGIT}:CAP-1")] == "equal"
    assert rel[(f"{PLANS}:P2", f"{LEGIT}:CAP-2")] == "superset"
    assert rel[(f"{PLANS}:P3", f"{LEGIT}:CAP-3")] == "superset"
    for m in catalogue.crosswalk.mappings:
        if {m.source.split(":")[0], m.target.split(":")[0]} == {LEGIT, PLANS}:
            assert not m.unverified and "2016 recommendation" in m.citation.reference + m.citation.title


def test_a_2016_cap1_row_gives_credit_to_the_2017_element_p1(catalogue, config):
    """A force that tracks the 2016 recommendation (CAP-1..CAP-3) and nothing against the 2017 elements: the rule
    (gapkit.scoring.rule.score) credits P1 with CAP-1's level (equal) and P2 with half of CAP-2's (subset)."""
    from gapkit.assess.table import make_assessment
    from gapkit.scoring.rule import score

    a = make_assessment("f", "r", LEGIT, {"CAP-1": 3, "CAP-2": 2, "CAP-3": 0})
    s = score(a, catalogue, config, as_of="2017-10-05", framework_ids=[PLANS, LEGIT])
    plans = s.requirements[s.requirements["framework"] == PLANS].set_index("requirement_id")
    assert plans.loc["P1", "level"] == 3 and plans.loc["P1", "credit_from"] == f"{LEGIT}:CAP-1 (equal)"
    assert plans.loc["P2", "level"] == pytest.approx(0.5 * 2)  # subset: half credit
    assert plans.loc["P2", "credit_from"] == f"{LEGIT}:CAP-2 (subset)"
    assert plans.loc["P3", "level"] == 0 and plans.loc["P3", "credit_from"] == ""
    assert plans.loc["P1", "gap"] == 0
    # without the routes the 2017 elements had nothing: the overall score moves from 0
    overall = s.overall.set_index("framework")
    assert overall.loc[PLANS, "score"] == pytest.approx(100 * (1 + 1 / 3 + 0) / 3)


def test_a_2017_row_gives_credit_back_to_the_2016_item(catalogue, config):
    from gapkit.assess.table import make_assessment
    from gapkit.scoring.rule import score

    a = make_assessment("f", "r", PLANS, {"P1": 2, "P2": 3})
    s = score(a, catalogue, config, framework_ids=[PLANS, LEGIT])
    legit = s.requirements[s.requirements["framework"] == LEGIT].set_index("requirement_id")
    assert legit.loc["CAP-1", "level"] == 2 and legit.loc["CAP-1", "credit_from"] == f"{PLANS}:P1 (equal)"
    assert legit.loc["CAP-2", "level"] == 3 and legit.loc["CAP-2", "credit_from"] == f"{PLANS}:P2 (superset)"


def _crosswalk_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = CROSSWALK.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "crosswalk.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_mapping_without_a_citation_is_refused_naming_its_line(tmp_path, catalogue):
    path = tmp_path / "crosswalk.yaml"
    path.write_text('version: "1"\nmappings:\n  - {source: "hmicfrs-2017-plans:P1", target: "npcc-apsp-2017:E3", '
                    'relationship: equal}\n')
    with pytest.raises(GapkitError, match=r"crosswalk.yaml > line 3 \(mappings.0.citation\): Field required"):
        load_crosswalk(path, catalogue.frameworks)


def test_an_unverified_mapping_needs_a_note_and_a_verified_one_its_passage(tmp_path, catalogue):
    path = _crosswalk_variant(tmp_path, "    unverified: true\n    note: V4 itself is unverified (facts 2.2); so is "
                              "this mapping.\n", "    unverified: true\n")
    with pytest.raises(GapkitError, match=r"line \d+ \(mappings.\d+\): .*unverified mapping needs a note"):
        load_crosswalk(path, catalogue.frameworks)
    path = tmp_path / "crosswalk.yaml"
    path.write_text('version: "1"\nmappings:\n  - source: "hmicfrs-2017-plans:P1"\n    target: "npcc-apsp-2017:E3"\n'
                    '    relationship: equal\n    citation: {title: A report, publisher: HMICFRS, date: "2017"}\n')
    with pytest.raises(GapkitError, match=r"line 3 \(mappings.0\): .*verified mapping needs citation.reference"):
        load_crosswalk(path, catalogue.frameworks)


def test_a_route_mapped_twice_and_a_bad_citation_date_are_reported_together(tmp_path, catalogue):
    path = tmp_path / "crosswalk.yaml"
    one = ('  - {source: "hmicfrs-2017-plans:P1", target: "npcc-apsp-2017:E3", relationship: equal, '
           'citation: {title: A report, publisher: HMICFRS, date: "%s", reference: element 1}}\n')
    path.write_text('version: "1"\nmappings:\n' + one % "2017-10-05" + one % "5th Oct")
    with pytest.raises(GapkitError) as err:
        load_crosswalk(path, catalogue.frameworks)
    text = str(err.value)
    assert "line 4 (mappings.1.citation.date)" in text and "'5th Oct' is not a date" in text
    assert "line 4 (mappings.1): the route hmicfrs-2017-plans:P1 -> npcc-apsp-2017:E3 is mapped twice" in text
