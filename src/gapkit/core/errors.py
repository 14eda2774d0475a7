"""Problems found in inputs, each naming the file, the place in it, what is wrong and what to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Issue:
    file: str
    where: str  # "line 12", "Actions > F12", "page 3"
    message: str
    fix: str = ""
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        place = f"{Path(self.file).name} > {self.where}" if self.where else Path(self.file).name
        text = f"{self.severity.upper()}: {place}: {self.message}"
        return f"{text}. Fix: {self.fix}" if self.fix else text


@dataclass
class GapkitError(Exception):
    """An input gapkit cannot use. Carries every issue found, so the user can fix them all at once."""

    issues: list[Issue] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(i) for i in self.issues)

    @classmethod
    def one(cls, file: str | Path, where: str, message: str, fix: str = "") -> "GapkitError":
        return cls([Issue(str(file), where, message, fix)])


def errors_only(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity == "error"]
