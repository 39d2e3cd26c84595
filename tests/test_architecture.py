"""The dependency direction of DESIGN.md, lint, and module size, checked on every test run."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_import_contracts_hold():
    r = subprocess.run([str(BIN / "lint-imports")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Contracts: 4 kept, 0 broken." in r.stdout or (" broken" in r.stdout and "0 broken" in r.stdout)


def test_ruff_is_clean():
    r = subprocess.run(
        [str(BIN / "ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stdout


def test_no_module_is_past_500_lines():
    long = []
    for package in ("missions", "telemetry", "detection", "ui", "sitl"):
        for path in (ROOT / package).rglob("*.py"):
            n = len(path.read_text().splitlines())
            if n > 500:
                long.append(f"{path.relative_to(ROOT)}: {n}")
    assert long == []
