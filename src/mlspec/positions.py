"""Line and column of JSON pointers in the source text.

Parsing keeps no positions, because most documents are valid and positions
cost time and memory. When findings exist, a locator maps just their
pointers back to the text: ``JsonLocator`` by scanning the JSON text once,
``MappingLocator`` from the positions the YAML reader recorded.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from mlspec.spec import escape_pointer

Position = tuple[int, int]

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORD = re.compile(r"true|false|null|NaN|-?Infinity")


class LineIndex:
    """Convert character offsets in a text to 1-based line and column."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self._starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self._first_line = first_line

    def position(self, offset: int) -> Position:
        row = bisect.bisect_right(self._starts, offset) - 1
        return row + self._first_line, offset - self._starts[row] + 1


@dataclass(frozen=True)
class JsonEvent:
    """A key or a value met while scanning JSON text."""

    kind: str  # "key" or "value"
    pointer: str
    offset: int
    token: str  # "{", "[", '"', or the literal text of a number or word


class JsonScanError(ValueError):
    """Raised when the text stops being JSON; ``offset`` is where."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def scan_json(text: str) -> Iterator[JsonEvent]:
    """Yield every key and value of a JSON text with its pointer and offset.

    The scan is iterative, so nesting depth is bounded by memory only, and
    it accepts the bare NaN and Infinity tokens so callers can report them.
    """
    stack: list[list] = []  # frames: [is_object, pointer, next_index]
    position = _skip(text, 0)
    pointer = ""
    while True:
        position, opened = yield from _scan_value(text, position, pointer, stack)
        if opened:
            position, pointer, done = _open_first(text, position, stack)
        else:
            position, pointer, done = _after_value(text, position, stack)
        if done:
            if position != len(text):
                raise JsonScanError("extra data after the document", position)
            return
        if stack and stack[-1][0]:
            position, pointer = yield from _scan_key(text, position, stack)


def _skip(text: str, position: int) -> int:
    return _WHITESPACE.match(text, position).end()


def _scan_value(text, position, pointer, stack):
    char = text[position : position + 1]
    if char in ("{", "["):
        yield JsonEvent("value", pointer, position, char)
        stack.append([char == "{", pointer, 0])
        return _skip(text, position + 1), True

    for pattern in (_STRING, _NUMBER, _WORD):
        match = pattern.match(text, position)
        if match:
            token = '"' if pattern is _STRING else match.group()
            yield JsonEvent("value", pointer, position, token)
            return _skip(text, match.end()), False
    raise JsonScanError("expected a value", position)


def _open_first(text, position, stack):
    """Handle the character after ``{`` or ``[``: an empty container or its first member."""
    closer = "}" if stack[-1][0] else "]"
    if text.startswith(closer, position):
        return _after_value(text, position, stack, closing=True)
    if stack[-1][0]:
        return position, None, False
    return position, f"{stack[-1][1]}/0", False


def _after_value(text, position, stack, closing=False):
    while stack:
        frame = stack[-1]
        closer = "}" if frame[0] else "]"
        if not closing and text.startswith(",", position):
            position = _skip(text, position + 1)
            frame[2] += 1
            if frame[0]:
                return position, None, False
            return position, f"{frame[1]}/{frame[2]}", False
        if not text.startswith(closer, position):
            raise JsonScanError(f"expected ',' or '{closer}'", position)
        stack.pop()
        position = _skip(text, position + 1)
        closing = False
    return position, "", True


def _scan_key(text, position, stack):
    match = _STRING.match(text, position)
    if not match:
        raise JsonScanError("expected a string key", position)
    key = json.loads(match.group())
    pointer = f"{stack[-1][1]}/{escape_pointer(key)}"
    yield JsonEvent("key", pointer, position, '"')
    position = _skip(text, match.end())
    if not text.startswith(":", position):
        raise JsonScanError("expected ':'", position)
    return _skip(text, position + 1), pointer


class JsonLocator:
    """Positions of pointers in one JSON text, computed on first request."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self._text = text
        self._first_line = first_line

    def locate(
        self, pointers: Iterable[str]
    ) -> dict[str, tuple[Position | None, Position | None]]:
        """Return ``{pointer: (value position, key position)}`` for each pointer.

        A pointer that the text does not contain gets the position of its
        nearest ancestor that it does contain.
        """
        wanted = set(pointers)
        found = self._scan(_with_ancestors(wanted))
        return {pointer: _nearest(pointer, found) for pointer in wanted}

    def _scan(self, targets: set[str]) -> dict[str, list]:
        found: dict[str, list] = {}
        lines = LineIndex(self._text, self._first_line)
        try:
            for event in scan_json(self._text):
                if event.pointer in targets:
                    slot = found.setdefault(event.pointer, [None, None])
                    index = 0 if event.kind == "value" else 1
                    if slot[index] is None:
                        slot[index] = lines.position(event.offset)
        except JsonScanError:
            pass
        return found


class MappingLocator:
    """Positions recorded while reading, such as by the YAML reader."""

    def __init__(self, values: dict[str, Position], keys: dict[str, Position]) -> None:
        self._values = values
        self._keys = keys

    def locate(
        self, pointers: Iterable[str]
    ) -> dict[str, tuple[Position | None, Position | None]]:
        found = {
            pointer: [self._values.get(pointer), self._keys.get(pointer)]
            for pointer in _with_ancestors(set(pointers))
            if pointer in self._values or pointer in self._keys
        }
        return {pointer: _nearest(pointer, found) for pointer in pointers}


def _with_ancestors(pointers: set[str]) -> set[str]:
    result = {""}
    for pointer in pointers:
        while pointer:
            result.add(pointer)
            pointer = pointer.rsplit("/", 1)[0]
    return result


def _nearest(
    pointer: str, found: dict[str, list]
) -> tuple[Position | None, Position | None]:
    if pointer in found:
        value, key = found[pointer]
        return value or key, key
    while pointer:
        pointer = pointer.rsplit("/", 1)[0]
        if pointer in found:
            value, key = found[pointer]
            return value or key, None
    return None, None
