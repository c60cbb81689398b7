"""PBS's section-config text format: parse and format ``type: id`` sections (one module, both ways).

Format (proxmox-section-config): a header line ``<type>: <id>``, then one line per property
``\\t<key> <value>`` (tab-indented; booleans as ``true``/``false``; arrays as repeated keys; an empty
string as ``\\t<key> `` with nothing after the space), and one blank line between sections. Keys are
written in sorted order (PBS serialises through a sorted JSON map). Values are typed on reading with
the section type's property schema, so ``port 8007`` reads back as an integer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pbs_sim.errors import SchemaViolation
from pbs_sim.schema import ArraySchema, ObjectSchema


class SectionConfigError(Exception):
    """The file cannot be parsed or a section cannot be written."""


@dataclass
class SectionConfigData:
    """Sections in file order: id -> (type, properties). Properties exclude the id property."""

    sections: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def ids(self, type_name: str | None = None) -> list[str]:
        return [sid for sid, (t, _) in self.sections.items() if type_name is None or t == type_name]

    def get(self, section_id: str) -> tuple[str, dict[str, Any]] | None:
        return self.sections.get(section_id)

    def set(self, section_id: str, type_name: str, props: Mapping[str, Any]) -> None:
        self.sections[section_id] = (type_name, dict(props))

    def remove(self, section_id: str) -> bool:
        return self.sections.pop(section_id, None) is not None

    def items(self, type_name: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        return [
            (sid, dict(props))
            for sid, (t, props) in self.sections.items()
            if type_name is None or t == type_name
        ]


@dataclass(frozen=True)
class SectionType:
    """A section type: its name, the property holding the id, and the property schema."""

    name: str
    id_property: str
    properties: ObjectSchema


def _format_value(section_id: str, key: str, value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | str):
        text = str(value)
    else:
        raise SectionConfigError(f"got unsupported type in section '{section_id}' key '{key}'")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise SectionConfigError(
            f"detected unexpected control character in section '{section_id}' key '{key}'"
        )
    return f"\t{key} {text}\n"


def format_config(data: SectionConfigData) -> str:
    """Render sections exactly as PBS writes them."""
    chunks: list[str] = []
    for section_id, (type_name, props) in data.sections.items():
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in section_id):
            raise SectionConfigError("detected unexpected control character in section ID.")
        lines = [f"{type_name}: {section_id}\n"]
        for key in sorted(props):
            value = props[key]
            if value is None:
                continue
            if isinstance(value, list):
                lines.extend(_format_value(section_id, key, item) for item in value)
            else:
                lines.append(_format_value(section_id, key, value))
        chunks.append("".join(lines))
    return "\n".join(chunks)


def _parse_header(line: str) -> tuple[str, str] | None:
    if not line or not line[0].isalpha() or ":" not in line:
        return None
    type_name, _, section_id = line.partition(":")
    type_name, section_id = type_name.strip(), section_id.strip()
    if not type_name:
        return None
    return type_name, section_id


def _parse_content(line: str) -> tuple[str, str] | None:
    if not line or not line[0].isspace():
        return None
    stripped = line.lstrip()
    for index, char in enumerate(stripped):
        if char.isspace():
            key, value = stripped[:index].strip(), stripped[index + 1 :].strip()
            return (key, value) if key else None
    return None


def parse_config(raw: str, types: Mapping[str, SectionType], filename: str = "") -> SectionConfigData:
    """Parse section-config text, typing values with each section type's schema."""
    result = SectionConfigData()
    current: tuple[SectionType, str, dict[str, Any]] | None = None

    def finish() -> None:
        assert current is not None
        stype, sid, props = current
        for name, prop in stype.properties.properties.items():
            if name != stype.id_property and not prop.optional and name not in props:
                raise SectionConfigError(f"property '{name}' is missing and it is not optional.")
        result.set(sid, stype.name, props)

    line_no = 0
    try:
        for line_no, line in enumerate(raw.splitlines(), start=1):  # noqa: B007
            if current is None:
                if not line.strip():
                    continue
                header = _parse_header(line)
                if header is None:
                    raise SectionConfigError("syntax error (expected header)")
                stype = types.get(header[0])
                if stype is None:
                    raise SectionConfigError(f"unknown section type '{header[0]}'")
                current = (stype, header[1], {})
                continue
            if not line.strip():
                finish()
                current = None
                continue
            content = _parse_content(line)
            if content is None:
                raise SectionConfigError("syntax error (expected section properties)")
            key, value = content
            stype, _, props = current
            prop = stype.properties.properties.get(key)
            if prop is None:
                raise SectionConfigError(f"unknown property '{key}'")
            is_array = isinstance(prop.schema, ArraySchema)
            item_schema = prop.schema.items if isinstance(prop.schema, ArraySchema) else prop.schema
            try:
                parsed = item_schema.parse_simple(value)
            except SchemaViolation as exc:
                raise SectionConfigError(f"property '{key}': {exc.message}") from None
            if is_array:
                props.setdefault(key, []).append(parsed)
            elif key in props:
                raise SectionConfigError(f"duplicate property '{key}'")
            else:
                props[key] = parsed
        if current is not None:
            finish()
    except SectionConfigError as exc:
        raise SectionConfigError(f"parsing {filename!r} failed: line {line_no} - {exc}") from None
    return result
