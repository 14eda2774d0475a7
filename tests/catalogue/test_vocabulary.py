"""Status words and level labels: what gapkit understands in forces' and inspectors' workbooks."""

import pytest

from gapkit.catalogue.settings import Scale
from gapkit.catalogue.vocabulary import NOT_APPLICABLE, level_choice, parse_status, status_labels


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
