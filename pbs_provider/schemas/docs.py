"""Reference tables for docs/resources.md, generated from the schema models (never written by hand).

`reference_table(SyncJobSchema)` gives one Markdown row per field: the Pulumi input, the PBS
field it maps to, type and rules, PBS's default when unset, the first PBS version, and what a
change does. In a Markdown file the tables live between `<!-- BEGIN generated: <Name> -->` and
`<!-- END generated: <Name> -->`; `python -m pbs_provider.schemas.docs --write FILE` refreshes
them (the tests fail when a committed file is out of date), without `--write` it prints them.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types

from .acl_entry import AclEntrySchema
from .api_token import ApiTokenSchema
from .base import PbsObject
from .field import FieldSpec
from .namespace import NamespaceSchema
from .remote import RemoteSchema
from .sync_job import SyncJobSchema
from .types import TypeDoc
from .user import UserSchema

SCHEMAS: dict[str, type[PbsObject]] = {
    "Remote": RemoteSchema,
    "SyncJob": SyncJobSchema,
    "User": UserSchema,
    "ApiToken": ApiTokenSchema,
    "AclEntry": AclEntrySchema,
    "Namespace": NamespaceSchema,
}


def _describe_type(annotation: Any) -> list[str]:
    """Phrases for a (possibly Annotated, Optional or list) type."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extras = get_args(annotation)
        docs = [e.text for e in extras if isinstance(e, TypeDoc)]
        return docs or _describe_type(base)
    if origin in (Union, types.UnionType):
        return [p for arg in get_args(annotation) if arg is not type(None) for p in _describe_type(arg)]
    if origin is list:
        return [f"list of {' '.join(_describe_type(get_args(annotation)[0]))}"]
    if origin is Literal:
        return [" or ".join(f"`{v}`" for v in get_args(annotation))]
    return {bool: ["boolean"], int: ["integer"], str: ["string"]}.get(
        annotation, [getattr(annotation, "__name__", "?")]
    )


def _bounds(spec: FieldSpec) -> list[str]:
    phrases = []
    for item in spec.info.metadata:
        if isinstance(item, annotated_types.Ge):
            phrases.append(f"≥ {item.ge}")
        elif isinstance(item, annotated_types.Le):
            phrases.append(f"≤ {item.le}")
    return phrases


def type_summary(spec: FieldSpec) -> str:
    """Type and rules of a field, e.g. "integer, ≥ 1"."""
    # pydantic moves the metadata of a non-optional Annotated type onto the field itself.
    docs = [item.text for item in spec.info.metadata if isinstance(item, TypeDoc)]
    return ", ".join([*(docs or _describe_type(spec.info.annotation)), *_bounds(spec)])


def _default(spec: FieldSpec) -> str:
    if spec.required:
        return "required"
    value = spec.pbs.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{value}`"


def _on_change(spec: FieldSpec) -> str:
    if spec.pbs.output_only:
        return "output"
    if not spec.pbs.diff:
        return "-"
    if spec.pbs.replace_on_change:
        return "replace"
    if spec.pbs.trigger is not None:
        return f"update (sends `{spec.pbs.trigger}`)"
    if not spec.pbs.deletable and not spec.required:
        return f"update (removing sets `{str(spec.pbs.reset_to).lower()}`)"
    return "update"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def reference_table(schema: type[PbsObject]) -> str:
    """The Markdown reference table of one schema's fields."""
    rows = [
        "| Input | PBS field | Type and rules | When unset | Since PBS | On change | Meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec in schema.specs():
        pbs = f"`{spec.pbs_name}`" if spec.pbs_name else "(provider)"
        flags = []
        if spec.pbs.secret:
            flags.append("secret")
        if spec.pbs.write_only:
            flags.append("write-only")
        kind = type_summary(spec) + (f" ({', '.join(flags)})" if flags else "")
        rows.append(
            "| "
            + " | ".join(
                _escape(cell)
                for cell in (
                    f"`{spec.input_name}`",
                    pbs,
                    kind,
                    _default(spec),
                    spec.pbs.since or "all",
                    _on_change(spec),
                    spec.description,
                )
            )
            + " |"
        )
    return "\n".join(rows)


def render_into(text: str) -> str:
    """`text` with every generated block replaced by the current table of that resource."""
    for name, schema in SCHEMAS.items():
        begin, end = f"<!-- BEGIN generated: {name} -->", f"<!-- END generated: {name} -->"
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
        text = pattern.sub(lambda _m, s=schema, b=begin, e=end: f"{b}\n{reference_table(s)}\n{e}", text)
    return text


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 2 and args[0] == "--write":
        path = Path(args[1])
        path.write_text(render_into(path.read_text()))
        return
    for name, schema in SCHEMAS.items():
        print(f"### `{name}` fields\n\n{reference_table(schema)}\n")


if __name__ == "__main__":
    main()
