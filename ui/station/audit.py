"""The audit log: every command a user sends, who sent it, to which vehicle, and what came of it.

JSON Lines in the data folder, appended and flushed per entry, so it survives a crash of the console.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    t_unix_s: float
    user: str
    vehicle: str
    action: str
    detail: str
    ok: bool
    result: str


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def write(
        self, *, user: str, vehicle: str, action: str, detail: str = "", ok: bool, result: str
    ) -> AuditEntry:
        entry = AuditEntry(
            t_unix_s=time.time(),
            user=user,
            vehicle=vehicle,
            action=action,
            detail=detail,
            ok=ok,
            result=result,
        )
        line = json.dumps(asdict(entry), ensure_ascii=False)
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
        return entry

    def recent(self, limit: int = 50) -> list[AuditEntry]:
        if not self.path.exists():
            return []
        with self._lock:
            lines = self.path.read_text(encoding="utf-8").splitlines()[-limit:]
        out = []
        for line in reversed(lines):
            try:
                out.append(AuditEntry(**json.loads(line)))
            except (ValueError, TypeError):
                continue  # a torn last line after a crash
        return out
