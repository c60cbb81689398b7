"""What PBS and Pulumi need to know about one field of a schema model, beyond its type.

A schema model (see `base.py`) declares each field once with pydantic: the type carries the PBS
grammar and bounds, `Field(description=...)` the documentation, and a `PbsField` in the
`Annotated[...]` metadata the rest: the PBS (kebab-case) name, the first PBS version that has the
field, whether `delete[]` can remove it, whether a change replaces the object, whether it is a
secret or write-only, and what PBS means when it is absent. `FieldSpec` is the resolved view of
one field that the provider machine, the diff and the docs read.

Validating and serialising a field is a pure function of the value for every type but those
marked `VARIES_WITH_TIME` (a calendar event must still have a next run), so `FieldSpec` remembers
the answers for scalar values (str, int, float, bool — keyed with their type, so `True` is never
`1`): a plugin validates the same stores, remotes and schedules for every job of a stack, and the
same inputs again in Check, Diff and Create. Only successes with scalar results are kept; errors
are computed every time.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter
from pydantic.fields import FieldInfo

from pbs_types.version import parse_version


@dataclass(frozen=True)
class PbsField:
    """PBS facts about a field; put one in the field's `Annotated[...]` metadata.

    * `pbs_name`: the PBS parameter name when it is not the kebab-case of the Python name
      (`job_id` is PBS's `id`).
    * `since`: first PBS version that knows the field (`None`: every supported version).
    * `deletable`: `PUT` can remove it with `delete[]`. A non-deletable optional field is
      cleared by sending `reset_to` instead (PBS's way for `resync-corrupt`).
    * `replace_on_change`: a change means a new object (the PBS id, the target server).
    * `secret`: never shown in plaintext (state secret, redacted from messages).
    * `write_only`: PBS accepts it but never returns it (the remote password); outputs carry
      the desired value over.
    * `identity`: the object's key in PBS (a path parameter, not sent on `PUT`).
    * `local`: a provider-side input that is never sent to PBS (`server`, `adopt`).
    * `output_only`: a read-only fact PBS reports; never an input.
    * `diff`: `False` for inputs that do not describe the PBS object (`adopt`).
    * `default`: what PBS assumes when the field is absent (absent and this value compare equal).
    * `compare`: maps a (canonical) value to the key used to decide "changed or not", for values
      whose order or spelling does not matter to PBS.
    * `once`: an `output_only` fact PBS reveals only in the answer to a write (a new API token's
      secret): outputs keep the last revealed value from state, since no read shows it again.
    * `trigger`: a provider-side (`local`) input whose change, on update, sends PBS a request of
      its own with `{trigger: true}` (`regenerate` for an API token); its answer may reveal
      `once` facts. Any change of the value fires it, the value itself means nothing to PBS.
    """

    pbs_name: str | None = None
    since: str | None = None
    deletable: bool = True
    reset_to: Any = None
    replace_on_change: bool = False
    secret: bool = False
    write_only: bool = False
    identity: bool = False
    local: bool = False
    output_only: bool = False
    diff: bool = True
    default: Any = None
    compare: Callable[[Any], Any] | None = None
    once: bool = False
    trigger: str | None = None

    def __post_init__(self) -> None:
        if self.since is not None:
            parse_version(self.since)  # a typo in a schema fails at import, not at preview
        if self.once and not self.output_only:
            raise TypeError("a `once` field is a fact PBS reveals: it must be `output_only`")
        if self.trigger is not None and not self.local:
            raise TypeError("a `trigger` input is provider-side: it must be `local`")


class _VariesWithTime:
    """Marks a type whose validity depends on the current time (put it in `Annotated[...]`)."""

    def __repr__(self) -> str:
        return "VARIES_WITH_TIME"


VARIES_WITH_TIME = _VariesWithTime()
_SCALARS = frozenset({str, int, float, bool})
_MEMO_LIMIT = 4096
"""Remembered values per field; the memo starts over when full."""
_MISSING = object()


def _varies_with_time(annotation: Any) -> bool:
    """Whether `VARIES_WITH_TIME` appears anywhere in a (possibly nested) annotation."""
    if any(m is VARIES_WITH_TIME for m in getattr(annotation, "__metadata__", ())):
        return True
    return any(_varies_with_time(arg) for arg in typing.get_args(annotation))


@dataclass(frozen=True)
class FieldSpec:
    """One field of a schema model, resolved: names, requiredness, PBS facts and its validator."""

    name: str
    """Python attribute name (snake_case)."""
    input_name: str
    """Pulumi input/output name (camelCase)."""
    pbs_name: str | None
    """PBS parameter name (kebab-case); None for provider-side inputs."""
    required: bool
    description: str
    pbs: PbsField
    info: FieldInfo
    adapter: TypeAdapter[Any]
    _valid: dict[tuple[type, Any], Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    _wired: dict[tuple[type, Any], Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    _memo: bool = field(default=True, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        timed = _varies_with_time(self.info.rebuild_annotation()) or any(
            m is VARIES_WITH_TIME for m in self.info.metadata
        )
        object.__setattr__(self, "_memo", not timed)

    def validate(self, raw: Any) -> Any:
        """The canonical value of `raw` (the field's pydantic validation; raises ValidationError)."""
        if not self._memo or raw.__class__ not in _SCALARS:
            return self.adapter.validate_python(raw)
        key = (raw.__class__, raw)
        value = self._valid.get(key, _MISSING)
        if value is _MISSING:
            value = self.adapter.validate_python(raw)
            if value is None or value.__class__ in _SCALARS:
                if len(self._valid) >= _MEMO_LIMIT:
                    self._valid.clear()
                self._valid[key] = value
        return value

    @property
    def is_input(self) -> bool:
        return not self.pbs.output_only

    @property
    def sent_to_pbs(self) -> bool:
        return self.pbs_name is not None and not self.pbs.output_only

    def comparable(self, value: Any) -> Any:
        """The key two values of this field are compared by (absent means PBS's default)."""
        if value is None:
            value = self.pbs.default
        if value is not None and self.pbs.compare is not None:
            return self.pbs.compare(value)
        return value

    def same(self, left: Any, right: Any) -> bool:
        """True when PBS would treat both values of this field alike."""
        return self.comparable(left) == self.comparable(right)

    def wire(self, value: Any) -> Any:
        """The value as PBS's JSON body carries it (canonical strings, ints, bools, lists)."""
        if value.__class__ not in _SCALARS:
            return self.adapter.dump_python(value, mode="json")
        key = (value.__class__, value)
        wired = self._wired.get(key, _MISSING)
        if wired is _MISSING:
            wired = self.adapter.dump_python(value, mode="json")
            if wired is None or wired.__class__ in _SCALARS:
                if len(self._wired) >= _MEMO_LIMIT:
                    self._wired.clear()
                self._wired[key] = wired
        return wired
