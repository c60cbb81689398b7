"""A small proxmox-schema: PBS's parameter schemas, form/JSON parsing and verification messages.

PBS checks every request against an object schema before a handler runs. This module reproduces
that machinery faithfully: boolean/integer/string/array schemas with PBS's constraint messages,
``parse_form`` (x-www-form-urlencoded and query strings: ``1/on/yes/true`` booleans, repeated keys
for arrays, ``duplicate parameter.``, unknown keys rejected) and ``verify_json`` (typed JSON bodies).
Properties carry the PBS version that introduced them, so :meth:`ObjectSchema.at_version` yields
the schema an older server would use (a newer field is then an "additional property").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pbs_sim import errors
from pbs_sim.errors import ApiError, ParameterError, SchemaViolation
from pbs_types.errors import PbsValueError, rust_debug_str
from pbs_types.rules import IntegerRule, StringRule

Version = tuple[int, int, int]

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1


def parse_boolean(text: str) -> bool:
    """PBS's boolean parsing for form values (case-insensitive)."""
    lowered = text.lower()
    if lowered in ("1", "on", "yes", "true"):
        return True
    if lowered in ("0", "off", "no", "false"):
        return False
    raise SchemaViolation(errors.UNABLE_TO_PARSE_BOOLEAN)


def parse_i64(text: str) -> int:
    """Rust's ``str::parse::<i64>()``: optional sign, ASCII digits only, with Rust's error texts."""
    if text == "":
        raise SchemaViolation(errors.INTEGER_PARSE_EMPTY)
    digits = text[1:] if text[0] in "+-" else text
    if digits == "" or not all("0" <= c <= "9" for c in digits):
        raise SchemaViolation(errors.INTEGER_PARSE_INVALID_DIGIT)
    value = int(text)
    if value > I64_MAX:
        raise SchemaViolation(errors.INTEGER_PARSE_OVERFLOW_POS)
    if value < I64_MIN:
        raise SchemaViolation(errors.INTEGER_PARSE_OVERFLOW_NEG)
    return value


class Schema:
    """Base of all value schemas."""

    def parse_simple(self, text: str) -> Any:
        raise NotImplementedError

    def verify_json(self, value: Any) -> None:
        raise NotImplementedError

    def at_version(self, version: Version) -> Schema:
        return self


@dataclass(frozen=True)
class BooleanSchema(Schema):
    default: bool | None = None

    def parse_simple(self, text: str) -> bool:
        return parse_boolean(text)

    def verify_json(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise SchemaViolation(errors.EXPECTED_BOOLEAN)


@dataclass(frozen=True)
class IntegerSchema(Schema):
    """An integer checked by a pbs_types ``IntegerRule`` (bounds with PBS's messages)."""

    rule: IntegerRule | None = None
    default: int | None = None

    def check(self, value: int) -> None:
        if self.rule is None:
            return
        try:
            self.rule.check(value)
        except PbsValueError as exc:
            raise SchemaViolation(str(exc)) from None

    def parse_simple(self, text: str) -> int:
        value = parse_i64(text)
        self.check(value)
        return value

    def verify_json(self, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not I64_MIN <= value <= I64_MAX:
            raise SchemaViolation(errors.EXPECTED_INTEGER)
        self.check(value)


@dataclass(frozen=True)
class NumberSchema(Schema):
    minimum: float | None = None
    maximum: float | None = None

    def check(self, value: float) -> None:
        if self.minimum is not None and value < self.minimum:
            raise SchemaViolation(f"value must have a minimum value of {self.minimum} (got {value})")
        if self.maximum is not None and value > self.maximum:
            raise SchemaViolation(f"value must have a maximum value of {self.maximum} (got {value})")

    def parse_simple(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise SchemaViolation("invalid float literal") from None
        self.check(value)
        return value

    def verify_json(self, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SchemaViolation("Expected number value.")
        self.check(float(value))


@dataclass(frozen=True)
class TypedParse:
    """The typed second step of a parameter, after its schema passed: PBS deserialises it into a
    Rust type whose ``FromStr`` checks more (``Userid``, ``Authid``). A refusal is serde's message,
    ``invalid value: string "<value>", expected <expecting>`` (``serde_plain``'s derive)."""

    parse: Callable[[str], object]
    expecting: str

    def check(self, value: str) -> None:
        try:
            self.parse(value)
        except PbsValueError:
            shown = rust_debug_str(value)
            raise ApiError(f"invalid value: string {shown}, expected {self.expecting}") from None


@dataclass(frozen=True)
class StringSchema(Schema):
    """A string checked by a pbs_types ``StringRule`` (length, then pattern or verify function),
    or an enumeration. ``enum_since`` maps enumeration values to the PBS version that added them.
    """

    rule: StringRule | None = None
    enum: tuple[str, ...] | None = None
    enum_since: Mapping[str, Version] = field(default_factory=dict)
    typed: TypedParse | None = None

    def check(self, value: str) -> None:
        if self.rule is not None:
            try:
                self.rule.check(value)
            except PbsValueError as exc:
                raise SchemaViolation(str(exc)) from None
        if self.enum is not None and value not in self.enum:
            raise SchemaViolation(errors.not_in_enum(value))

    def parse_simple(self, text: str) -> str:
        self.check(text)
        return text

    def verify_json(self, value: Any) -> None:
        if not isinstance(value, str):
            raise SchemaViolation(errors.EXPECTED_STRING)
        self.check(value)

    def at_version(self, version: Version) -> StringSchema:
        if self.enum is None or not self.enum_since:
            return self
        kept = tuple(v for v in self.enum if self.enum_since.get(v, (0, 0, 0)) <= version)
        return replace(self, enum=kept)


@dataclass(frozen=True)
class ArraySchema(Schema):
    items: Schema
    min_length: int | None = None
    max_length: int | None = None

    def parse_simple(self, text: str) -> Any:
        raise SchemaViolation("unable to parse complex (sub) objects.")

    def verify_json(self, value: Any) -> None:
        if isinstance(value, dict):
            raise SchemaViolation(errors.EXPECTED_ARRAY_OBJECT)
        if not isinstance(value, list):
            raise SchemaViolation(errors.EXPECTED_ARRAY_SCALAR)
        if self.min_length is not None and len(value) < self.min_length:
            raise SchemaViolation(f"array must contain at least {self.min_length} elements")
        if self.max_length is not None and len(value) > self.max_length:
            raise SchemaViolation(f"array may only contain {self.max_length} elements")
        for index, item in enumerate(value):
            try:
                self.items.verify_json(item)
            except SchemaViolation as exc:
                raise ParameterError([(f"[{index}]", exc.message)]) from None

    def at_version(self, version: Version) -> ArraySchema:
        return replace(self, items=self.items.at_version(version))


@dataclass(frozen=True)
class Property:
    """One property of an object schema: its schema, optionality and the PBS version that added it."""

    schema: Schema
    optional: bool = True
    since: Version | None = None


class ObjectSchema:
    """An object of named properties; no additional properties (like every PBS endpoint used here)."""

    def __init__(self, properties: Mapping[str, Property]) -> None:
        self.properties: dict[str, Property] = dict(sorted(properties.items()))

    def __contains__(self, name: str) -> bool:
        return name in self.properties

    def extend(self, properties: Mapping[str, Property]) -> ObjectSchema:
        return ObjectSchema({**self.properties, **properties})

    def without(self, *names: str) -> ObjectSchema:
        return ObjectSchema({k: v for k, v in self.properties.items() if k not in names})

    def all_optional(self) -> ObjectSchema:
        return ObjectSchema({k: replace(v, optional=True) for k, v in self.properties.items()})

    def at_version(self, version: Version) -> ObjectSchema:
        kept = {
            name: replace(prop, schema=prop.schema.at_version(version))
            for name, prop in self.properties.items()
            if prop.since is None or prop.since <= version
        }
        return ObjectSchema(kept)

    def parse_form(self, pairs: Iterable[tuple[str, str]], test_required: bool = True) -> dict[str, Any]:
        """Parse key/value strings like proxmox-schema's ``parse_parameter_strings``."""
        params: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for key, value in pairs:
            prop = self.properties.get(key)
            if prop is None:
                problems.append((key, errors.NO_ADDITIONAL_PROPERTIES_FORM))
                continue
            schema = prop.schema
            try:
                if isinstance(schema, ArraySchema):
                    parsed = schema.items.parse_simple(value)
                    params.setdefault(key, []).append(parsed)
                else:
                    parsed = schema.parse_simple(value)
                    if key in params:
                        problems.append((key, errors.DUPLICATE_PARAMETER))
                    else:
                        params[key] = parsed
            except SchemaViolation as exc:
                problems.append((key, exc.message))
        if test_required and not problems:
            for name, prop in self.properties.items():
                if not prop.optional and name not in params:
                    problems.append((name, errors.MISSING_PARAMETER_FORM))
        if problems:
            raise ParameterError(problems)
        return params

    def deserialize(self, params: Mapping[str, Any]) -> None:
        """The handler's typed step after the schema check (``serde_json::from_value`` per
        parameter): each typed string parameter is parsed, the first refusal is a 400."""
        for name, prop in self.properties.items():
            schema = prop.schema
            items = schema.items if isinstance(schema, ArraySchema) else schema
            if not isinstance(items, StringSchema) or items.typed is None or name not in params:
                continue
            value = params[name]
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    items.typed.check(item)

    def verify_json(self, data: Any) -> None:
        """Verify a JSON object like proxmox-schema's ``ObjectSchemaType::verify_json``."""
        if isinstance(data, list):
            raise ApiError(errors.EXPECTED_OBJECT_ARRAY)
        if not isinstance(data, dict):
            raise ApiError(errors.EXPECTED_OBJECT_SCALAR)
        problems: list[tuple[str, str]] = []
        for key in sorted(data):
            prop = self.properties.get(key)
            if prop is None:
                problems.append((key, errors.NO_ADDITIONAL_PROPERTIES_JSON))
                continue
            try:
                prop.schema.verify_json(data[key])
            except SchemaViolation as exc:
                problems.append((key, exc.message))
            except ParameterError as exc:
                problems.extend((f"{key}/{name}", msg) for name, msg in exc.errors)
        for name, prop in self.properties.items():
            if not prop.optional and data.get(name) is None:
                problems.append((name, errors.MISSING_PROPERTY_JSON))
        if problems:
            raise ParameterError(problems)
