"""What a check reports: one Finding per offending row (or file), with where and why; and the
built-in checks, each declared by the module that emits its findings, as a YAML rule declares
itself (`rightsdata rules`, the docs' table of rules and the ids waivers.yaml may name are read
from this registry)."""

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


@dataclass(frozen=True)
class Check:
    """A built-in check of `rightsdata validate`. Its findings are made by `finding`, so that a
    finding cannot carry an id that `rightsdata rules` does not list."""
    id: str
    applies_to: str  # what the check asks of the package, in a phrase
    why: str  # why it matters (declare refuses an empty one)
    severity: str = ERROR
    waivable: bool = True  # waivers.yaml may name it (its findings carry a row's key, or may)

    def finding(self, message: str, **where: Any) -> Finding:
        return Finding(rule=self.id, severity=self.severity, message=message, **where)


CHECKS: dict[str, Check] = {}  # id -> check, in the order the modules declared them


def declare(id: str, applies_to: str, why: str, severity: str = ERROR, waivable: bool = True) -> Check:
    """Declare a built-in check (at module level, next to the code that emits it)."""
    if not why.strip():  # the catalogue promises every check a sentence on why it matters
        raise ValueError(f"the built-in check {id!r} does not say why it matters")
    new = Check(id, applies_to, why, severity, waivable)
    registered = CHECKS.setdefault(id, new)  # the same declaration twice: a module imported again
    if registered != new:
        raise ValueError(f"two built-in checks are named {id!r}")
    return registered


def declared(id: str) -> Check:
    """The check named `id`, for an id that travels through SQL as text; an undeclared id is a bug
    in rightsdata, which this turns into a KeyError rather than a finding no one can look up."""
    return CHECKS[id]
