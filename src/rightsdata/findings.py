"""What a check reports: one Finding per offending row (or file), with where and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from typing import Any

ERROR, WARNING = "error", "warning"


@dataclass
class Finding:
    rule: str
    message: str
    severity: str = ERROR
    resource: str | None = None
    path: str | None = None  # path of the file, relative to the package
    line: int | None = None  # physical line of the file (1 is the header of a CSV file)
    field: str | None = None
    value: Any = None
    key: dict[str, Any] | None = None  # the row's primary key
    waived: bool = False
    waiver_reason: str | None = None
    fatal: bool = False  # the package (or a resource) cannot be read as described: exit 2
    extra: dict[str, Any] = dataclass_field(default_factory=dict)

    def location(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}"
        return self.path or "datapackage.json"

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("extra")
        out.pop("fatal")
        out["location"] = self.location()
        out.update(self.extra)
        return out
