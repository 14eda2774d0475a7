"""Load YAML keeping line numbers, so validation errors can point at the line to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gapkit.core.errors import GapkitError

FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where PyYAML was built with it


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Return (data, node tree). A syntax error becomes a GapkitError naming the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GapkitError.one(path, "", "file not found", "check the path") from None
    except UnicodeDecodeError as exc:
        raise GapkitError.one(path, f"byte {exc.start}", "not UTF-8 text", "save the file as UTF-8") from None
    node = None
    try:
        node = yaml.compose(text, Loader=FAST_LOADER)  # parsed once; the data is built from the same nodes
        data = yaml.SafeLoader("").construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "YAML syntax error"
        raise GapkitError.one(
            path, line, f"YAML syntax error: {problem}",
            "check indentation, colons and quotes on that line (a value containing ': ' needs quotes)",
        ) from None
    except ValueError as exc:  # PyYAML raises plain ValueError for impossible dates such as 2019-13-01
        bad = _bad_scalar(node)
        line = f"line {bad.start_mark.line + 1}" if bad is not None else ""
        value = f"'{bad.value}' " if bad is not None else ""
        raise GapkitError.one(path, line, f"{value}is not a valid date ({exc})",
                              "write the date as YYYY-MM-DD with a real month and day") from None
    return data, node


def _bad_scalar(node: yaml.Node | None) -> yaml.ScalarNode | None:
    """The first scalar that PyYAML cannot construct (an impossible date)."""
    if isinstance(node, yaml.ScalarNode):
        try:
            yaml.SafeLoader("").construct_object(node)
        except ValueError:
            return node
        return None
    children = []
    if isinstance(node, yaml.MappingNode):
        children = [v for pair in node.value for v in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    for child in children:
        found = _bad_scalar(child)
        if found is not None:
            return found
    return None


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the value at `loc` (keys and list indices), or of the deepest part found."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if getattr(k, "value", None) == str(key)]
            if not match:
                break
            key_node = next(k for k, v in node.value if getattr(k, "value", None) == str(key))
            node = match[0]
            line = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def where(node: yaml.Node | None, loc: tuple[Any, ...]) -> str:
    line = line_of(node, loc)
    field_path = ".".join(str(p) for p in loc)
    return f"line {line} ({field_path})" if line and field_path else (f"line {line}" if line else field_path)
