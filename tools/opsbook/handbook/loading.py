"""Read handbook files into plain data, keeping enough to point every problem at a file and line.

Parsing uses libyaml's C loader when it is there. Line numbers for keys are found lazily, only for
files that have a problem, by composing the YAML node tree again: valid files cost one parse.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import yaml

from opsbook.problems import Problem

try:
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


_MAP, _SEQ, _STR = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"
_TIMESTAMP, _MERGE = "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"


class _Loader(_BaseLoader):
    """The safe loader with two changes, used where a caller wants PyYAML's usual interface.

    A key given twice is an error (YAML says keys are unique; PyYAML keeps the last), and dates and
    times stay text: the models parse them, so an impossible date (2026-02-30) becomes a located
    validation error instead of an exception in the middle of parsing.
    """

    def construct_mapping(self, node, deep=False):
        _check_unique_keys(node)
        return super().construct_mapping(node, deep=deep)

    # The C parser calls these Python methods for every node. Handbook files repeat the same keys and
    # values thousands of times, so a plain scalar's tag (which depends on its text alone, as no path
    # resolvers are registered) is remembered; that halves the resolver's share of parsing.
    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0]:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_PLAIN_TAGS) < 50_000:
                    _PLAIN_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def descend_resolver(self, current_node, current_index):
        pass  # only path resolvers need this, and none are registered

    def ascend_resolver(self):
        pass


_PLAIN_TAGS: dict[str, str] = {}


class _MarksLoader(_BaseLoader):
    """Composes a node tree only for its marks (where each key and item starts): tags are never read,
    so every scalar gets the text tag without the resolver's regular expressions. Finding the lines of
    a few hundred warnings in a big handbook costs a third less."""

    def resolve(self, kind, value, implicit):
        return _STR if kind is yaml.ScalarNode else _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass


_Loader.add_constructor(_MAP, _Loader.construct_yaml_map)
_Loader.add_constructor(_TIMESTAMP, _Loader.construct_yaml_str)


def _check_unique_keys(node, keys: list | None = None) -> None:
    if keys is None:
        keys = [key.value for key, _ in node.value]
    if len(keys) != len(set(keys)):
        seen = set()
        for key_node, _ in node.value:
            if key_node.value in seen and isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key_node.value!r} is given twice in one mapping", key_node.start_mark)
            seen.add(key_node.value)


class _Builder:
    """Turns a composed node tree into Python data, as `_Loader` would, in one tight recursive pass.

    PyYAML's constructor is general (generators, deep construction, custom tags) and costs more than
    the C parser itself; handbook files need only maps, lists and plain scalars. Anything else (merge
    keys, custom tags) falls back to `_Loader`'s constructor for that node.
    """

    def __init__(self, loader: _Loader):
        self._loader = loader
        self._scalars = loader.yaml_constructors
        self._memo: dict[int, Any] = {}

    def build(self, node) -> Any:
        tag = node.tag
        if tag == _STR or tag == _TIMESTAMP:
            return node.value
        if tag == _MAP:
            return self._mapping(node)
        if tag == _SEQ:
            return self._sequence(node)
        if isinstance(node, yaml.ScalarNode) and tag in self._scalars:
            return self._scalars[tag](self._loader, node)
        return self._loader.construct_object(node, deep=True)

    def _mapping(self, node) -> dict:
        known = self._memo.get(id(node))
        if known is not None:
            return known
        keys = [key.value for key, _ in node.value]
        if "<<" in keys and any(key.tag == _MERGE for key, _ in node.value):
            return self._loader.construct_object(node, deep=True)
        _check_unique_keys(node, keys)
        data: dict = {}
        self._memo[id(node)] = data  # before the children: an alias may point back here
        build = self.build
        for key_node, value_node in node.value:
            key = build(key_node)
            try:
                data[key] = build(value_node)
            except TypeError:  # an unhashable key (a list or map used as a key)
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be plain text, not a list or a mapping", key_node.start_mark) from None
        return data

    def _sequence(self, node) -> list:
        known = self._memo.get(id(node))
        if known is not None:
            return known
        items: list = []
        self._memo[id(node)] = items
        items.extend(map(self.build, node.value))
        return items


def parse_yaml(text: str) -> Any:
    """Parse one YAML document the way `_Loader` does, faster; raises yaml.YAMLError."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _Builder(loader).build(node)
    finally:
        loader.dispose()


@dataclasses.dataclass(slots=True)
class Source:
    """One handbook file after parsing: its data, body and where the YAML starts."""

    path: Path
    rel: str
    text: str
    data: Any = None
    body: str = ""
    yaml_text: str = ""
    yaml_line: int = 1  # the file line on which the YAML text starts
    body_line: int = 1  # the file line on which the Markdown body starts
    _nodes: Any = dataclasses.field(default=None, repr=False)

    def line_of(self, key_path: tuple) -> tuple[int | None, int | None]:
        """The (line, column) of `key_path` (keys and list indexes) in this file, as closely as known."""
        if not self.yaml_text:
            return (None, None)
        nodes = self._composed()
        if nodes is None:
            return (self.yaml_line, 1)
        mark = mark_at(nodes, key_path)
        return (self.yaml_line + mark.line, mark.column + 1)

    def text_at(self, key_path: tuple) -> str | None:
        """The scalar at `key_path` as written in the file (`no`, not False), or None if it is not one."""
        node = self._composed()
        for step in key_path:
            child = _child(node, step) if node is not None else None
            if child is None:
                return None
            node = child[0]
        return node.value if isinstance(node, yaml.ScalarNode) else None

    # Pickled (the validation store, a forked reader's results) without repeating characters: the text
    # as what precedes the body (kept once, shared with its Document) and where the YAML text lies in it.
    # The node tree is left out; it is composed again when a line is asked for.
    def __getstate__(self):
        text, body = self.text, self.body
        joined = text.endswith(body)
        yaml_at = text.find(self.yaml_text) if self.yaml_text else -1
        return (self.path, self.rel, text[:len(text) - len(body)] if joined else text, body, joined, self.data,
                yaml_at, len(self.yaml_text), self.yaml_line, self.body_line)

    def __setstate__(self, state):
        (self.path, self.rel, head, self.body, joined, self.data, yaml_at, yaml_length, self.yaml_line,
         self.body_line) = state
        self.text = head + self.body if joined else head
        self.yaml_text = self.text[yaml_at:yaml_at + yaml_length] if yaml_at >= 0 else ""
        self._nodes = None

    def _composed(self):
        """The YAML node tree, composed once on first use; None if it cannot be."""
        if self._nodes is None:
            try:
                self._nodes = yaml.compose(self.yaml_text, Loader=_MarksLoader) or False
            except yaml.YAMLError:
                self._nodes = False
        return self._nodes or None


def mark_at(node, key_path: tuple):
    """The mark of the deepest node along `key_path` under a composed `node`: a key's own mark in a mapping."""
    mark = node.start_mark
    for step in key_path:
        child = _child(node, step)
        if child is None:
            break
        node, mark = child
    return mark


def _child(node, step):
    """The node below `node` at `step`, with the mark to report: a key's own mark for mappings."""
    if isinstance(node, yaml.MappingNode) and not isinstance(step, int):
        for key_node, value_node in node.value:
            if key_node.value == step or (isinstance(step, str) and key_node.value == step.rstrip("_")):
                return value_node, key_node.start_mark
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        item = node.value[step]
        return item, item.start_mark
    return None


_FENCE = re.compile(r"^---[ \t]*\r?$", re.M)


def read_source(path: Path, root: Path, problems: list[Problem], *, markdown: bool) -> Source | None:
    """Read and parse one file. On failure, append a located problem and return None."""
    rel = path.relative_to(root).as_posix()
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        problems.append(Problem(rel, "is a directory, expected a file", code="not-a-file",
                                hint="rename the directory or move it out of the handbook's folders"))
        return None
    except OSError as exc:
        problems.append(Problem(rel, f"cannot be read: {exc.strerror or exc}", code="unreadable"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(rel, "is not valid UTF-8 text", line=line, code="encoding",
                                found=f"byte 0x{raw[exc.start]:02x} at offset {exc.start}",
                                hint="save the file as UTF-8"))
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    if conflicts := merge_conflicts(rel, text):
        problems.extend(conflicts)  # what lies between the markers is neither side: nothing more to check
        return None
    source = Source(path=path, rel=rel, text=text)
    if not text.strip():
        problems.append(Problem(rel, "is empty", line=1, code="empty",
                                expected="YAML frontmatter between --- lines" if markdown else "a YAML mapping"))
        return None
    if markdown:
        if not _split_frontmatter(source, problems):
            return None
    else:
        source.yaml_text = text
    return source if _parse_yaml(source, problems) else None


_CONFLICT_MARKER = re.compile(r"^(<{7}|={7}|>{7})(?:[ \t].*)?\r?$", re.M)


def merge_conflicts(rel: str, text: str) -> list[Problem]:
    """One problem per unresolved merge conflict (`<<<<<<<` … `=======` … `>>>>>>>` lines) in `text`."""
    if "<<<<<<<" not in text and ">>>>>>>" not in text:  # the common case, decided in one pass
        return []
    problems: list[Problem] = []
    lines: dict[str, int] = {}
    for match in _CONFLICT_MARKER.finditer(text):
        marker, line = match.group(1)[0], text.count("\n", 0, match.start()) + 1
        if marker == "=" and "<" not in lines:
            continue  # a Markdown heading underline, not a conflict
        lines.setdefault(marker, line)
        if marker == ">":
            problems.append(_conflict(rel, lines))
            lines = {}
    if "<" in lines:
        problems.append(_conflict(rel, lines))
    return problems


def _conflict(rel: str, lines: dict[str, int]) -> Problem:
    where = ", ".join(f"{mark * 7} on line {line}" for mark, line in lines.items())
    return Problem(rel, "unresolved merge conflict", line=min(lines.values()), column=1, code="merge-conflict",
                   found=where, hint="keep the lines you want from both sides and delete the "
                                     "<<<<<<<, ======= and >>>>>>> lines")


def _split_frontmatter(source: Source, problems: list[Problem]) -> bool:
    text = source.text
    if not (text.startswith("---\n") or text.startswith("---\r\n") or text.rstrip("\r\n") == "---"):
        problems.append(Problem(source.rel, "has no frontmatter", line=1, code="frontmatter",
                                expected="a first line of --- opening the YAML frontmatter",
                                found=repr(text.splitlines()[0][:40])))
        return False
    first_break = text.index("\n") + 1 if "\n" in text else len(text)
    closing = _FENCE.search(text, first_break)
    if closing is None:
        problems.append(Problem(source.rel, "frontmatter is not closed", line=1, code="frontmatter",
                                expected="a line of --- after the frontmatter",
                                hint="add a line with only --- between the frontmatter and the body"))
        return False
    source.yaml_text = text[first_break:closing.start()]
    source.yaml_line = 2
    body_start = closing.end() + 1
    source.body = text[body_start:]
    source.body_line = text.count("\n", 0, body_start) + 1
    return True


def _parse_yaml(source: Source, problems: list[Problem]) -> bool:
    try:
        data = parse_yaml(source.yaml_text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = source.yaml_line + mark.line if mark else source.yaml_line
        column = mark.column + 1 if mark else None
        lines = source.yaml_text.splitlines()
        tabbed = mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]
        problems.append(Problem(source.rel, f"is not valid YAML: {exc.problem or exc.context}",
                                line=line, column=column, code="yaml",
                                hint="YAML indents with spaces, not tabs" if tabbed else
                                "check the indentation and quote values that contain ': ' or start with a symbol"))
        return False
    except yaml.YAMLError as exc:
        problems.append(Problem(source.rel, f"is not valid YAML: {exc}", line=source.yaml_line, code="yaml"))
        return False
    except (ValueError, OverflowError) as exc:  # e.g. a timestamp YAML accepts but Python cannot hold
        problems.append(Problem(source.rel, f"has a value that cannot be read: {exc}", line=source.yaml_line,
                                code="yaml"))
        return False
    if not isinstance(data, dict):
        found = "nothing" if data is None else type(data).__name__
        problems.append(Problem(source.rel, "must hold a YAML mapping of keys to values", line=source.yaml_line,
                                code="type", expected="a mapping (key: value lines)", found=found))
        return False
    source.data = data
    return True

