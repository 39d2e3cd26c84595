"""Run the real ``borderwatch`` entry point as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent / "borderwatch"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def run(*args: str, timeout_s: float = 120.0) -> Result:
    proc = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, timeout=timeout_s)
    return Result(proc.returncode, proc.stdout, proc.stderr)
