"""YAML is bounded before it is built: size, nesting depth and alias uses (data/config/limits.yaml); every problem
is a GapkitError naming the file, the line and the limit to raise."""

import os
import time

import pytest

from gapkit.core import paths
from gapkit.core.errors import GapkitError
from gapkit.core.limits import LIMITS_FILE, default_limits
from gapkit.core.yamlio import load_yaml


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The YAML 'billion laughs': each level lists the one before `width` times; 9 x 9 is 9**9 values."""
    text = "a: &a [" + ", ".join(['"lol"'] * width) + "]\n"
    prev = "a"
    for name in "bcdefghijklmnop"[: levels - 1]:
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * width) + "]\n"
        prev = name
    return text + f"requirements:\n  - id: *{prev}\n"


def _error(path) -> str:
    with pytest.raises(GapkitError) as exc:
        load_yaml(path)
    return str(exc.value)


def test_alias_bomb_is_refused_in_milliseconds_naming_the_limit(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    started = time.monotonic()
    message = _error(path)
    assert time.monotonic() - started < 1
    assert "bomb.yaml > line" in message and "max_yaml_aliases" in message and str(LIMITS_FILE) in message


def test_a_few_aliases_are_fine_and_the_shipped_files_load():
    for path in sorted(paths.FRAMEWORKS_DIR.glob("*.yaml")) + sorted(paths.CONFIG_DIR.glob("*.yaml")):
        load_yaml(path)


def test_aliases_are_counted_as_if_written_out(tmp_path):
    limit = default_limits().max_yaml_aliases
    path = tmp_path / "x.yaml"
    path.write_text("base: &b {a: 1}\n" + "".join(f"k{i}: *b\n" for i in range(limit)))
    data, _ = load_yaml(path)  # exactly the limit: read
    assert data["k0"] == {"a": 1}
    # a list of 10 aliases, used 10 times: 10 + 100 alias uses once written out, over the limit
    path.write_text("a: &a 1\nb: &b [" + ", ".join(["*a"] * 10) + "]\n" + "".join(f"c{i}: *b\n" for i in range(10)))
    assert "max_yaml_aliases" in _error(path)


def test_an_alias_inside_what_it_names_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("a: &a [1, *a]\n")
    message = _error(path)
    assert "loop.yaml > line 1" in message and "never end" in message


def test_deep_nesting_is_refused_before_libyaml_builds_it(tmp_path):
    """libyaml's composer recurses in C: 100,000 nested brackets crashed the process (a segfault, not an error)."""
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 100_000 + "]" * 100_000)
    message = _error(path)
    assert "deep.yaml > line 1" in message and "max_yaml_depth" in message


def test_a_file_over_max_yaml_kb_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("id: x\nnote: " + "y" * int(default_limits().max_yaml_kb * 1024) + "\n")
    message = _error(path)
    assert "huge.yaml" in message and "max_yaml_kb" in message and "limits.yaml" in message


def test_a_pipe_or_device_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in _error(fifo)
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    assert "zero.yaml" in _error(link) and "not a regular file" in _error(link)


@pytest.mark.parametrize("content,expected", [
    (b"id: caf\xe9\n", "line 1 (byte 7): not UTF-8 text"),
    (b"id: a\nnote: b\x00c\n", "line 2: the character #x0000 is not allowed in YAML"),
    (b"id: " + b"9" * 5000 + b"\n", "line 1: the number '9999"),
    (b"as_of: 2019-13-01\n", "line 1: '2019-13-01' is not a valid date"),
    (b"id: [unclosed\n", "YAML syntax error"),
])
def test_unreadable_yaml_names_the_line(tmp_path, content, expected):
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    message = _error(path)
    assert expected in message and "Fix:" in message, message


def test_an_empty_file_is_none(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert load_yaml(path) == (None, None)
