"""How the offline engine's CLI shows a plan: one block per resource, like `pulumi preview --diff`.

Each resource that changes gets a line with its operation symbol (`+` create, `~` update, `+-` replace,
`-` delete), its type and name, then one line per field: every input of a create (`+`) or delete (`-`),
only the changed inputs of an update or replace (`~ field: old => new`, marked when the field forces
the replacement). Secrets print as `[secret]`, values not known before the deployment (preview) as
`[unknown]`; the dynamic provider's internal inputs (`__provider`, ...) are left out.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from . import props as P

LABEL = "[offline engine]"
SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "read-gone": "-", "same": " "}
PLANNED = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to delete"}
DONE = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "read-gone": "deleted",
}


def value_text(value: Any) -> str:
    """One value as the plan prints it: JSON, secrets and unknowns masked."""
    return json.dumps(_masked(value), separators=(", ", ": "), ensure_ascii=False)


def _masked(value: Any) -> Any:
    if P.is_secret(value):
        return "[secret]"
    if value == P.UNKNOWN:
        return "[unknown]"
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _fields(inputs: dict | None) -> dict[str, Any]:
    return {k: v for k, v in (inputs or {}).items() if not k.startswith("__") and v is not None}


def resource_title(urn: str) -> tuple[str, str]:
    """(type, name) of a URN, the type without the dynamic provider's prefix."""
    parts = urn.split("::")
    type_ = parts[-2].split("$")[-1]
    return type_.removeprefix("pulumi-python:dynamic/").removeprefix("pulumi-python:dynamic:"), parts[-1]


def field_lines(op: str, old: dict | None, new: dict | None, replaces: Iterable[str] = ()) -> list[str]:
    """The per-field lines of one step."""
    old_f, new_f = _fields(old), _fields(new)
    if op == "create":
        return [f"+ {k}: {value_text(v)}" for k, v in sorted(new_f.items())]
    if op in ("delete", "read-gone"):
        return [f"- {k}: {value_text(v)}" for k, v in sorted(old_f.items())]
    lines = []
    forcing = set(replaces)
    for k in sorted(set(old_f) | set(new_f)):
        before, after = old_f.get(k), new_f.get(k)
        if P.unwrap(before) == P.unwrap(after) and P.is_secret(before) == P.is_secret(after):
            continue
        mark = " (forces replacement)" if k in forcing else ""
        if k not in old_f:
            lines.append(f"+ {k}: {value_text(after)}{mark}")
        elif k not in new_f:
            lines.append(f"- {k}: {value_text(before)}{mark}")
        else:
            lines.append(f"~ {k}: {value_text(before)} => {value_text(after)}{mark}")
    return lines


def plan_lines(
    steps: Iterable[Any], old_inputs: dict[str, dict], new_inputs: dict[str, dict], *, diff: bool = True
) -> list[str]:
    """One block per step that changes something (same steps are left out)."""
    lines = []
    for step in steps:
        if step.op == "same":
            continue
        type_, name = resource_title(step.urn)
        lines.append(f"{SYMBOLS.get(step.op, '?'):>2} {type_} {name} ({step.op})")
        if diff:
            fields = field_lines(step.op, old_inputs.get(step.urn), new_inputs.get(step.urn), step.detail)
            lines.extend(f"      {line}" for line in fields)
    return lines


def summary_lines(steps: Iterable[Any], *, preview: bool) -> list[str]:
    """`Resources:` and the counts, worded as the CLI words them for a preview or an update."""
    counts = Counter(step.op for step in steps)
    words = PLANNED if preview else DONE
    lines = ["Resources:"]
    for op in ("create", "update", "replace", "delete", "read-gone"):
        if counts[op]:
            lines.append(f"    {SYMBOLS[op]} {counts[op]} {words.get(op, op)}")
    if counts["same"]:
        lines.append(f"    {counts['same']} unchanged")
    if len(lines) == 1:
        lines.append("    no resources")
    return lines


def changes(steps: Iterable[Any]) -> int:
    """How many steps change something."""
    return sum(1 for step in steps if step.op != "same")


def outputs_text(outputs: dict, *, show_secrets: bool = False) -> Any:
    """Stack outputs as plain JSON values, secrets masked unless asked for."""
    return P.unwrap(outputs) if show_secrets else _masked(outputs)
