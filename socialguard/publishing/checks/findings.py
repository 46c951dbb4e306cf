"""What a text check reports: findings with character spans, and the verdict they add up to."""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("block", "review", "info")
_VERDICT_RANK = {"pass": 0, "review": 1, "block": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check noticed. `start`/`end` are character offsets into the checked text
    (start inclusive, end exclusive); a finding about the post as a whole may use 0, 0."""

    check: str
    clause: str
    severity: str
    start: int
    end: int
    message: str
    suggestion: str

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}..{self.end}")

    def to_dict(self) -> dict:
        return {
            "check": self.check,
            "clause": self.clause,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "suggestion": self.suggestion,
        }


def verdict_for(findings) -> str:
    """The worst severity wins: any block blocks, any review needs review; info never changes a pass."""
    verdict = "pass"
    for finding in findings:
        candidate = "pass" if finding.severity == "info" else finding.severity
        if _VERDICT_RANK[candidate] > _VERDICT_RANK[verdict]:
            verdict = candidate
    return verdict


@dataclass(frozen=True, slots=True)
class CheckResult:
    verdict: str
    findings: tuple[Finding, ...]

    @classmethod
    def from_findings(cls, findings) -> CheckResult:
        ordered = tuple(sorted(findings, key=lambda f: (f.start, f.end, f.clause, f.check)))
        return cls(verdict=verdict_for(ordered), findings=ordered)

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "findings": [f.to_dict() for f in self.findings]}
