"""Read JSON, YAML and JSON Lines documents into mlspec's in-memory form.

The in-memory form is plain JSON data in which the non-finite numbers NaN,
Infinity and -Infinity are the strings ``"NaN"``, ``"Infinity"`` and
``"-Infinity"``, the way documents write them. YAML scalars keep their
source text where YAML would build something JSON does not have: a
timestamp stays a string and every mapping key is the key's text.

Problems that stop or taint reading become ``Finding`` objects with the
line and column of the offending token: a bare ``NaN`` token (which
Python's ``json`` module would silently accept), numbers beyond a double,
duplicate keys, invalid UTF-8, nesting deeper than ``MAX_DEPTH`` and YAML
aliases that expand beyond ``MAX_ALIAS_NODES``.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson
import yaml

from mlspec.errors import InputError, MlspecError
from mlspec.findings import RULES, Finding
from mlspec.positions import JsonLocator, LineIndex, MappingLocator, scan_json
from mlspec.spec import escape_pointer

MAX_DEPTH = 500
"""Deepest nesting of arrays and objects a document may have."""

MAX_ALIAS_NODES = 1_000_000
"""Maximum number of values that YAML aliases may add by repeating anchored content."""

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

Format = Literal["json", "yaml", "jsonl"]

_SUFFIXES: dict[str, Format] = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


class DocumentError(MlspecError):
    """Raised when a document cannot be read; ``findings`` lists why and where."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        first = findings[0]
        super().__init__(first.format_text())


@dataclass
class ParsedDocument:
    """A whole JSON or YAML document, or one JSON Lines record."""

    name: str
    instance: Any
    locator: Any
    findings: list[Finding] = field(default_factory=list)
    line_offset: int = 0

    @property
    def readable(self) -> bool:
        """Whether the instance can be validated: no finding stopped the reading."""
        return self.instance is not _UNREADABLE


_UNREADABLE = object()


def suffix_format(path: str | Path) -> Format | None:
    """Return the format a file name's suffix implies, or ``None``."""
    return _SUFFIXES.get(Path(str(path)).suffix.lower())


def read_bytes(source: str | Path) -> tuple[str, bytes]:
    """Read a file, or standard input for ``-``; return its display name and bytes."""
    if str(source) == "-":
        return "<stdin>", sys.stdin.buffer.read()
    path = Path(source)
    try:
        return str(path), path.read_bytes()
    except IsADirectoryError as error:
        raise InputError(f"{path}: is a directory, expected a file") from error
    except FileNotFoundError as error:
        raise InputError(f"{path}: no such file") from error
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from error


_WIDE_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)


def decode(name: str, data: bytes) -> tuple[str | None, list[Finding]]:
    """Decode UTF-8 text; a byte order mark is dropped with a warning.

    UTF-16 and UTF-32 input and any NUL byte are rejected with a finding
    that names the encoding or the byte, because JSON and YAML text never
    contains a raw NUL character.
    """
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            message = (
                f"the input is {encoding} (it starts with a {encoding} byte order "
                "mark); mlspec reads UTF-8 only, so convert the file to UTF-8"
            )
            return None, [_finding(name, "", "parse-encoding", message, (1, 1))]
    findings = []
    if data.startswith(b"\xef\xbb\xbf"):
        findings.append(
            _finding(
                name,
                "",
                "parse-bom",
                "byte order mark at the start of the file is ignored",
                (1, 1),
            )
        )
        data = data[3:]
    nul = data.find(b"\x00")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if 0 <= nul < error.start:
            return None, [*findings, _nul_finding(name, data, nul)]
        good = data[: error.start].decode("utf-8", errors="replace")
        position = LineIndex(good).position(len(good))
        byte = data[error.start : error.start + 1].hex()
        message = (
            f"invalid UTF-8: byte 0x{byte} at offset {error.start} ({error.reason})"
        )
        findings.append(_finding(name, "", "parse-encoding", message, position))
        return None, findings
    if nul >= 0:
        return None, [*findings, _nul_finding(name, data, nul)]
    return text, findings


def _nul_finding(name: str, data: bytes, offset: int) -> Finding:
    before = data[:offset].decode("utf-8", errors="replace")
    message = (
        f"NUL byte at offset {offset}: the input is binary data or UTF-16 or "
        "UTF-32 text, and mlspec reads UTF-8 text"
    )
    position = LineIndex(before).position(len(before))
    return _finding(name, "", "parse-encoding", message, position)


def _finding(name, pointer, rule, message, position=None) -> Finding:
    line, column = position if position else (None, None)
    return Finding(
        file=name,
        pointer=pointer,
        rule=rule,
        severity=RULES[rule].severity,
        message=message,
        line=line,
        column=column,
    )


# JSON ------------------------------------------------------------------------


def parse_json_bytes(name: str, data: bytes) -> ParsedDocument:
    """Parse a whole JSON file's bytes: the fast path when it applies, else strictly.

    Both paths give the same instance and the same findings, because the
    strict path runs whenever the fast one cannot prove that it would.
    """
    fast = parse_json_fast(name, data)
    if fast is not None:
        return fast
    text, findings = decode(name, data)
    if text is None:
        return ParsedDocument(name, _UNREADABLE, None, findings)
    document = parse_json(name, text)
    document.findings[:0] = findings
    return document


def parse_json_fast(name: str, data: bytes) -> ParsedDocument | None:
    """Parse ordinary JSON with orjson, or return ``None`` to ask for the strict path.

    orjson 3 rejects what the strict path reports as a finding: invalid
    UTF-8, a byte order mark, NUL bytes, bare NaN and Infinity, numbers
    beyond a double, lone surrogates and nesting beyond 1,024 levels. What
    it accepts silently is checked here instead:

    - duplicate keys, because orjson keeps the last value. Without a
      ``\\"`` or ``\\u`` escape no string contains a quote, so the file and
      ``orjson.dumps`` of the result both contain two quotes per key and
      per string value, and a repeated key makes the file's count larger.
    - integers beyond 64 bits, which orjson turns into floats. Such an
      integer has at least 19 digits, so any run of 19 digits outside a
      string sends the file to the strict path.
    - nesting deeper than ``MAX_DEPTH`` (500). ``orjson.dumps`` raises
      beyond 254 levels, which also sends the file to the strict path.
    """
    if b"\\" in data and (b'\\"' in data or b"\\u" in data):
        return None
    if _has_long_number(data):
        return None
    try:
        instance = orjson.loads(data)
        written = orjson.dumps(instance)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None
    if data.count(b'"') != written.count(b'"'):
        return None
    return ParsedDocument(name, instance, _LazyJsonLocator(data))


_LONG_DIGITS = b"0" * 19
_DIGIT_MARKS = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
"""Translation table that maps each ASCII digit to ``0`` and every other byte to a space."""


def _has_long_number(data: bytes) -> bool:
    """Return whether a run of 19 or more digits lies outside the strings of ``data``.

    Only called on input without ``\\"``, so every quote opens or closes a
    string, and an even number of quotes before a run puts it outside one.
    """
    marks = data.translate(_DIGIT_MARKS)
    quotes = 0
    scanned = 0
    start = marks.find(_LONG_DIGITS)
    while start != -1:
        quotes += data.count(b'"', scanned, start)
        scanned = start
        if quotes % 2 == 0:
            return True
        start = marks.find(_LONG_DIGITS, start + len(_LONG_DIGITS))
    return False


class _LazyJsonLocator:
    """A ``JsonLocator`` that decodes the file only when a finding needs a position."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._locator: JsonLocator | None = None

    def locate(self, pointers: Iterable[str]) -> dict[str, Any]:
        if self._locator is None:
            self._locator = JsonLocator(self._data.decode("utf-8"))
        return self._locator.locate(pointers)


class _JsonHooks:
    """Hooks for ``json.loads`` that note what needs a precise second look."""

    def __init__(self) -> None:
        self.duplicates = False
        self.non_finite = False
        self.overflow = False

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            self.duplicates = True
        return result

    def constant(self, token: str) -> str:
        self.non_finite = True
        return token

    def integer(self, token: str) -> int | str:
        # A double's largest finite value has 309 digits, so shorter tokens
        # skip the check. Longer ones would also hit int()'s 4300-digit limit.
        if len(token) > 308 and math.isinf(float(token)):
            self.overflow = True
            return "-Infinity" if token.startswith("-") else "Infinity"
        return int(token)

    def number(self, token: str) -> float | str:
        value = float(token)
        if math.isinf(value):
            self.overflow = True
            return "Infinity" if value > 0 else "-Infinity"
        return value


def parse_json(name: str, text: str, first_line: int = 1) -> ParsedDocument:
    """Parse JSON text strictly, keeping positions for findings."""
    locator = JsonLocator(text, first_line)
    hooks = _JsonHooks()
    if not text.strip():
        return _unreadable(
            name, locator, "parse-empty", "the input is empty", (first_line, 1)
        )
    try:
        instance = json.loads(
            text,
            object_pairs_hook=hooks.pairs,
            parse_constant=hooks.constant,
            parse_float=hooks.number,
            parse_int=hooks.integer,
        )
    except json.JSONDecodeError as error:
        position = (error.lineno + first_line - 1, error.colno)
        return _unreadable(
            name, locator, "parse-json", f"invalid JSON: {error.msg}", position
        )
    except RecursionError:
        return _too_deep_json(name, text, locator, first_line)

    document = ParsedDocument(name, instance, locator)
    if hooks.duplicates or hooks.non_finite or hooks.overflow:
        document.findings.extend(_json_token_findings(name, text, first_line))
    if _SURROGATE_ESCAPE.search(text) or not within_depth(instance):
        check_depth(document)
    return document


# JSON text can only produce a lone surrogate through a \uD800-\uDFFF escape.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def within_depth(instance: Any) -> bool:
    """Return whether arrays and objects nest at most ``MAX_DEPTH`` levels.

    json.loads itself stops only near 1,000 levels, and extension fields
    (``x-...``) may hold any JSON anywhere, so every JSON text gets this
    walk. Exact type checks and no pointers keep it cheap next to json.loads.
    """
    stack = [(instance, 0)]
    while stack:
        value, depth = stack.pop()
        if type(value) is dict:
            children = value.values()
        elif type(value) is list:
            children = value
        else:
            continue
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                if depth >= MAX_DEPTH:
                    return False
                stack.append((child, depth + 1))
    return True


def _unreadable(name, locator, rule, message, position) -> ParsedDocument:
    finding = _finding(name, "", rule, message, position)
    return ParsedDocument(name, _UNREADABLE, locator, [finding])


def _too_deep_json(name, text, locator, first_line) -> ParsedDocument:
    lines = LineIndex(text, first_line)
    depth = 0
    for index, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                message = f"nesting is deeper than {MAX_DEPTH} levels"
                return _unreadable(
                    name, locator, "parse-too-deep", message, lines.position(index)
                )
    return _unreadable(name, locator, "parse-too-deep", "nesting is too deep", None)


def _json_token_findings(name: str, text: str, first_line: int) -> list[Finding]:
    """Find duplicate keys, bare NaN/Infinity tokens and numbers beyond a double."""
    lines = LineIndex(text, first_line)
    seen: dict[str, set[str]] = {}
    findings = []
    for event in scan_json(text):
        position = lines.position(event.offset)
        if event.kind == "key":
            parent, _, key = event.pointer.rpartition("/")
            keys = seen.setdefault(parent, set())
            if key in keys:
                message = f"duplicate key {_unescape(key)!r}: JSON objects must not repeat a key"
                findings.append(
                    _finding(
                        name, event.pointer, "parse-duplicate-key", message, position
                    )
                )
            keys.add(key)
        elif event.token.lstrip("-") in ("NaN", "Infinity"):
            message = (
                f"bare {event.token} is not JSON; write the string "
                f'"{event.token}" where a metric value may be non-finite'
            )
            findings.append(
                _finding(name, event.pointer, "parse-non-finite", message, position)
            )
        elif event.token[:1] in "-0123456789" and math.isinf(float(event.token)):
            message = f"{_cut(event.token)} is beyond the range of a double"
            findings.append(
                _finding(name, event.pointer, "parse-number-range", message, position)
            )
    return findings


def _cut(token: str, limit: int = 80) -> str:
    """Return ``token``, or its first ``limit`` characters and its length when longer."""
    if len(token) <= limit:
        return token
    return f"{token[:limit]}... ({len(token)} characters)"


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


# YAML ------------------------------------------------------------------------

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:merge",
}

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _YamlProblem(Exception):
    def __init__(self, rule: str, message: str, mark) -> None:
        super().__init__(message)
        self.rule = rule
        self.position = (mark.line + 1, mark.column + 1) if mark is not None else None


def parse_yaml(name: str, text: str) -> ParsedDocument:
    """Parse one YAML document safely, recording the position of every value.

    The reader builds values from PyYAML's event stream itself, so only the
    JSON-compatible core tags are accepted, aliases are counted as they
    expand, and duplicate keys are reported instead of silently replaced.
    """
    if not text.strip() or _only_comments(text):
        return _unreadable(name, None, "parse-empty", "the input is empty", (1, 1))
    builder = _YamlBuilder(name)
    try:
        instance = builder.build(_Loader(text))
    except _YamlProblem as problem:
        return _unreadable(name, None, problem.rule, str(problem), problem.position)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = (mark.line + 1, mark.column + 1) if mark else None
        problem = error.problem or error.context
        if "nesting depth" in str(problem):
            message = f"nesting is deeper than {MAX_DEPTH} levels"
            return _unreadable(name, None, "parse-too-deep", message, position)
        if _long_simple_key(error):
            problem = (
                f"a mapping key longer than {_SIMPLE_KEY_LENGTH} characters "
                "must be written in the explicit form: ? key"
            )
        return _unreadable(
            name, None, "parse-yaml", f"invalid YAML: {problem}", position
        )
    except yaml.reader.ReaderError as error:
        # A character YAML forbids anywhere; the error has an offset, not a mark.
        message = (
            f"invalid YAML: character U+{error.character:04X} at offset "
            f"{error.position}: {error.reason}"
        )
        position = LineIndex(text).position(error.position)
        return _unreadable(name, None, "parse-yaml", message, position)
    except yaml.YAMLError as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        return _unreadable(
            name, None, "parse-yaml", f"invalid YAML: {first_line}", None
        )

    locator = MappingLocator(builder.values, builder.keys)
    document = ParsedDocument(name, instance, locator, builder.findings)
    check_depth(document)
    return document


_SIMPLE_KEY_LENGTH = 1024
"""Maximum length, in characters, of an implicit mapping key (PyYAML 6 scanner.py)."""


def _long_simple_key(error: yaml.MarkedYAMLError) -> bool:
    """Return whether PyYAML gave up on a key because it is too long, not because ':' is missing."""
    start, end = error.context_mark, error.problem_mark
    return (
        error.context == "while scanning a simple key"
        and start is not None
        and end is not None
        and start.line == end.line
        and end.index - start.index > _SIMPLE_KEY_LENGTH
    )


def _only_comments(text: str) -> bool:
    return all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    )


class _YamlBuilder:
    """Build JSON data from YAML events without recursion."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: dict[str, tuple[int, int]] = {}
        self.keys: dict[str, tuple[int, int]] = {}
        self.findings: list[Finding] = []
        self._anchors: dict[str, tuple[Any, int]] = {}
        self._alias_nodes = 0

    def build(self, loader) -> Any:
        documents = 0
        result = None
        try:
            while loader.check_event():
                event = loader.get_event()
                if isinstance(event, yaml.DocumentStartEvent):
                    documents += 1
                    if documents > 1:
                        raise _YamlProblem(
                            "parse-yaml",
                            "expected one YAML document, found several",
                            event.start_mark,
                        )
                    result = self._build_document(loader)
        finally:
            loader.dispose()
        if documents == 0:
            raise _YamlProblem("parse-empty", "the input is empty", None)
        return result

    def _build_document(self, loader) -> Any:
        # Frames: [container, pointer, pending key or None, merges, size, anchor]
        stack: list[list] = []
        root: list[Any] = []
        while True:
            event = loader.get_event()
            if isinstance(event, yaml.DocumentEndEvent):
                return root[0] if root else None
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                value, size = self._close(frame)
                self._store(stack, root, value, size, None, event)
                continue
            pointer = self._next_pointer(stack, event)
            if pointer is None:
                continue
            if len(stack) >= MAX_DEPTH:
                raise _YamlProblem(
                    "parse-too-deep",
                    f"nesting is deeper than {MAX_DEPTH} levels",
                    event.start_mark,
                )
            self.values.setdefault(
                pointer, (event.start_mark.line + 1, event.start_mark.column + 1)
            )
            if isinstance(event, yaml.AliasEvent):
                value, size = self._alias(event)
                self._store(stack, root, value, size, None, event, aliased=True)
            elif isinstance(event, yaml.ScalarEvent):
                value = self._scalar(event, pointer)
                self._store(stack, root, value, 1, event.anchor, event)
            else:
                self._check_tag(
                    event.tag,
                    event,
                    "tag:yaml.org,2002:map"
                    if isinstance(event, yaml.MappingStartEvent)
                    else "tag:yaml.org,2002:seq",
                )
                container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
                stack.append([container, pointer, None, [], 1, event.anchor])

    def _next_pointer(self, stack, event) -> str | None:
        """Return the pointer of the value that starts with ``event``; ``None`` for a mapping key."""
        if not stack:
            return ""
        frame = stack[-1]
        container = frame[0]
        if isinstance(container, list):
            return f"{frame[1]}/{len(container)}"
        if frame[2] is None:
            self._read_key(frame, event)
            return None
        return f"{frame[1]}/{escape_pointer(frame[2][0])}"

    def _read_key(self, frame, event) -> None:
        if not isinstance(event, yaml.ScalarEvent):
            raise _YamlProblem(
                "parse-yaml", "mapping keys must be plain scalars", event.start_mark
            )
        is_merge = (
            event.value == "<<" and event.implicit[0] and event.tag in (None, "!")
        )
        frame[2] = (event.value, is_merge)
        pointer = f"{frame[1]}/{escape_pointer(event.value)}"
        if not is_merge:
            if event.value in frame[0]:
                message = (
                    f"duplicate key {event.value!r}: mappings must not repeat a key"
                )
                position = (event.start_mark.line + 1, event.start_mark.column + 1)
                self.findings.append(
                    _finding(
                        self.name, pointer, "parse-duplicate-key", message, position
                    )
                )
            self.keys.setdefault(
                pointer, (event.start_mark.line + 1, event.start_mark.column + 1)
            )

    def _store(self, stack, root, value, size, anchor, event, aliased=False) -> None:
        if anchor:
            self._anchors[anchor] = (value, size)
        if not stack:
            root.append(value)
            return
        frame = stack[-1]
        frame[4] += size
        container = frame[0]
        if isinstance(container, list):
            container.append(value)
            return
        key, is_merge = frame[2]
        frame[2] = None
        if is_merge:
            frame[3].append((value, event))
        else:
            container[key] = value

    def _close(self, frame) -> tuple[Any, int]:
        container, _, _, merges, size, anchor = frame
        for value, event in merges:
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    raise _YamlProblem(
                        "parse-yaml",
                        "a merge key (<<) needs a mapping or a list of mappings",
                        event.start_mark,
                    )
                for key, item in source.items():
                    container.setdefault(key, item)
        if anchor:
            self._anchors[anchor] = (container, size)
        return container, size

    def _alias(self, event) -> tuple[Any, int]:
        if event.anchor not in self._anchors:
            raise _YamlProblem(
                "parse-yaml", f"alias *{event.anchor} has no anchor", event.start_mark
            )
        value, size = self._anchors[event.anchor]
        self._alias_nodes += size
        if self._alias_nodes > MAX_ALIAS_NODES:
            message = (
                f"aliases expand to more than {MAX_ALIAS_NODES} values (an alias bomb?)"
            )
            raise _YamlProblem("parse-too-large", message, event.start_mark)
        return value, size

    def _scalar(self, event, pointer: str) -> Any:
        if event.tag in (None, "!"):
            tag = _resolve_core(event.value) if event.implicit[0] else _STR
        else:
            tag = event.tag
        self._check_tag(tag, event, tag)
        if tag in (
            "tag:yaml.org,2002:str",
            "tag:yaml.org,2002:timestamp",
            "tag:yaml.org,2002:merge",
        ):
            return event.value
        if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            return self._number(event, tag, pointer)
        node = yaml.ScalarNode(
            tag, event.value, event.start_mark, event.end_mark, event.style
        )
        return yaml.SafeLoader.yaml_constructors[tag](_SCALAR_CONSTRUCTOR, node)

    def _number(self, event, tag: str, pointer: str) -> Any:
        """Build an int or float; numbers beyond a double become a finding.

        Only the ``.inf`` and ``.nan`` spellings may build a non-finite
        value: ``1.0e+400`` would otherwise turn into Infinity silently.
        """
        try:
            value = _construct_number(event.value, tag)
        except ValueError:
            # int() rejects decimal strings of more than 4300 digits.
            value = math.inf
        literal = event.value.lstrip("+-").lower() in (".inf", ".nan")
        if not literal and _beyond_double(value):
            message = f"{_cut(event.value)} is beyond the range of a double"
            position = (event.start_mark.line + 1, event.start_mark.column + 1)
            self.findings.append(
                _finding(self.name, pointer, "parse-number-range", message, position)
            )
            value = -math.inf if event.value.startswith("-") else math.inf
        if isinstance(value, float) and not math.isfinite(value):
            return (
                "NaN"
                if math.isnan(value)
                else ("Infinity" if value > 0 else "-Infinity")
            )
        return value

    def _check_tag(self, tag, event, default) -> None:
        tag = default if tag in (None, "!") else tag
        if tag not in _ALLOWED_TAGS:
            message = (
                f"YAML tag {tag} is not allowed; only the JSON-compatible core tags are"
            )
            raise _YamlProblem("parse-yaml-tag", message, event.start_mark)


_SCALAR_CONSTRUCTOR = yaml.SafeLoader("")

# Plain scalars are resolved by the YAML 1.2 core schema, not PyYAML's YAML 1.1
# rules, under which `yes` is true, `012` is octal 10, `12:30` is the integer 750
# and `1e-5` is a string.
_STR = "tag:yaml.org,2002:str"
_CORE_SCALARS = (
    ("tag:yaml.org,2002:null", re.compile(r"~|null|Null|NULL|")),
    ("tag:yaml.org,2002:bool", re.compile(r"true|True|TRUE|false|False|FALSE")),
    ("tag:yaml.org,2002:int", re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")),
    (
        "tag:yaml.org,2002:float",
        re.compile(
            r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
        ),
    ),
)


def _resolve_core(value: str) -> str:
    """Return the tag of a plain scalar under the YAML 1.2 core schema."""
    for tag, pattern in _CORE_SCALARS:
        if pattern.fullmatch(value):
            return tag
    return _STR


def _construct_number(value: str, tag: str) -> int | float:
    if tag == "tag:yaml.org,2002:int":
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value, 10)
    lowered = value.lower()
    if lowered.lstrip("+-") == ".inf":
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(value)


def _beyond_double(value: int | float) -> bool:
    if isinstance(value, float):
        return math.isinf(value)
    try:
        float(value)
    except OverflowError:
        # Integers from 2**1024 - 2**970 up round to infinity as a double.
        return True
    return False


# Depth and JSON Lines ---------------------------------------------------------


def check_depth(document: ParsedDocument) -> None:
    """Reject nesting deeper than ``MAX_DEPTH`` and strings that are not Unicode text.

    The walk visits containers only and builds no pointers, because it runs
    on every document; the pointer of a problem is found by a second walk.
    """
    stack = [(document.instance, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return _report_structure(document, too_deep=True)
        if type(value) is dict:
            if any(map(has_lone_surrogate, value)):
                return _report_structure(document, too_deep=False)
            children = value.values()
        elif type(value) is list:
            children = value
        else:
            if type(value) is str and has_lone_surrogate(value):
                return _report_structure(document, too_deep=False)
            continue
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind is str and has_lone_surrogate(child):
                return _report_structure(document, too_deep=False)
    return None


def has_lone_surrogate(text: str) -> bool:
    """Return whether ``text`` contains a lone surrogate, which JSON escapes allow but UTF-8 cannot encode."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _report_structure(document: ParsedDocument, too_deep: bool) -> None:
    stack = [(document.instance, 0, "")]
    while stack:
        value, depth, pointer = stack.pop()
        if too_deep and depth > MAX_DEPTH:
            message = f"nesting is deeper than {MAX_DEPTH} levels"
            return _report(document, pointer, "parse-too-deep", message)
        if isinstance(value, str) and has_lone_surrogate(value):
            message = "a string contains a lone UTF-16 surrogate escape, which is not Unicode text"
            return _report(document, pointer, "parse-encoding", message)
        if isinstance(value, dict):
            for key, item in value.items():
                if has_lone_surrogate(key):
                    # The pointer shows the key as \udXXX, because a lone
                    # surrogate cannot be printed or encoded as UTF-8.
                    shown = key.encode("utf-8", "backslashreplace").decode("utf-8")
                    child = f"{pointer}/{escape_pointer(shown)}"
                    message = "a key contains a lone UTF-16 surrogate escape, which is not Unicode text"
                    return _report(document, child, "parse-encoding", message)
                child = f"{pointer}/{escape_pointer(key)}"
                stack.append((item, depth + 1, child))
        elif isinstance(value, list):
            stack.extend(
                (item, depth + 1, f"{pointer}/{index}")
                for index, item in enumerate(value)
            )


def _report(document: ParsedDocument, pointer: str, rule: str, message: str) -> None:
    position = None
    if document.locator is not None:
        position = document.locator.locate([pointer])[pointer][0]
    document.findings.append(_finding(document.name, pointer, rule, message, position))
    document.instance = _UNREADABLE


def parse_text(name: str, text: str, fmt: Format) -> ParsedDocument:
    """Parse a whole JSON or YAML text."""
    if fmt == "yaml":
        return parse_yaml(name, text)
    return parse_json(name, text)


def iter_jsonl(name: str, lines: Iterator[bytes]) -> Iterator[ParsedDocument]:
    """Parse JSON Lines one record at a time; blank lines are skipped.

    Each record's findings carry the file's line numbers. Memory stays
    bounded by the longest line, whatever the number of lines.
    """
    for number, raw in enumerate(lines, start=1):
        prefix: list[Finding] = []
        if raw.startswith(b"\xef\xbb\xbf"):
            # Concatenated files may bring a byte order mark to any line.
            raw = raw[3:]
            where = "the file" if number == 1 else f"line {number}"
            prefix.append(
                _finding(
                    name,
                    "",
                    "parse-bom",
                    f"byte order mark at the start of {where} is ignored",
                    (number, 1),
                )
            )
        text, findings = decode(name, raw)
        findings = prefix + findings
        if text is None:
            findings = [_shift(finding, number) for finding in findings]
            yield ParsedDocument(name, _UNREADABLE, None, findings, number - 1)
            continue
        if not text.strip():
            continue
        record = parse_json(name, text.rstrip("\r\n"), first_line=number)
        record.findings[:0] = findings
        record.line_offset = number - 1
        yield record


def _shift(finding: Finding, line: int) -> Finding:
    return Finding(**{**finding.__dict__, "line": line})


def open_lines(source: str | Path) -> tuple[str, Iterator[bytes]]:
    """Open a JSON Lines file (or ``-``) for streaming."""
    if str(source) == "-":
        return "<stdin>", iter(sys.stdin.buffer)
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a file")
    try:
        handle = path.open("rb")
    except FileNotFoundError as error:
        raise InputError(f"{path}: no such file") from error
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from error

    def lines() -> Iterator[bytes]:
        with handle:
            yield from handle

    return str(path), lines()


def sniff_format(text: str) -> Format:
    """Guess the format of text without a file name (standard input)."""
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return "yaml"
    first_line = stripped.split("\n", 1)[0]
    if first_line == stripped:
        return "json"
    try:
        json.loads(stripped)
        return "json"
    except (json.JSONDecodeError, RecursionError):
        pass
    try:
        return "jsonl" if isinstance(json.loads(first_line), dict) else "json"
    except (json.JSONDecodeError, RecursionError):
        return "json"


def read_document(source: str | Path) -> Any:
    """Read a JSON or YAML document into the in-memory form.

    Raises ``DocumentError`` with the findings when the document cannot be
    read or contains tokens that JSON does not allow.
    """
    name, data = read_bytes(source)
    if suffix_format(source) == "json":
        document = parse_json_bytes(name, data)
    else:
        document = _parse_sniffed(name, data, source)
    errors = [
        finding for finding in document.findings if finding.severity.value == "error"
    ]
    if not document.readable or errors:
        raise DocumentError(errors or document.findings)
    return document.instance


def _parse_sniffed(name: str, data: bytes, source: str | Path) -> ParsedDocument:
    text, findings = decode(name, data)
    if text is None:
        raise DocumentError(findings)
    fmt = suffix_format(source) or sniff_format(text)
    if fmt == "jsonl":
        raise InputError(
            f"{name}: a JSON Lines file contains records, not one document; use iter_records"
        )
    return parse_text(name, text, fmt)


def iter_records(source: str | Path) -> Iterator[tuple[str, dict[str, Any], int]]:
    """Yield ``(kind, entity, line number)`` for each record of a JSON Lines file.

    A record is one entity with a ``kind`` field (``"run"``, ``"model_version"``,
    ...); the ``kind`` is removed from the yielded entity. A line holding only
    ``spec_version`` is a header and is skipped. Raises ``DocumentError`` at
    the first record that cannot be read.
    """
    name, lines = open_lines(source)
    for record in iter_jsonl(name, lines):
        errors = [
            finding for finding in record.findings if finding.severity.value == "error"
        ]
        if not record.readable or errors:
            raise DocumentError(errors or record.findings)
        entity = record.instance
        if not isinstance(entity, dict):
            raise DocumentError(
                [
                    _finding(
                        name,
                        "",
                        "jsonl-kind",
                        "a record must be a JSON object",
                        (record.line_offset + 1, 1),
                    )
                ]
            )
        if set(entity) <= {"spec_version"}:
            continue
        entity = dict(entity)
        kind = entity.pop("kind", None)
        yield kind, entity, record.line_offset + 1
