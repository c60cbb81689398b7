"""Reference tables of the stack config for the docs, generated (never written by hand): the top-level
keys as `Pulumi.yaml` declares them, and the keys of a `replications` entry from its model
(`ReplicationArgs`, `ReplicationSide`).

In a Markdown file a table lives between `<!-- BEGIN generated: <name> -->` and
`<!-- END generated: <name> -->` (names: `stack config keys`, `replications`);
`python -m pbs_provider.stack_config_docs --write FILE…` refreshes them (the doc tests fail when a
committed page is out of date), without `--write` it prints them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic.fields import FieldInfo

from pbs_provider.resources.replication import JOB_OPTIONS, ReplicationArgs, ReplicationSide
from pbs_provider.schemas.docs import _describe_type
from pbs_provider.stack_config import SECRET_MAPS

PROJECT_FILE = Path(__file__).resolve().parents[1] / "Pulumi.yaml"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def stack_config_keys_table(project_file: Path = PROJECT_FILE) -> str:
    """One row per config key `Pulumi.yaml` declares: its type, whether it holds secrets, what it is."""
    declared: dict[str, Any] = (yaml.safe_load(project_file.read_text()) or {}).get("config") or {}
    rows = ["| key | type | secret | what it is |", "|---|---|---|---|"]
    for key, spec in declared.items():
        kind = "list" if spec.get("type") == "array" else "map"
        secret = "**yes**: set with `--secret`" if key in SECRET_MAPS else "no"
        rows.append(f"| `{key}` | {kind} | {secret} | {_cell(str(spec.get('description', '')))} |")
    return "\n".join(rows)


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    if info.default is None:
        return "see meaning"
    if isinstance(info.default, bool):
        return f"`{str(info.default).lower()}`"
    return f"`{info.default}`"


def replications_table() -> str:
    """One row per key of a `replications.<name>` entry, then the sync job options it passes on."""
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, info in ReplicationArgs.model_fields.items():
        annotation = info.annotation
        if annotation is ReplicationSide:
            sides = ", ".join(f"`{n}`" for n in ReplicationSide.model_fields)
            kind = f"map of {sides}"
            meaning = info.description or ""
            for side_name, side in ReplicationSide.model_fields.items():
                meaning += f" `{side_name}`: {side.description}"
        else:
            kind = ", ".join(_describe_type(annotation))
            meaning = info.description or ""
        rows.append(f"| `{info.alias or name}` | {_cell(kind)} | {_default(info)} | {_cell(meaning)} |")
    options = ", ".join(f"`{o}`" for o in JOB_OPTIONS)
    rows.append(f"| any sync job option | as in `SyncJob` | unset | passed to the job: {options} |")
    return "\n".join(rows)


TABLES: dict[str, Callable[[], str]] = {
    "stack config keys": stack_config_keys_table,
    "replications": replications_table,
}


def render_into(text: str) -> str:
    """`text` with every generated block of this module replaced by the current table."""
    for name, table in TABLES.items():
        begin, end = f"<!-- BEGIN generated: {name} -->", f"<!-- END generated: {name} -->"
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _m, t=table, b=begin, e=end: f"{b}\n{t()}\n{e}", text)
    return text


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--write"]:
        for name in args[1:]:
            path = Path(name)
            path.write_text(render_into(path.read_text()))
        return
    for name, table in TABLES.items():
        print(f"### {name}\n\n{table()}\n")


if __name__ == "__main__":
    main()
