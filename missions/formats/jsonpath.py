"""Typed reads out of parsed JSON that fail with the file name and JSON path of the bad value."""

from __future__ import annotations

import json
import math
from typing import Any

from missions.errors import PlanFormatError


def parse_json(text: str | bytes, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFormatError(
            source, f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}"
        ) from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise PlanFormatError(source, "", f"not readable as JSON text: {type(exc).__name__}") from None


class JsonReader:
    """``r.num(doc["x"], "$.x")`` returns a float or raises PlanFormatError naming ``$.x``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> PlanFormatError:
        return PlanFormatError(self.source, path, problem)

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, found {_kind(value)}")
        return value

    def arr(self, value: Any, path: str, *, length: int | None = None, min_length: int = 0) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected an array, found {_kind(value)}")
        if length is not None and len(value) != length:
            raise self.fail(path, f"expected {length} values, found {len(value)}")
        if len(value) < min_length:
            raise self.fail(path, f"expected at least {min_length} values, found {len(value)}")
        return value

    def key(self, obj: dict[str, Any], name: str, path: str) -> Any:
        if name not in obj:
            raise self.fail(path, f"missing required key '{name}'")
        return obj[name]

    def num(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"expected a number, found {_kind(value)}")
        number = float(value)
        if not math.isfinite(number):
            raise self.fail(path, f"expected a finite number, found {value!r}")
        return number

    def num_or_null(self, value: Any, path: str) -> float | None:
        return None if value is None else self.num(value, path)

    def int_(self, value: Any, path: str) -> int:
        number = self.num(value, path)
        if number != int(number):
            raise self.fail(path, f"expected a whole number, found {value!r}")
        return int(number)

    def bool_(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, found {_kind(value)}")
        return value

    def str_(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, found {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
