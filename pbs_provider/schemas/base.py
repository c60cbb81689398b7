"""The base of every schema model: one pydantic model per PBS object, and what derives from it.

A subclass declares the PBS object's fields once (type, bounds, description, `PbsField` facts)
plus its cross-field rules. From that declaration this module derives, for the provider machine:

* validation of Pulumi inputs field by field, skipping values unknown at preview, with messages
  that name the input and the rule (`validate_inputs`, `parse`);
* the reading of a PBS answer into the same canonical values (`from_pbs`);
* the request bodies: `post_body` (only the fields that are set) and `plan_update` (changed
  fields, `delete[]` for removed deletable ones, PBS's reset value for the others);
* the semantic comparison that diffs use (`differences`), where absent equals PBS's default;
* the version requirements of a config (`version_requirements`).

Instances are only built from validated values (`model_construct`), so `model_fields_set` is
exactly "the fields the user set".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.alias_generators import to_camel

from .field import FieldSpec, PbsField
from .messages import Failure, field_failure
from .rules import RULE_MARKER, CrossFieldRule, VersionRequirement


class InvalidInputs(ValueError):
    """Inputs broke schema rules; `.failures` lists them (messages never quote secrets)."""

    def __init__(self, noun: str, failures: list[Failure]) -> None:
        self.failures = failures
        super().__init__(f"invalid {noun}: " + "; ".join(f.message for f in failures))


@dataclass
class Validation:
    """The result of validating inputs: canonical values of the valid, known, set fields."""

    schema: type[PbsObject]
    values: dict[str, Any] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    invalid: set[str] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    _model: PbsObject | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.failures

    def model(self) -> PbsObject:
        """A model of the valid known values (unset/unknown fields read as None), built once."""
        if self._model is None:
            self._model = self.schema.from_values(self.values)
        return self._model


@dataclass(frozen=True)
class UpdatePlan:
    """What a `PUT` must carry to turn the live object into the desired one."""

    set: dict[str, Any]
    """PBS name → wire value of fields to set."""
    delete: list[str]
    """PBS names for `delete[]`."""
    reset: dict[str, Any]
    """Non-deletable fields cleared the PBS way (PBS name → reset value)."""

    @property
    def empty(self) -> bool:
        return not (self.set or self.delete or self.reset)

    def fields(self) -> list[str]:
        return sorted([*self.set, *self.delete, *self.reset])

    def next_request(self) -> dict[str, Any] | None:
        """The body of the next `PUT` (None when nothing is left to do).

        Resets of non-deletable fields go in a request of their own first: PBS validates the
        combination of fields in a request (it refuses `resync-corrupt` next to
        `sync-direction=push`), not only the resulting object.
        """
        if self.empty:
            return None
        if self.reset and (self.set or self.delete):
            return dict(self.reset)
        body: dict[str, Any] = {**self.set, **self.reset}
        if self.delete:
            body["delete"] = list(self.delete)
        return body


class PbsObject(BaseModel):
    """Base model: the `server` input that every resource has, and the derivation machinery."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, validate_default=False
    )

    noun: ClassVar[str] = "object"
    """What PBS calls the object, for messages ("remote", "sync job")."""

    server: Annotated[str, PbsField(local=True, replace_on_change=True)] = Field(
        min_length=1,
        description="Name of the PBS server (a key of the stack config's `servers` map) that holds "
        "the object. Changing it creates the object on the new server and deletes the old one.",
    )

    _specs: ClassVar[tuple[FieldSpec, ...]] = ()
    _rules: ClassVar[tuple[CrossFieldRule, ...]] = ()
    _subsets: ClassVar[dict[str, tuple[FieldSpec, ...]]] = dict.fromkeys(
        ("input", "output_only", "identity", "once", "trigger", "secret", "since"), ()
    )
    """The field table's subsets (`input_specs()` …), computed once per class."""
    _by_name: ClassVar[dict[str, FieldSpec]] = {}
    _by_input: ClassVar[dict[str, FieldSpec]] = {}
    _input_positions: ClassVar[dict[str, int]] = {}
    """Pulumi name → index in `input_specs()`."""
    _required_positions: ClassVar[tuple[int, ...]] = ()
    _read_only_inputs: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[tuple[tuple[str, bool, Any], ...] | None] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        specs = []
        for name, info in cls.model_fields.items():
            facts = next((m for m in info.metadata if isinstance(m, PbsField)), PbsField())
            pbs_name = None if facts.local else (facts.pbs_name or name.replace("_", "-"))
            specs.append(
                FieldSpec(
                    name=name,
                    input_name=info.alias or to_camel(name),
                    pbs_name=pbs_name,
                    required=info.is_required(),
                    description=info.description or "",
                    pbs=facts,
                    info=info,
                    adapter=TypeAdapter(info.rebuild_annotation()),
                )
            )
        # inputs first, then read-only facts (a status mixin's fields come first in pydantic's order)
        specs.sort(key=lambda spec: spec.pbs.output_only)
        cls._specs = tuple(specs)
        cls._subsets = {
            "input": tuple(s for s in specs if s.is_input),
            "output_only": tuple(s for s in specs if s.pbs.output_only),
            "identity": tuple(s for s in specs if s.pbs.identity),
            "once": tuple(s for s in specs if s.pbs.once),
            "trigger": tuple(s for s in specs if s.pbs.trigger is not None),
            "secret": tuple(s for s in specs if s.pbs.secret),
            "since": tuple(s for s in specs if s.is_input and s.pbs.since is not None),
        }
        by_name: dict[str, FieldSpec] = {}
        for spec in reversed(specs):  # the first field with a name wins, as in a search in order
            for name in (spec.pbs_name, spec.input_name, spec.name):
                if name is not None:
                    by_name[name] = spec
        cls._by_name = by_name
        cls._by_input = {s.input_name: s for s in specs}
        inputs = cls._subsets["input"]
        cls._input_positions = {s.input_name: i for i, s in enumerate(inputs)}
        cls._required_positions = tuple(i for i, s in enumerate(inputs) if s.required)
        cls._read_only_inputs = tuple(s.input_name for s in cls._subsets["output_only"])
        cls._defaults = cls._plain_defaults()
        rules = []
        for attr in dir(cls):
            method = getattr(cls, attr, None)
            reads = getattr(method, RULE_MARKER, None)
            if reads is not None:
                unknown = set(reads) - set(cls.model_fields)
                if unknown:
                    raise TypeError(f"{cls.__name__}.{attr} reads unknown fields {sorted(unknown)}")
                rules.append(CrossFieldRule(reads, method))
        cls._rules = tuple(rules)

    # ---- the field table ------------------------------------------------------------------

    @classmethod
    def specs(cls) -> tuple[FieldSpec, ...]:
        """Every field, in declaration order (base fields first)."""
        return cls._specs

    @classmethod
    def spec(cls, name: str) -> FieldSpec:
        """The field with this Python, Pulumi or PBS name."""
        found = cls._by_name.get(name)
        if found is None:
            raise KeyError(f"{cls.__name__} has no field {name!r}")
        return found

    @classmethod
    def input_specs(cls) -> tuple[FieldSpec, ...]:
        return cls._subsets["input"]

    @classmethod
    def output_only_specs(cls) -> tuple[FieldSpec, ...]:
        return cls._subsets["output_only"]

    @classmethod
    def identity_specs(cls) -> tuple[FieldSpec, ...]:
        return cls._subsets["identity"]

    @classmethod
    def once_specs(cls) -> tuple[FieldSpec, ...]:
        """Facts PBS reveals only in the answer to a write (kept from state afterwards)."""
        return cls._subsets["once"]

    @classmethod
    def trigger_specs(cls) -> tuple[FieldSpec, ...]:
        """Provider-side inputs whose change sends PBS a request of their own (`regenerate`)."""
        return cls._subsets["trigger"]

    @classmethod
    def secret_inputs(cls) -> tuple[str, ...]:
        """Pulumi names of secret fields (for `additional_secret_outputs`)."""
        return tuple(s.input_name for s in cls._subsets["secret"])

    @classmethod
    def rules(cls) -> tuple[CrossFieldRule, ...]:
        return cls._rules

    # ---- building models ------------------------------------------------------------------

    @classmethod
    def _plain_defaults(cls) -> tuple[tuple[str, bool, Any], ...] | None:
        """(name, required, default) per field when `from_values` may build instances itself:
        every default an immutable constant, no aliases that could pick up a value, no post-init.
        None: use `model_construct`."""
        if cls.__pydantic_post_init__ or cls.model_config.get("extra") == "allow":
            return None
        plain = []
        for name, info in cls.model_fields.items():
            aliases = {info.alias, info.validation_alias} - {None, name}
            if info.default_factory is not None or aliases & cls.model_fields.keys():
                return None
            default = None if info.is_required() else info.default
            if default is not None and default.__class__ not in (str, int, float, bool):
                return None
            plain.append((name, info.is_required(), default))
        return tuple(plain)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Self:
        """A model of already canonical values (Python names); None counts as unset.

        What `model_construct` builds (set fields, defaults for the unset optional ones, nothing
        for unset required ones), without its per-field alias search when the defaults allow."""
        present = {k: v for k, v in values.items() if v is not None}
        plain = cls._defaults
        if plain is None or not present.keys() <= cls.model_fields.keys():
            return cls.model_construct(_fields_set=set(present), **present)
        fields: dict[str, Any] = {}
        for name, required, default in plain:
            if name in present:
                fields[name] = present[name]
            elif not required:
                fields[name] = default
        model = cls.__new__(cls)
        object.__setattr__(model, "__dict__", fields)
        object.__setattr__(model, "__pydantic_fields_set__", set(present))
        object.__setattr__(model, "__pydantic_extra__", None)
        object.__setattr__(model, "__pydantic_private__", None)
        return model

    @classmethod
    def validate_inputs(cls, inputs: Mapping[str, Any], unknown: Iterable[str] = ()) -> Validation:
        """Validate Pulumi inputs (camelCase keys) field by field, then the cross-field rules.

        `unknown` names inputs whose values are not known yet (preview): they are neither
        validated nor reported missing, and rules reading them are skipped. Keys starting with
        `__` (Pulumi's `__provider`) are ignored.
        """
        result = Validation(cls)
        unknown_inputs = set(unknown)
        by_input = cls._by_input
        strays = [key for key in inputs if key not in by_input and not key.startswith("__")]
        strays += [name for name in cls._read_only_inputs if inputs.get(name) is not None]
        for key in sorted(strays):
            if key in unknown_inputs:
                continue
            if key not in by_input:
                valid = ", ".join(f"`{s.input_name}`" for s in cls.input_specs())
                result.failures.append(
                    Failure(key, f"`{key}` is not an input of a {cls.noun}; inputs: {valid}")
                )
            else:
                result.failures.append(
                    Failure(key, f"`{key}` is read-only: PBS reports it, it cannot be set")
                )
        # only the inputs given, unknown or required can change the result; in declaration order
        positions = cls._input_positions
        todo = {positions[key] for key in inputs if key in positions}
        todo.update(positions[key] for key in unknown_inputs if key in positions)
        todo.update(cls._required_positions)
        specs = cls.input_specs()
        for index in sorted(todo):
            spec = specs[index]
            if spec.input_name in unknown_inputs:
                result.unknown.add(spec.name)
                continue
            raw = inputs.get(spec.input_name)
            if raw is None:
                if spec.required:
                    result.invalid.add(spec.name)
                    result.failures.append(Failure(spec.input_name, f"`{spec.input_name}` is required"))
                continue
            try:
                value = spec.validate(raw)
            except ValidationError as error:
                result.invalid.add(spec.name)
                result.failures.extend(
                    field_failure(spec.input_name, detail, secret=spec.pbs.secret)
                    for detail in error.errors(include_url=False)
                )
                continue
            if value is not None:
                result.values[spec.name] = value
        model = result.model()
        blocked = result.unknown | result.invalid
        for rule in cls._rules:
            if blocked.isdisjoint(rule.reads):
                result.failures.extend(rule.run(model))
        return result

    @classmethod
    def parse(cls, inputs: Mapping[str, Any]) -> Self:
        """Validated model of complete inputs; raises `InvalidInputs` listing every failure."""
        result = cls.validate_inputs(inputs)
        if result.failures:
            raise InvalidInputs(cls.noun, result.failures)
        return cls.from_values(result.values)

    @classmethod
    def from_pbs(cls, data: Mapping[str, Any]) -> Self:
        """The model of a PBS answer (kebab-case keys). Unknown keys are ignored; a value this
        schema would reject is kept as PBS sent it, so it shows as a difference, not a crash."""
        values: dict[str, Any] = {}
        for spec in cls._specs:
            if spec.pbs_name is None or spec.pbs_name not in data or data[spec.pbs_name] is None:
                continue
            raw = data[spec.pbs_name]
            try:
                values[spec.name] = spec.validate(raw)
            except ValidationError:
                values[spec.name] = raw
        return cls.from_values(values)

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        """The repr never shows a secret field's value."""
        secret = {s.name for s in self._specs if s.pbs.secret}
        for name, value in super().__repr_args__():
            yield name, ("***" if name in secret and value is not None else value)

    # ---- reading a model ------------------------------------------------------------------

    def set_values(self) -> dict[str, Any]:
        """Python name → canonical value of every field that is set."""
        return {n: getattr(self, n) for n in self.model_fields_set if getattr(self, n) is not None}

    def get(self, name: str) -> Any:
        """The value of a field (any of its names), None when unset."""
        spec = self._by_name.get(name)
        if spec is None:
            raise KeyError(f"{type(self).__name__} has no field {name!r}")
        return getattr(self, spec.name, None)

    def key(self) -> str:
        """The object's id in PBS (its identity field; '/'-joined when there are several)."""
        return "/".join(str(getattr(self, s.name)) for s in self.identity_specs())

    def wire_values(self) -> dict[str, Any]:
        """Pulumi name → wire value of every set field (inputs, local inputs and facts)."""
        return {
            s.input_name: s.wire(v) for s in self._specs if (v := getattr(self, s.name, None)) is not None
        }

    # ---- request bodies -------------------------------------------------------------------

    def post_body(self) -> dict[str, Any]:
        """Body of the create request: every set field PBS knows about, nothing else."""
        return {
            s.pbs_name: s.wire(v)
            for s in self._specs
            if s.sent_to_pbs and (v := getattr(self, s.name, None)) is not None
        }

    def plan_update(self, live: PbsObject, *, send_write_only: bool) -> UpdatePlan:
        """The `PUT` that turns `live` (read from PBS) into `self` (desired).

        Only fields whose meaning differs are sent. A field the desired state leaves unset is
        removed with `delete[]` if PBS allows that, else reset to its `reset_to` value. When
        anything is to be written at all, fields PBS holds explicitly at their default while the
        desired state leaves them unset are deleted too, so the stored config says what the
        program says. Write-only fields cannot be compared (PBS never returns them): they are
        sent when `send_write_only` is true and they are set.
        """
        to_set: dict[str, Any] = {}
        to_delete: list[str] = []
        to_reset: dict[str, Any] = {}
        tidy: list[str] = []
        for spec in self._specs:
            if not spec.sent_to_pbs or spec.pbs.identity:
                continue
            assert spec.pbs_name is not None
            desired = getattr(self, spec.name, None)
            if spec.pbs.write_only:
                if send_write_only and desired is not None:
                    to_set[spec.pbs_name] = spec.wire(desired)
                continue
            current = getattr(live, spec.name, None)
            if spec.same(desired, current):
                if desired is None and current is not None and spec.pbs.deletable:
                    tidy.append(spec.pbs_name)
                continue
            if desired is not None:
                to_set[spec.pbs_name] = spec.wire(desired)
            elif spec.pbs.deletable:
                to_delete.append(spec.pbs_name)
            else:
                to_reset[spec.pbs_name] = spec.wire(spec.pbs.reset_to)
        if to_set or to_delete or to_reset:
            to_delete.extend(tidy)
        return UpdatePlan(to_set, to_delete, to_reset)

    # ---- comparing ------------------------------------------------------------------------

    @classmethod
    def differences(
        cls, old: PbsObject, new: PbsObject, *, include_write_only: bool = True
    ) -> list[FieldSpec]:
        """Input fields whose meaning differs between two models (absent = PBS default)."""
        return [
            s
            for s in cls.input_specs()
            if s.pbs.diff
            and (include_write_only or not s.pbs.write_only)
            and not s.same(getattr(old, s.name, None), getattr(new, s.name, None))
        ]

    # ---- versions -------------------------------------------------------------------------

    def version_requirements(self) -> list[VersionRequirement]:
        """What this config needs from the server's PBS version. Subclasses add value rules."""
        return [
            VersionRequirement(s.input_name, f"`{s.input_name}`", s.pbs.since)
            for s in self._subsets["since"]
            if getattr(self, s.name, None) is not None
        ]


class AdoptablePbsObject(PbsObject):
    """A PBS object that may exist before the stack manages it (remotes, jobs, users …)."""

    adopt: Annotated[bool, PbsField(local=True, diff=False, default=False)] = Field(
        default=False,
        description="Take over an object of the same id that already exists on the server, and "
        "change it to match this resource, instead of failing. Dynamic providers cannot "
        "`pulumi import`, so this is how existing PBS objects come under management.",
    )
