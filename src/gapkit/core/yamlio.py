"""Load YAML keeping line numbers, so validation errors can point at the line to fix.

A YAML file is bounded before it is built (data/config/limits.yaml): its size (max_yaml_kb), how deeply its lists
and mappings nest (max_yaml_depth: libyaml's composer recurses in C and crashes the process on deep nesting), and
how many alias uses it holds once every alias is written out (max_yaml_aliases: an 'alias bomb' of a few hundred
bytes expands to billions of values)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from gapkit.core.errors import GapkitError, Issue
from gapkit.core.limits import Limits, default_limits, raise_fix

FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where PyYAML was built with it
_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def load_yaml(path: Path, limits: Limits | None = None) -> tuple[Any, yaml.Node | None]:
    """Return (data, node tree); (None, None) for an empty file. Every problem (a syntax error, a file that is not
    UTF-8 text, a limit) becomes a GapkitError naming the file and the line."""
    path = Path(path)
    limits = limits or default_limits()
    text = _read_text(path, limits)
    node = None
    try:
        _check_events(text, path, limits)
        node = yaml.compose(text, Loader=FAST_LOADER)  # parsed once; the data is built from the same nodes
        if node is None:
            return None, None
        _check_aliases(node, path, limits)
        data = yaml.SafeLoader("").construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "YAML syntax error"
        raise GapkitError.one(
            path, line, f"YAML syntax error: {problem}",
            "check indentation, colons and quotes on that line (a value containing ': ' needs quotes)",
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a NUL byte: a binary file)
        line = text.count("\n", 0, exc.position) + 1
        raise GapkitError.one(path, f"line {line}", f"the character #x{exc.character:04X} is not allowed in YAML "
                              "(is this a binary file?)", "give a YAML text file saved as UTF-8") from None
    except yaml.YAMLError as exc:
        raise GapkitError.one(path, "", f"YAML error: {exc}", "check the file's syntax") from None
    except RecursionError:  # the pure-Python loader, where libyaml is missing; the depth check should prevent it
        raise GapkitError.one(path, "", "the YAML is nested too deeply to read",
                              raise_fix("max_yaml_depth")) from None
    except ValueError as exc:  # PyYAML raises plain ValueError for impossible dates (2019-13-01), huge integers
        raise _bad_value(path, node, exc) from None
    return data, node


def _read_text(path: Path, limits: Limits) -> str:
    """The file's text, after checking it is a file (a pipe or device would never end) within max_yaml_kb."""
    try:
        info = os.stat(path)  # links are followed: configuration may be linked in; what they point at is checked
    except FileNotFoundError:
        raise GapkitError.one(path, "", "file not found", "check the path") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, pipe or socket"
        raise GapkitError.one(path, "", f"not a regular file ({kind})", "give a YAML file")
    cap = int(limits.max_yaml_kb * 1024)
    too_big = GapkitError.one(path, "", f"the YAML file is over the limit of {limits.max_yaml_kb:g} KB "
                              f"(max_yaml_kb): {info.st_size / 1024:,.0f} KB", raise_fix("max_yaml_kb"))
    if info.st_size > cap:
        raise too_big
    with path.open("rb") as fh:
        raw = fh.read(cap + 1)  # a file that grows after stat() is still read no further than the limit
    if len(raw) > cap:
        raise too_big
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise GapkitError.one(path, f"line {line} (byte {exc.start})", "not UTF-8 text",
                              "save the file as UTF-8 (in a text editor: Save as, encoding UTF-8)") from None


def _check_events(text: str, path: Path, limits: Limits) -> None:
    """Syntax and nesting depth from the parser's event stream, before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=FAST_LOADER):
        if isinstance(event, _OPEN):
            depth += 1
            if depth > limits.max_yaml_depth:
                raise GapkitError.one(path, f"line {event.start_mark.line + 1}",
                                      f"lists and mappings are nested more than {limits.max_yaml_depth} deep "
                                      "(max_yaml_depth)", raise_fix("max_yaml_depth"))
        elif isinstance(event, _CLOSE):
            depth -= 1


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return []


def _check_aliases(root: yaml.Node, path: Path, limits: Limits) -> None:
    """Count alias uses as if every alias were written out (an alias of a list holding aliases counts them all
    again), without writing anything out: each node's count is worked out once. The composer resolves an alias to
    the very node its anchor named, so the first time a node is met it is the anchor, and every later time an
    alias. An alias inside the node it names would never end, and is refused."""
    limit = limits.max_yaml_aliases
    counts: dict[int, int] = {}
    met = {id(root)}
    open_nodes: set[int] = set()

    def fail(node: yaml.Node, message: str, fix: str = raise_fix("max_yaml_aliases")) -> None:
        raise GapkitError.one(path, f"line {node.start_mark.line + 1}", message, fix)

    def expanded(node: yaml.Node) -> int:
        if id(node) in counts:
            return counts[id(node)]
        open_nodes.add(id(node))
        total = 0
        for child in _children(node):
            if id(child) in open_nodes:
                fail(node, "an alias refers to a list or mapping that holds it, so it would never end",
                     "write the values out instead of the alias")
            if id(child) in met:
                total += 1 + expanded(child)
            else:
                met.add(id(child))
                total += expanded(child)
            if total > limit:
                fail(node, f"the YAML uses more than {limit} aliases (*name) once they are written out "
                           f"(max_yaml_aliases); it may be an alias bomb")
        open_nodes.discard(id(node))
        counts[id(node)] = total
        return total

    expanded(root)


def _bad_value(path: Path, node: yaml.Node | None, exc: ValueError) -> GapkitError:
    bad = _bad_scalar(node)
    line = f"line {bad.start_mark.line + 1}" if bad is not None else ""
    shown = f"'{bad.value[:40]}{'...' if len(bad.value) > 40 else ''}' " if bad is not None else ""
    if bad is not None and bad.tag.endswith(":timestamp"):
        return GapkitError.one(path, line, f"{shown}is not a valid date ({exc})",
                               "write the date as YYYY-MM-DD with a real month and day")
    if bad is not None and bad.tag.endswith(":int"):
        return GapkitError.one(path, line, f"the number {shown}has {len(bad.value):,} digits, too many to read",
                               "correct it, or put it in quotes to keep it as text")
    return GapkitError.one(path, line, f"the value {shown}cannot be read ({str(exc)[:120]})",
                           "correct it, or put it in quotes to keep it as text")


def _bad_scalar(node: yaml.Node | None) -> yaml.ScalarNode | None:
    """The first scalar that PyYAML cannot construct (an impossible date, an integer of thousands of digits)."""
    seen: set[int] = set()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(current)
            except ValueError:
                return current
        stack.extend(reversed(_children(current)))
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


M = TypeVar("M", bound=BaseModel)
FIXES = {"missing": "add this field", "extra_forbidden": "remove this field or correct its spelling",
         "literal_error": "use one of the allowed values", "greater_than": "use a positive number"}


def pydantic_issues(path: Path, node: yaml.Node | None, exc: ValidationError) -> list[Issue]:
    """A pydantic validation error as issues naming the file, the line and a fix."""
    return [Issue(str(path), where(node, tuple(err["loc"])), err["msg"], FIXES.get(err["type"], "correct the value"))
            for err in exc.errors()]


def load_model(path: Path, model: type[M], check: Callable[[Path, Any, Any], list[Issue]] | None = None,
               data: Any = None, node: yaml.Node | None = None) -> M:
    """A YAML file validated as `model` and by `check` (path, node, data -> issues: what pydantic cannot see, such as
    a word under two fields); every problem at once, each with its line. `data` and `node` if already read."""
    if node is None and data is None:
        data, node = load_yaml(path)
    issues = check(path, node, data) if check is not None else []
    try:
        loaded = model.model_validate(data)
    except ValidationError as exc:
        raise GapkitError(pydantic_issues(path, node, exc) + issues) from None
    if issues:
        raise GapkitError(issues)
    return loaded
