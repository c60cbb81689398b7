"""No value can make the simulator write a config file it cannot read back (a property test).

Every string property of every section type the simulator stores (`remote.cfg`, `sync.cfg`,
`user.cfg`, `datastore.cfg`) gets generated values: a valid value for the field with Unicode
whitespace, line and paragraph separators and C0/C1 control characters added around or inside it.
A value the API schema refuses never reaches a file. For the others, the simulator's save
(`SectionConfigFile.write`) either refuses with PBS's 400 and leaves the file untouched, or stores
it; then the file reads back, and the value read is the value sent as PBS reads it (trimmed).

A second property pins down PBS's own blind spot: its writer alone (`format_config` with the
section schemas) produces an unreadable file only when trimming breaks the value's schema.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbs_sim.config_store import SectionConfigFile
from pbs_sim.errors import ApiError, SchemaViolation
from pbs_sim.models.datastores import DATASTORE_TYPES
from pbs_sim.models.remotes import REMOTE_TYPES
from pbs_sim.models.sync_jobs import SYNC_TYPES
from pbs_sim.models.users import USER_TYPES
from pbs_sim.schema import ArraySchema, StringSchema
from pbs_sim.section_config import (
    SectionConfigData,
    SectionConfigError,
    SectionType,
    format_config,
    parse_config,
)
from pbs_types.config_text import read_back

H = "ab:" * 31 + "ab"
# A valid value for each string field (and each required field of a minimal section).
VALID: dict[str, Any] = {
    "comment": "a comment", "host": "pbs.example.com", "auth-id": "sync@pbs", "password": "cHc=",
    "fingerprint": H, "store": "store1", "remote-store": "other", "remote": "cloud", "ns": "a/b",
    "remote-ns": "c", "owner": "sync@pbs!tok", "schedule": "daily", "group-filter": "regex:^vm/1",
    "rate-in": "10 MiB", "burst-in": "1 GB", "rate-out": "500 KB", "burst-out": "2 MiB",
    "sync-direction": "pull", "active-encryption-key": "key1", "associated-key": "key2",
    "firstname": "Ann", "lastname": "Lee", "email": "ann@example.com", "path": "/srv/store1",
    "gc-schedule": "daily", "prune-schedule": "weekly",
}  # fmt: skip
IDS = {"remote": "cloud", "sync": "job-1", "user": "ann@pbs", "token": "ann@pbs!tok", "datastore": "store1"}
FILES: dict[str, dict[str, SectionType]] = {
    "remote.cfg": REMOTE_TYPES,
    "sync.cfg": SYNC_TYPES,
    "user.cfg": USER_TYPES,
    "datastore.cfg": DATASTORE_TYPES,
}

EDGE = (
    " \t\n\r\x0b\x0c\x1c\x1f\x7f\x80\x85\x9f\xa0\u1680\u2000\u200b\u2028\u2029\u202f\u205f\u3000\ufeffa:/@!"
)


def _string_fields() -> list[tuple[str, str, str, StringSchema, bool]]:
    """(file, section type, key, item schema, is array) of every string property but the id."""
    found = []
    for filename, types in FILES.items():
        for type_name, stype in types.items():
            for key, prop in stype.properties.properties.items():
                schema = prop.schema.items if isinstance(prop.schema, ArraySchema) else prop.schema
                if key != stype.id_property and isinstance(schema, StringSchema):
                    found.append((filename, type_name, key, schema, isinstance(prop.schema, ArraySchema)))
    return found


FIELDS = _string_fields()


def _minimal(stype: SectionType) -> dict[str, Any]:
    props = {}
    for key, prop in stype.properties.properties.items():
        if key != stype.id_property and not prop.optional:
            props[key] = VALID[key]
    return props


@st.composite
def near_valid(draw: st.DrawFn, key: str) -> str:
    base = str(VALID.get(key, "x"))
    cut = draw(st.integers(min_value=0, max_value=len(base)))
    edge = st.text(alphabet=EDGE, max_size=3)
    return draw(
        st.sampled_from(
            [
                draw(edge) + base + draw(edge),
                base[:cut] + draw(edge) + base[cut:],
                base + draw(edge),
                draw(edge) + base,
            ]
        )
    )


def _api_accepts(schema: StringSchema, value: str) -> bool:
    try:
        schema.parse_simple(value)
    except SchemaViolation:
        return False
    return True


def test_every_string_field_is_covered():
    keys = {key for _, _, key, _, _ in FIELDS}
    assert {"comment", "group-filter", "firstname", "email", "password", "rate-in", "host"} <= keys
    assert all(key in VALID for key in keys), keys - set(VALID)


@pytest.mark.parametrize(
    ("filename", "type_name", "key", "schema", "is_array"),
    FIELDS,
    ids=[f"{f[0]}:{f[1]}.{f[2]}" for f in FIELDS],
)
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_stored_value_always_reads_back(tmp_path: Path, filename, type_name, key, schema, is_array, data):
    value = data.draw(near_valid(key), label="value")
    if not _api_accepts(schema, value):
        return  # refused by the API schema: never reaches the file
    stype = FILES[filename][type_name]
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / filename
    file = SectionConfigFile(path, FILES[filename])
    sections = SectionConfigData()
    sections.set(IDS[type_name], type_name, {**_minimal(stype), key: [value] if is_array else value})
    try:
        file.write(sections)
    except ApiError as exc:
        assert exc.status == 400 and exc.message.startswith(
            f'writing "/etc/proxmox-backup/{filename}" failed: '
        )
        assert not path.exists(), "a refused save left a file behind"
        return
    stored, _digest = file.read()  # must not raise
    _type, props = stored.sections[IDS[type_name]]
    expected = read_back(value)
    assert props[key] == ([expected] if is_array else expected)


@pytest.mark.parametrize(
    ("filename", "type_name", "key", "schema", "is_array"),
    FIELDS,
    ids=[f"{f[0]}:{f[1]}.{f[2]}" for f in FIELDS],
)
@settings(max_examples=30)
@given(data=st.data())
def test_pbs_writer_breaks_its_file_only_through_the_trim(filename, type_name, key, schema, is_array, data):
    """PBS's writer alone: a file it writes fails to read back only if the trimmed value breaks the
    field's schema (the case the simulator refuses instead, see `write_config`)."""
    value = data.draw(near_valid(key), label="value")
    if not _api_accepts(schema, value):
        return
    stype = FILES[filename][type_name]
    sections = SectionConfigData()
    sections.set(IDS[type_name], type_name, {**_minimal(stype), key: [value] if is_array else value})
    try:
        raw = format_config(sections, FILES[filename])
    except SectionConfigError:
        return  # refused on save, as PBS refuses it
    try:
        parse_config(raw, FILES[filename], filename)
    except SectionConfigError:
        assert not _api_accepts(schema, read_back(value)), (value, raw)
