"""YAML to plain data, remembering the line of every key and item, never raising a traceback.

The reader is bounded so that no file can make it hang, crash or take the machine's memory:

- only regular files are read (a FIFO, a device such as ``/dev/zero`` or a directory is refused
  before it is opened for reading), and at most ``MAX_BYTES``;
- the text must be UTF-8 without control characters; each offending line is reported with the
  field it sits in;
- the document is built from libyaml's event stream (no recursion anywhere), with nesting bounded
  by ``MAX_DEPTH`` and the number of values, aliases counted every time they are used, bounded by
  ``MAX_VALUES``: an alias bomb stops at the alias that crosses the bound;
- only plain YAML values are built: strings, numbers, true/false, null, dates, lists and mappings.
  Any other tag (``!!python/object``, ``!!binary``, ``!custom`` ...) is reported with its line.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import os
import re
import stat
from typing import Any, Literal, NoReturn, overload

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from ..errors import Problem, show

MAX_BYTES = 16 * 1024 * 1024    # a roster of 5,000 users is about 0.7 MB in block style
MAX_DEPTH = 64                  # a roster nests about 8 levels deep (a statement's condition values)
MAX_VALUES = 1_000_000          # a roster of 5,000 users holds about 90,000 (keys and values)
MAX_PROBLEMS = 100              # the reader stops after this many and says so
MAX_NUMBER_CHARS = 100          # digits a number may be written with before it is refused
_INT_BOUND = 10 ** 18


class LineDict(dict):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0
    lines: dict

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    """A list that knows its own line and the line of each item."""

    line: int = 0
    lines: list

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's own parser: the same events as libyaml's, slower."""

    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)

    def dispose(self):
        pass


try:  # libyaml's parser when PyYAML has it (the wheels ship it)
    from yaml._yaml import CParser as _CParser
    _Parser: type[_CParser | _PyParser] = _CParser
except ImportError:  # pragma: no cover
    _Parser = _PyParser

_Y = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP = (_Y + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_MAP, _SEQ, _MERGE, _VALUE = _Y + "map", _Y + "seq", _Y + "merge", _Y + "value"
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _MERGE, _VALUE}
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_CONVERT = {_INT: _CONSTRUCTOR.construct_yaml_int, _FLOAT: _CONSTRUCTOR.construct_yaml_float,
            _BOOL: _CONSTRUCTOR.construct_yaml_bool, _NULL: _CONSTRUCTOR.construct_yaml_null,
            _TIMESTAMP: _CONSTRUCTOR.construct_yaml_timestamp}
_KIND = {_INT: "a number", _FLOAT: "a number", _BOOL: "true or false", _NULL: "null"}
_PLAIN_TAGS: dict[str, str] = {}  # tag of a short plain scalar, by its text (a pure function of it)
_PLAIN_TAGS_MAX = 4096

# What YAML (and libyaml) accept in a stream: tab, line breaks and printable characters. Anything
# else is reported here, at its line, before parsing. Lone surrogates stand for bytes that are not
# UTF-8 (``read`` decodes with "surrogateescape").
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # libyaml's line breaks
# To find the field of a bad character, a copy is parsed with a private-use stand-in for it:
# U+E000 + its code for a character under U+0100, U+E100 + the byte for a byte that is not UTF-8.
_STAND_IN, _BYTE_STAND_IN = 0xE000, 0xE100
_OPEN = object()


class _Stop(Exception):
    """The reader gives up: the problems say why."""


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_Y):] if tag.startswith(_Y) else tag


class _Frame:
    __slots__ = (
        "anchor",
        "deep",
        "is_map",
        "key",
        "key_line",
        "key_ok",
        "level",
        "line",
        "lines",
        "merge",
        "merges",
        "obj",
        "start",
    )

    def __init__(self, obj, is_map, line, level, start, anchor):
        self.obj = obj
        self.is_map = is_map
        self.lines = obj.lines
        self.key = _OPEN          # _OPEN while the next event is a key (mappings only)
        self.key_line = 0
        self.key_ok = True
        self.merge = False
        self.merges = None
        self.level = level
        self.deep = level         # the deepest level reached inside, aliases expanded
        self.start = start        # values counted when it opened
        self.anchor = anchor
        self.line = line


class _Builder:
    """Builds LineDict / LineList data from parser events, with every bound checked as it goes."""

    def __init__(self, text: str, path: str, probes: dict | None = None):
        self.text = text
        self.path = path
        self.problems: list[Problem] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, Any] = {}   # name -> (value, line, size, depth) or the open frame
        self.values = 0
        self.probes = probes                # {line0: [(line0, column)]}: positions to find the field of
        self.found: dict = {}               # (line0, column) -> (field, value)
        self.last_probe = max(probes) if probes else -1
        self._alias_root = None

    # -- reporting ---------------------------------------------------------------------------

    def field(self) -> str:
        """The field being read, as the schema names fields: ``users[3].tags.Owner``."""
        parts: list[str] = []
        for frame in self.stack:
            if frame.is_map:
                if frame.key is not _OPEN:
                    parts.append(f".{frame.key}" if parts else str(frame.key))
            else:
                parts.append(f"[{len(frame.obj)}]")
        text = "".join(parts)
        if not text:
            return "roster"
        return text if len(text) <= 120 else text[:60] + "..." + text[-57:]

    @overload
    def add_problem(self, line: int, field_name: str, message: str, *, fatal: Literal[True]) -> NoReturn: ...
    @overload
    def add_problem(self, line: int, field_name: str, message: str, *, fatal: bool = False) -> None: ...

    def add_problem(self, line: int, field_name: str, message: str, *, fatal: bool = False) -> None:
        self.problems.append(Problem(f"{self.path}:{line}", field_name, message))
        if fatal:
            raise _Stop
        if len(self.problems) >= MAX_PROBLEMS:
            self.problems.append(Problem(f"{self.path}:{line}", "roster",
                                         f"more than {MAX_PROBLEMS} problems; stopped reading here, fix these first"))
            raise _Stop

    # -- the event loop ------------------------------------------------------------------------

    def run(self) -> tuple[Any, list[Problem]]:
        parser = _Parser(self.text)
        root = None
        try:
            root = self._events(parser)
        except _Stop:
            root = None
        except yaml.MarkedYAMLError as e:
            self._syntax_problem(e)
            root = None
        except yaml.YAMLError as e:  # a reader error without a position: the scan above prevents these
            self.problems.append(Problem(f"{self.path}:1", "yaml", " ".join(str(e).split())))
            root = None
        finally:
            parser.dispose()
        return (None if self.problems else root), self.problems

    def _syntax_problem(self, e: yaml.MarkedYAMLError) -> None:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        message = " ".join(str(e.problem or e).split())
        if "maximum nesting depth" in message:  # libyaml's own bound, met while it reads ahead
            self.problems.append(Problem(f"{self.path}:{line}", self.field() if self.stack else "roster",
                                         f"nesting deeper than {MAX_DEPTH} levels; a roster needs about 8 at most"))
            return
        if mark is not None and self.text[mark.index:mark.index + 1] == "\t":
            message += " (a tab: YAML indents with spaces)"
        if e.context and e.context_mark is not None and e.context_mark.line + 1 != line:
            message += f" ({' '.join(e.context.split())} at line {e.context_mark.line + 1})"
        inside = self.field() if self.stack else "roster"
        if inside != "roster":
            message += f" (inside {inside})"
        self.problems.append(Problem(f"{self.path}:{line}", "yaml", message))

    def _events(self, parser) -> Any:
        get = parser.get_event
        stack = self.stack
        anchors = self.anchors
        plain_tags = _PLAIN_TAGS
        resolve = _RESOLVER.resolve
        probes = self.probes
        documents = 0
        root = None
        while True:
            ev = get()
            kind = type(ev)
            if kind is ScalarEvent:
                value = ev.value
                tag = ev.tag
                if tag is None or tag == "!":
                    if ev.implicit[0]:
                        tag = plain_tags.get(value)
                        if tag is None:
                            tag = resolve(yaml.ScalarNode, value, (True, False))
                            if len(value) <= 32:
                                if len(plain_tags) >= _PLAIN_TAGS_MAX:
                                    plain_tags.clear()
                                plain_tags[value] = tag
                    else:
                        tag = _STR
                line = ev.start_mark.line + 1
                if probes is not None:
                    self._probe(probes, ev, value)
                if tag != _STR:
                    value = self._convert(tag, value, line)
                self.values += 1
                if self.values > MAX_VALUES:
                    self._too_many(line)
                if ev.anchor is not None:
                    self._anchor(ev.anchor, (value, line, 1, 0), line)
                if not stack:
                    root = value
                    continue
                top = stack[-1]
                if not top.is_map:
                    top.obj.append(value)
                    top.lines.append(line)
                elif top.key is _OPEN:
                    self._key(top, value, line, tag == _MERGE, ev.value)
                else:
                    self._value(top, value, line)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                is_map = kind is MappingStartEvent
                line = ev.start_mark.line + 1
                tag = ev.tag
                if tag is not None and tag != "!" and tag != (_MAP if is_map else _SEQ):
                    self._bad_tag(tag, line, "a mapping" if is_map else "a list")
                obj = LineDict() if is_map else LineList()
                obj.line = line
                obj.lines = {} if is_map else []
                level = len(stack) + 1
                if level > MAX_DEPTH:
                    self.add_problem(line, self.field(), f"nesting deeper than {MAX_DEPTH} levels; a roster needs "
                                                         "about 8 at most", fatal=True)
                self.values += 1
                if self.values > MAX_VALUES:
                    self._too_many(line)
                frame = _Frame(obj, is_map, line, level, self.values, ev.anchor)
                if ev.anchor is not None:
                    self._anchor(ev.anchor, frame, line)
                stack.append(frame)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                obj = frame.obj
                if frame.merges:
                    obj = self._merged(frame)
                if frame.anchor is not None and anchors.get(frame.anchor) is frame:
                    anchors[frame.anchor] = (obj, frame.line, self.values - frame.start + 1,
                                             frame.deep - frame.level + 1)
                if not stack:
                    root = obj
                    continue
                top = stack[-1]
                top.deep = max(top.deep, frame.deep)
                if not top.is_map:
                    obj_line = frame.line
                    top.obj.append(obj)
                    top.lines.append(obj_line)
                elif top.key is _OPEN:
                    self._key(top, obj, frame.line, False)
                else:
                    self._value(top, obj, top.key_line)
            elif kind is AliasEvent:
                self._alias(ev, stack)
                if not stack:
                    root = self._alias_root
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.add_problem(ev.start_mark.line + 1, "roster", "a second YAML document starts here; a roster "
                                                                       "is one document: remove the '---' and what "
                                                                       "follows, or merge them", fatal=True)
            elif kind is StreamEndEvent:
                return root
            elif kind is DocumentEndEvent or kind is StreamStartEvent:
                pass

    # -- pieces of the loop ----------------------------------------------------------------------

    def _probe(self, probes: dict, ev, value: str) -> None:
        """Records the field of each probed position inside this scalar (or key)."""
        start = (ev.start_mark.line, ev.start_mark.column)
        end = (ev.end_mark.line, ev.end_mark.column)
        if start[0] > self.last_probe:
            raise _Stop  # every position is behind: the rest of the copy need not be read
        for line0 in range(start[0], end[0] + 1):
            for pos in probes.get(line0, ()):
                if start <= pos < end or pos == start:
                    top = self.stack[-1] if self.stack else None
                    if top is not None and top.is_map and top.key is _OPEN:
                        prefix = self.field()
                        where = f"{'' if prefix == 'roster' else prefix + '.'}{value}"
                    else:
                        where = self.field()
                    self.found[pos] = (where, value)

    def _convert(self, tag: str, value: str, line: int) -> Any:
        convert = _CONVERT.get(tag)
        if convert is None:
            if tag not in _SCALAR_TAGS:
                self._bad_tag(tag, line, show(value))
            return value  # strings, and '=' or '<<' written as values
        if tag in (_INT, _FLOAT) and len(value) > MAX_NUMBER_CHARS:
            self.add_problem(line, self.field(), f"a number written with {len(value)} characters; a roster has none "
                                                 f"longer than {MAX_NUMBER_CHARS} (write it in quotes if it is text)")
            return value
        try:
            out = convert(yaml.ScalarNode(tag, value))
        except Exception:  # noqa: BLE001 - PyYAML's converters raise several kinds on bad text
            if tag == _TIMESTAMP:
                return value  # validation reports it as "not a date"
            self.add_problem(line, self.field(), f"{show(value)} is tagged {_tag_name(tag)} but is not "
                                                 f"{_KIND.get(tag, 'such a value')}")
            return value
        if type(out) is int and not -_INT_BOUND < out < _INT_BOUND:
            self.add_problem(line, self.field(), f"{show(value)} is too large a number; a roster has none "
                                                 "beyond 18 digits (write it in quotes if it is text)")
            return value
        return out

    def _bad_tag(self, tag: str, line: int, what: str) -> None:
        self.add_problem(line, self.field(), f"tag {_tag_name(tag)} on {what} cannot be applied: a roster holds "
                                             "plain values only (strings, numbers, true/false, dates, lists, "
                                             "mappings); remove the tag")

    def _too_many(self, line: int) -> None:
        self.add_problem(line, self.field(), f"the document holds more than {MAX_VALUES:,} values; a roster of "
                                             "5,000 users holds about 90,000", fatal=True)

    def _anchor(self, name: str, record: Any, line: int) -> None:
        first = self.anchors.get(name)
        if first is not None:
            first_line = first.line if isinstance(first, _Frame) else first[1]
            self.add_problem(line, self.field(), f"anchor &{name} is defined twice (first at line {first_line}); "
                                                 "rename one")
        self.anchors[name] = record

    def _alias(self, ev, stack: list) -> None:
        line = ev.start_mark.line + 1
        name = ev.anchor
        record = self.anchors.get(name)
        if record is None:
            self.add_problem(line, self.field(), f"alias *{name} names no anchor defined above it; define "
                                                 f"&{name} first", fatal=True)
        if isinstance(record, _Frame):
            self.add_problem(line, self.field(), f"alias *{name} is inside the value it names (line "
                                                 f"{record.line}): a recursive alias cannot be read", fatal=True)
        value, _, size, depth = record
        level = len(stack) + depth
        if level > MAX_DEPTH:
            self.add_problem(line, self.field(), f"alias *{name} nests the document deeper than {MAX_DEPTH} levels; "
                                                 "a roster needs about 8 at most", fatal=True)
        self.values += size
        if self.values > MAX_VALUES:
            self.add_problem(line, self.field(), f"alias *{name} expands to {size:,} values, which takes the document "
                                                 f"past {MAX_VALUES:,} (an alias bomb?); a roster of 5,000 users "
                                                 "holds about 90,000", fatal=True)
        if not stack:
            self._alias_root = value
            return
        top = stack[-1]
        top.deep = max(top.deep, level)
        if not top.is_map:
            top.obj.append(value)
            top.lines.append(line)
        elif top.key is _OPEN:
            self._key(top, value, line, False)
        else:
            self._value(top, value, line if depth == 0 else top.key_line)

    def _key(self, top: _Frame, key: Any, line: int, merge: bool, raw: str | None = None) -> None:
        """Every key of a roster is a name: text, not empty. A key YAML reads as something else
        (``on:`` is true, ``2024:`` a number, ``~:`` null) is reported with the fix."""
        top.key_line = line
        top.merge = merge
        if type(key) is str and key:
            top.key = key
            top.key_ok = True
            return
        top.key_ok = False
        if isinstance(key, (dict, list)):
            message = (f"{show(key)} is a {'mapping' if isinstance(key, dict) else 'list'} used as a key; a key is a "
                       "name such as 'name' or 'Owner'")
        elif key == "" or raw == "":
            message = "a key is empty; name it or remove the entry"
        else:
            kind = ("a date" if isinstance(key, _dt.date) else "null" if key is None
                    else "true or false" if isinstance(key, bool) else "a number")
            text = raw if raw is not None else str(key)
            message = f"the key {text!r} is read as {kind}; a key is text: write it in quotes, \"{text}\""
        self.add_problem(line, self.field(), message)
        top.key = "?"

    def _value(self, top: _Frame, value: Any, line: int) -> None:
        """Sets the value of the pending key; ``line`` is the value's line for a plain value, the
        key's for a list or mapping (as the schema reports them)."""
        key = top.key
        if top.key_ok:
            if top.merge:
                self._merge_source(top, value, top.key_line)
            elif key in top.obj:
                self.add_problem(top.key_line, self.field(), f"duplicate key (first at line {top.lines[key]}); "
                                                             "keep one")
                top.obj[key] = value
                top.lines[key] = line
            else:
                top.obj[key] = value
                top.lines[key] = line
        top.key = _OPEN

    def _merge_source(self, top: _Frame, value: Any, line: int) -> None:
        sources = value if isinstance(value, LineList) else [value]
        if not all(isinstance(s, LineDict) for s in sources):
            self.add_problem(line, self.field(), "a merge (<<) takes a mapping or a list of mappings, e.g. "
                                                 "<<: *defaults")
            return
        if top.merges is None:
            top.merges = []
        top.merges.extend(sources)

    def _merged(self, frame: _Frame) -> LineDict:
        """YAML merge keys: explicit keys win, then the first mapping listed after <<."""
        out = LineDict()
        out.line = frame.line
        out.lines = {}
        for source in reversed(frame.merges or ()):
            for key, value in source.items():
                out[key] = value
                out.lines[key] = source.line_of(key)
        for key, value in frame.obj.items():
            out[key] = value
            out.lines[key] = frame.lines[key]
        return out


def _characters(text: str, path: str) -> list[Problem]:
    """Control characters, non-characters and bytes that are not UTF-8: one problem per line (the
    first such character on it), for at most ``MAX_PROBLEMS`` lines; the work is bounded by those
    lines, however many such characters a line holds."""
    m = _BAD_CHAR.search(text)
    if m is None:
        return []
    head = text[:8192]
    refused = len(_BAD_CHAR.findall(head))
    if refused * 10 > len(head):
        return [Problem(f"{path}:0", "roster", f"the file holds binary data, not text ({refused} of its first "
                                              f"{len(head)} characters are control characters or bytes that are not "
                                              "UTF-8); a roster is YAML text in UTF-8")]
    found: dict[int, tuple[int, str]] = {}  # line0 -> (column, character) of the first bad one
    line0 = line_start = 0
    b: re.Match[str] | None
    while m is not None and len(found) < MAX_PROBLEMS:
        for b in _BREAK.finditer(text, line_start, m.start()):
            line0 += 1
            line_start = b.end()
        found[line0] = (m.start() - line_start, m.group())
        b = _BREAK.search(text, m.end())
        if b is None:
            m = None
            break
        line0 += 1
        line_start = b.end()
        m = _BAD_CHAR.search(text, line_start)
    fields = _fields_at(text, [(line0, col) for line0, (col, _) in found.items()])
    problems = []
    for line0, (col, char) in found.items():
        where, value = fields.get((line0, col)) or ("roster", None)
        if "\udc80" <= char <= "\udcff":
            what = f"byte 0x{ord(char) - 0xDC00:02X} is not UTF-8"
            shown = f" in {repr(value.encode('utf-8', 'surrogateescape'))[1:]}" if value is not None else ""
            fix = "save the file as UTF-8"
        else:
            name = {"\x00": "NUL", "\x7f": "DEL", "\ufffe": "non-character",
                    "\uffff": "non-character"}.get(char, "control character")
            what = f"{name} U+{ord(char):04X}"
            shown = f" in {show(value)}" if value is not None else ""
            fix = "remove it"
        where_text = f" at column {col + 1}" if value is None else ""
        problems.append(Problem(f"{path}:{line0 + 1}", where, f"{what}{shown}{where_text}; {fix}"))
    if m is not None:
        problems.append(Problem(f"{path}:{max(found) + 1}", "roster", "more lines with characters YAML refuses "
                                                                     "follow; fix these first"))
    return problems


_STAND_INS = {c: chr(_STAND_IN + c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if c not in (0x9, 0xA, 0xD, 0x85)}
_STAND_INS.update({c: chr(_BYTE_STAND_IN + c - 0xDC00) for c in range(0xDC80, 0xDD00)})


def _from_stand_in(value: str) -> str:
    def back(c: str) -> str:
        code = ord(c)
        if _STAND_IN <= code < _STAND_IN + 0x100:
            return chr(code - _STAND_IN)
        if _BYTE_STAND_IN <= code < _BYTE_STAND_IN + 0x100:
            return chr(0xDC00 + code - _BYTE_STAND_IN)
        return c
    return "".join(map(back, value))


def _fields_at(text: str, positions: list) -> dict:
    """The field (and its value) at each (line0, column), parsing a copy with stand-ins for the bad
    characters; positions that are in no value, or a copy that does not parse, give none."""
    clean = text.translate(_STAND_INS)
    if _BAD_CHAR.search(clean):  # other lone surrogates, U+FFFE, U+FFFF
        clean = _BAD_CHAR.sub("\ufffd", clean)
    probes: dict[int, list] = {}
    for pos in positions:
        probes.setdefault(pos[0], []).append(pos)
    builder = _Builder(clean, "", probes)
    try:
        builder.run()
    except Exception:  # noqa: BLE001 - only a better message is lost
        return {}
    return {pos: (_from_stand_in(where), _from_stand_in(value)) for pos, (where, value) in builder.found.items()}


def load(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parses ``text``; returns (data, problems). A syntax error is one problem with its line."""
    problems = _characters(text, path)
    if problems:
        return None, problems
    return _Builder(text, path).run()


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
              (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def read(path: str) -> tuple[Any, list[Problem]]:
    """Reads a roster file: refuses anything but a regular UTF-8 file of at most ``MAX_BYTES``
    before parsing, without ever blocking on it."""
    def refuse(message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(f"{path}:0", "roster", message)]

    try:
        info = os.stat(path)
    except OSError as e:
        return refuse(f"cannot read the file: {e.strerror or e}")
    except ValueError as e:  # a NUL byte in the path
        return refuse(f"cannot read the file: {e}")
    kind = _kind(info.st_mode)
    if kind:
        return refuse(f"is {kind}, not a regular file; give the path of the roster YAML file")
    if info.st_size > MAX_BYTES:
        return refuse(f"the file is {info.st_size:,} bytes; a roster may be at most {MAX_BYTES:,} "
                      "(5,000 users take about 700,000)")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        return refuse(f"cannot read the file: {e.strerror or e}")
    try:
        kind = _kind(os.fstat(fd).st_mode)  # replaced between the two looks
        if kind:
            return refuse(f"is {kind}, not a regular file; give the path of the roster YAML file")
        chunks, size = [], 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        return refuse(f"cannot read the file: {e.strerror or e}")
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > MAX_BYTES:
        return refuse(f"the file grew past {MAX_BYTES:,} bytes while being read; a roster may be at most that")
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            return refuse(f"the file is {name} text (it starts with a {name} byte-order mark); save it as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "surrogateescape")  # each bad byte is reported at its line
    return load(text, path)


def is_date(value: Any) -> bool:
    return isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)
