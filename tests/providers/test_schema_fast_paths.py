"""The schema's fast paths answer exactly what the plain pydantic calls answer.

`FieldSpec.validate`/`wire` remember answers for scalar values, `PbsObject.spec` looks names up in
an index, `PbsObject.from_values` builds instances without `model_construct`'s alias search. Each
is compared here with the plain call it replaces, on every field of every schema.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from pydantic import ValidationError

from pbs_provider.schemas.base import PbsObject
from pbs_provider.schemas.sync_job import SyncJobSchema


def _schemas() -> list[type[PbsObject]]:
    found, todo = [], list(PbsObject.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls._specs and cls.__name__.endswith("Schema"):
            found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


SCHEMAS = _schemas()
SAMPLES: list[Any] = ["", "pbs", "ds1", "hourly", "a b", "x" * 300, 0, 1, 3, -1, 8007, 2.0, 2.5, True, False]


def _plain(spec: Any, raw: Any) -> tuple[str, Any]:
    try:
        return "ok", spec.adapter.validate_python(raw)
    except ValidationError as error:
        return "error", error.errors(include_url=False)


def _fast(spec: Any, raw: Any) -> tuple[str, Any]:
    try:
        return "ok", spec.validate(raw)
    except ValidationError as error:
        return "error", error.errors(include_url=False)


def test_there_are_schemas_to_check() -> None:
    assert {"RemoteSchema", "SyncJobSchema"} <= {c.__name__ for c in SCHEMAS}


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda c: c.__name__)
def test_validate_and_wire_equal_the_plain_calls_twice_and_keep_bool_apart_from_int(schema: Any) -> None:
    for spec in schema.specs():
        for raw in SAMPLES + list(reversed(SAMPLES)):  # each value seen again after the others
            expected = _plain(spec, raw)
            got = _fast(spec, raw)
            assert got == expected, (schema.__name__, spec.name, raw)
            assert type(got[1]) is type(expected[1])
            if expected[0] == "ok" and expected[1] is not None:
                wired = spec.adapter.dump_python(expected[1], mode="json")
                assert spec.wire(expected[1]) == wired
                assert type(spec.wire(expected[1])) is type(wired)


def test_a_schedule_is_validated_against_the_current_time_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = SyncJobSchema.spec("schedule")
    event = "2030-01-01 00:00"
    assert spec.validate(event) == event
    monkeypatch.setattr(time, "time", lambda: 1_900_000_000.0)  # 2030-03-17: the event is past
    with pytest.raises(ValidationError):
        spec.validate(event)


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda c: c.__name__)
def test_spec_lookup_equals_the_search_in_declaration_order(schema: Any) -> None:
    names = {n for s in schema.specs() for n in (s.name, s.input_name, s.pbs_name) if n}
    for name in sorted(names):
        first = next(s for s in schema.specs() if name in (s.name, s.input_name, s.pbs_name))
        assert schema.spec(name) is first
    with pytest.raises(KeyError):
        schema.spec("no-such-field")
    # each field is found by its own Python name (so `model.get(s.name)` is `getattr(model, s.name)`)
    assert all(schema.spec(s.name) is s for s in schema.specs())


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda c: c.__name__)
def test_from_values_builds_what_model_construct_builds(schema: Any) -> None:
    assert schema._defaults is not None  # the fast path is taken for every schema
    specs = schema.specs()
    value_sets = [
        {},
        {specs[0].name: "pbs"},
        {s.name: f"v{i}" for i, s in enumerate(specs)},
        {s.name: (None if i % 2 else i) for i, s in enumerate(specs)},
    ]
    for values in value_sets:
        fast = schema.from_values(values)
        present = {k: v for k, v in values.items() if v is not None}
        plain = schema.model_construct(_fields_set=set(present), **present)
        assert fast.__dict__ == plain.__dict__
        assert list(fast.__dict__) == list(plain.__dict__)
        assert fast.model_fields_set == plain.model_fields_set
        assert fast == plain
        assert fast.__pydantic_extra__ == plain.__pydantic_extra__
        assert fast.__pydantic_private__ == plain.__pydantic_private__
