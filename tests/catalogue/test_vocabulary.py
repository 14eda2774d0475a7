"""Status words, level labels and tracker header words: what gapkit understands in forces' and inspectors' workbooks."""

import pytest

from gapkit.catalogue.settings import Scale
from gapkit.catalogue.vocabulary import (HEADERS_FILE, NOT_APPLICABLE, header_aliases, level_choice, norm, parse_status,
                                         status_labels, tracker_settings)
from gapkit.core.errors import GapkitError


@pytest.fixture(scope="module")
def scale(config, catalogue) -> Scale:
    """The scale the 2017 plan review is judged on (every shipped framework uses it)."""
    return config.scale(catalogue.get("hmicfrs-2017-plans").level_scale)


@pytest.mark.parametrize("value,expected", [
    ("2 - Started", ("ok", 2.0)), (3, ("ok", 3.0)), ("GREEN", ("ok", 3.0)), ("On track", ("ok", 2.0)),
    ("n/a", ("na", None)), ("", ("blank", None)), ("Purple", ("unknown", None)), (7, ("unknown", None)),
])
def test_parse_status(value, expected, scale):
    assert parse_status(value, scale) == expected


def test_numbers_above_the_scale_are_unknown(scale):
    assert parse_status(scale.maximum, scale) == ("ok", float(scale.maximum))
    assert parse_status(scale.maximum + 1, scale)[0] == "unknown"
    assert parse_status(f"{scale.maximum + 1} - Beyond", scale)[0] == "unknown"


def test_every_label_of_the_scale_reads_back_as_its_level(scale):
    labels = status_labels(scale)
    assert labels[-1] == NOT_APPLICABLE and len(labels) == len(scale.levels) + 1
    for level, label in zip(scale.levels, labels):
        assert parse_status(label, scale) == ("ok", float(level.value))
        assert level_choice(level.value, False, scale) == label
    assert parse_status(labels[-1], scale) == ("na", None)
    assert level_choice(None, True, scale) == NOT_APPLICABLE and level_choice(None, False, scale) == ""


# ---- tracker header words (data/config/tracker_headers.yaml) --------------------------------------------------

# Headers seen in police and public-sector improvement trackers (HMICFRS recommendation trackers, areas for
# improvement logs, action logs) and the field each must give.
REAL_TRACKER_HEADERS = {
    "Rec No": "ref", "Rec No.": "ref", "Recommendation number": "ref", "HMICFRS ref": "ref", "AFI ref": "ref",
    "Ref": "ref", "No.": "ref",
    "Recommendation / AFI": "requirement_text", "Recommendation text": "requirement_text",
    "Area for improvement": "requirement_text", "Recommendation": "requirement_text",
    "Action(s) required": "action", "Actions taken": "action", "Action": "action",
    "Lead": "owner", "Action owner": "owner", "Responsible officer": "owner", "SRO": "owner",
    "Progress update": "update", "Latest update": "update", "Commentary": "update", "Current position": "update",
    "RAG": "status", "RAG status": "status", "BRAG": "status", "Current status": "status", "Status": "status",
    "Target date": "due_date", "Target completion date": "due_date", "Deadline": "due_date",
    "Revised date": "due_date", "Due date": "due_date",
    "Evidence of completion": "evidence", "Evidence": "evidence", "Supporting evidence": "evidence",
    "Source": "framework", "Report": "framework",
    "Reason not applicable": "na_justification", "Last updated": "updated",
}


@pytest.mark.parametrize("header,field", REAL_TRACKER_HEADERS.items())
def test_header_words_of_real_trackers(header, field):
    assert header_aliases()[norm(header)][0] == field


def test_no_header_word_is_under_two_fields():
    seen: dict[str, str] = {}
    for fld, words in tracker_settings().fields.items():
        for word in [fld, *words]:
            assert seen.setdefault(norm(word), fld) == fld, f"'{word}' is under {seen[norm(word)]} and {fld}"


def _headers_variant(tmp_path, old: str, new: str):
    text = HEADERS_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "tracker_headers.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line(path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_a_header_word_under_two_fields_is_an_error_naming_both(tmp_path):
    path = _headers_variant(tmp_path, "  update: [update, progress,", "  update: [update, Lead, progress,")
    with pytest.raises(GapkitError) as err:
        tracker_settings(path)
    [issue] = err.value.issues
    assert issue.file == str(path) and issue.where.startswith(f"line {_line(path, '  update: [update, Lead')} ")
    assert "header word 'Lead' is listed under both 'owner'" in issue.message and "and 'update'" in issue.message
    assert f"line {_line(path, '  owner: [owner, lead,')} (fields.owner.1)" in issue.message  # where the first is
    assert "'owner' or 'update'" in issue.fix


def test_header_words_that_differ_only_in_punctuation_are_the_same_word(tmp_path):
    path = _headers_variant(tmp_path, "  status: [status, rag,", "  status: [status, Rec-No., rag,")
    with pytest.raises(GapkitError, match=r"header word 'Rec-No\.' is listed under both 'ref' .* and 'status'"):
        tracker_settings(path)


def test_a_word_yaml_reads_as_true_or_false_is_an_error_with_its_line(tmp_path):
    path = _headers_variant(tmp_path, '"no", number,', "no, number,")
    with pytest.raises(GapkitError) as err:
        tracker_settings(path)
    text = str(err.value)
    assert f"line {_line(path, ' no, number,')} (fields.ref." in text and "valid string" in text


def test_an_unknown_field_or_a_word_with_no_letters_is_an_error(tmp_path):
    path = _headers_variant(tmp_path, "  updated: [", "  colour: [colour]\n  updated: [")
    with pytest.raises(GapkitError, match=r"line \d+ \(fields.colour"):
        tracker_settings(path)
    path = _headers_variant(tmp_path, "  owner: [owner, lead,", "  owner: [owner, '#', lead,")
    with pytest.raises(GapkitError, match=r"header word '#' under 'owner' has no letters or digits"):
        tracker_settings(path)


def test_required_fields_must_be_fields(tmp_path):
    path = _headers_variant(tmp_path, "required: [status]", "required: [colour]")
    with pytest.raises(GapkitError, match=r"line \d+ \(required.0\)"):
        tracker_settings(path)
