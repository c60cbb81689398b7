"""PBS's section-config text format: parse and format ``type: id`` sections (one module, both ways).

Format (proxmox-section-config): a header line ``<type>: <id>``, then one line per property
``\\t<key> <value>`` (tab-indented; booleans as ``true``/``false``; arrays as repeated keys; an empty
string as ``\\t<key> `` with nothing after the space), and one blank line between sections. Keys are
written in sorted order (PBS serialises through a sorted JSON map). Values are typed on reading with
the section type's property schema, so ``port 8007`` reads back as an integer.

Save and read rules as in PBS (the value rules themselves are in ``pbs_types.config_text``): the
writer checks each section id against its schema and each section against its property schema,
and refuses any Unicode control character (``char::is_control``); the reader splits lines at
``\\n`` only and trims keys and values with Rust's ``str::trim``. ``write_config`` also parses its
own output back and refuses a change that would make the file unreadable (PBS would store it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from pbs_sim.errors import ApiError, SchemaViolation
from pbs_sim.schema import ArraySchema, ObjectSchema
from pbs_types import config_text
from pbs_types.errors import rust_debug_str
from pbs_types.rules import RUST_WHITESPACE

PBS_CONFIG_DIR = "/etc/proxmox-backup"


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


def pbs_path(filename: str) -> str:
    """The path PBS names in its messages for a config file (``remote.cfg`` ->
    ``/etc/proxmox-backup/remote.cfg``), whatever directory the simulator keeps it in."""
    return f"{PBS_CONFIG_DIR}/{PurePath(filename).name}" if filename else ""


def _format_value(section_id: str, key: str, value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | str):
        text = str(value)
    else:
        raise SectionConfigError(f"got unsupported type in section '{section_id}' key '{key}'")
    if config_text.has_control(text):
        raise SectionConfigError(config_text.control_character_error(section_id, key).message)
    return f"\t{key} {text}\n"


def _check_section(section_id: str, stype: SectionType, props: Mapping[str, Any]) -> None:
    """The writer's checks before a section is rendered: the id against the id property's
    schema, no control character in the id, then the whole section against its schema."""
    id_prop = stype.properties.properties.get(stype.id_property)
    if id_prop is not None:
        try:
            id_prop.schema.parse_simple(section_id)
        except SchemaViolation as exc:
            raise SectionConfigError(f"syntax error in section identifier: {exc.message}") from None
    if config_text.has_control(section_id):
        raise SectionConfigError("detected unexpected control character in section ID.")
    try:
        stype.properties.verify_json(
            {stype.id_property: section_id, **{k: v for k, v in props.items() if v is not None}}
        )
    except ApiError as exc:
        raise SectionConfigError(f"verify section '{section_id}' failed - {exc.message}") from None


def format_config(data: SectionConfigData, types: Mapping[str, SectionType] | None = None) -> str:
    """Render sections exactly as PBS writes them (``SectionConfig::write``).

    With ``types``, each section is first checked as PBS's writer checks it (id schema, the
    section's property schema, so e.g. a stored HumanByte text or a base64 password is checked
    again); without, only the control-character rule applies.
    """
    chunks: list[str] = []
    for section_id, (type_name, props) in data.sections.items():
        if types is not None:
            stype = types.get(type_name)
            if stype is None:
                raise SectionConfigError(f"unknown section type '{type_name}'")
            _check_section(section_id, stype, props)
        elif config_text.has_control(section_id):
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


def write_config(data: SectionConfigData, types: Mapping[str, SectionType], filename: str = "") -> str:
    """The text to store, or ``SectionConfigError`` worded as PBS's ``writing "<file>" failed: ...``.

    Beyond PBS: the text is parsed back before it is returned, and refused if that fails. PBS
    would write such a file and then fail every later read of it (a value whose trimmed form
    breaks its schema, e.g. the first name ``"a "``, min. 2 characters, read back as ``"a"``);
    the simulator refuses the change instead of corrupting its own file.
    """
    where = rust_debug_str(pbs_path(filename))
    try:
        raw = format_config(data, types)
    except SectionConfigError as exc:
        raise SectionConfigError(f"writing {where} failed: {exc}") from None
    try:
        parse_config(raw, types, filename)
    except SectionConfigError as exc:
        raise SectionConfigError(f"writing {where} failed: the file would not read back: {exc}") from None
    return raw


def _parse_header(line: str) -> tuple[str, str] | None:
    if not line or not line[0].isalpha() or ":" not in line:
        return None
    type_name, _, section_id = line.partition(":")
    type_name, section_id = config_text.rust_trim(type_name), config_text.rust_trim(section_id)
    if not type_name:
        return None
    return type_name, section_id


def _parse_content(line: str) -> tuple[str, str] | None:
    """``default_parse_section_content``: a whitespace-led line, key up to the first whitespace,
    the rest trimmed (Rust's ``char::is_whitespace`` and ``str::trim``)."""
    if not line or line[0] not in RUST_WHITESPACE:
        return None
    stripped = line.lstrip(RUST_WHITESPACE)
    for index, char in enumerate(stripped):
        if char in RUST_WHITESPACE:
            key = config_text.rust_trim(stripped[:index])
            value = config_text.rust_trim(stripped[index + 1 :])
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
        for line_no, line in enumerate(config_text.split_lines(raw), start=1):  # noqa: B007
            if current is None:
                if not config_text.rust_trim(line):
                    continue
                header = _parse_header(line)
                if header is None:
                    raise SectionConfigError("syntax error (expected header)")
                stype = types.get(header[0])
                if stype is None:
                    raise SectionConfigError(f"unknown section type '{header[0]}'")
                id_prop = stype.properties.properties.get(stype.id_property)
                if id_prop is not None:
                    try:
                        id_prop.schema.parse_simple(header[1])
                    except SchemaViolation as exc:
                        raise SectionConfigError(
                            f"syntax error in section identifier: {exc.message}"
                        ) from None
                current = (stype, header[1], {})
                continue
            if not config_text.rust_trim(line):
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
        raise SectionConfigError(
            f"parsing {rust_debug_str(pbs_path(filename))} failed: line {line_no} - {exc}"
        ) from None
    return result
