"""The one error base of the planning core, and the specific errors under it."""

from __future__ import annotations


class MissionError(Exception):
    """Base of every error raised by ``missions``."""


class InvalidValueError(MissionError, ValueError):
    """A value cannot exist: a latitude of 91°, a negative radius, a polygon with two corners."""


class PlanningError(MissionError):
    """A pattern cannot be generated from what was asked (says what to change)."""


class PlanRejectedError(MissionError):
    """A plan has validation errors and must not be flown or uploaded."""

    def __init__(self, findings: tuple) -> None:
        self.findings = findings
        lines = "; ".join(f.message for f in findings)
        super().__init__(f"plan refused: {len(findings)} error(s): {lines}")


class PlanFormatError(MissionError):
    """A plan, border or zone file is malformed.

    ``source`` names the file (or ``<string>``), ``where`` the line (``line 4``) or JSON path
    (``$.mission.items[3].params[4]``), and the message says what is wrong there.
    """

    def __init__(self, source: str, where: str, problem: str) -> None:
        self.source = source
        self.where = where
        self.problem = problem
        location = f"{source}: {where}" if where else source
        super().__init__(f"{location}: {problem}")
