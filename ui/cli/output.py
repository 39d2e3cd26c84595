"""Printing results for people, and as JSON for programs (``--json``)."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import sys
from typing import Any


def jsonable(value: Any) -> Any:
    """Dataclasses, enums, tuples and floats (inf/NaN become null) as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit_json(value: Any) -> None:
    json.dump(jsonable(value), sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")
    sys.stdout.flush()


def fail(message: str, *, as_json: bool, code: int = 1, **extra: Any) -> int:
    """Report a failure on stderr (and as JSON on stdout with ``--json``); return the exit code."""
    if as_json:
        emit_json({"ok": False, "error": message, **extra})
    print(f"borderwatch: error: {message}", file=sys.stderr)
    return code


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"
