"""The schema models against an independent reading of PBS 4.2 (the simulator's API tables),
and the request bodies they derive. Fast, no network: behaviour through the plugin is tested
in the other modules of this folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pbs_provider.schemas import RemoteSchema, SyncJobSchema
from pbs_provider.schemas.docs import render_into
from pbs_sim import api_types
from pbs_types.version import parse_version

SYNC_JOB_FIELDS_PBS_4_2 = {
    "id", "store", "ns", "owner", "remote", "remote-store", "remote-ns", "remove-vanished", "max-depth",
    "group-filter", "schedule", "comment", "rate-in", "burst-in", "rate-out", "burst-out", "transfer-last",
    "sync-direction", "resync-corrupt", "encrypted-only", "verified-only", "run-on-mount", "unmount-on-done",
    "worker-threads", "active-encryption-key", "associated-key",
}  # fmt: skip
"""Every field of `SyncJobConfig` in PBS 4.2 (`pbs-api-types/src/jobs.rs`)."""


def pbs_inputs(schema):
    return {s.pbs_name: s for s in schema.input_specs() if s.sent_to_pbs}


@pytest.mark.parametrize(
    "schema,table,deletable",
    [
        (SyncJobSchema, api_types.SYNC_JOB_CONFIG, api_types.SYNC_DELETABLE),
        (RemoteSchema, api_types.REMOTE_SECTION, api_types.REMOTE_DELETABLE),
    ],
)
def test_schema_matches_the_pbs_tables(schema, table, deletable):
    ours = pbs_inputs(schema)
    assert set(ours) == set(table.properties), "fields missing or extra compared with PBS"
    for name, spec in ours.items():
        prop = table.properties[name]
        their_since = ".".join(map(str, prop.since)) if prop.since else None
        assert spec.pbs.since == their_since, name
        assert spec.required == (not prop.optional) or name in ("name", "password"), name
        if not spec.pbs.identity and not spec.required:
            assert spec.pbs.deletable == (name in deletable), name


def test_sync_job_has_every_pbs_4_2_field_and_pulumi_names():
    ours = pbs_inputs(SyncJobSchema)
    assert set(ours) == SYNC_JOB_FIELDS_PBS_4_2
    assert ours["id"].input_name == "jobId"  # `id` is reserved by Pulumi
    assert ours["remote-store"].input_name == "remoteStore"
    assert {s.input_name for s in SyncJobSchema.input_specs() if s.pbs.local} == {"server", "adopt"}
    assert {s.input_name for s in SyncJobSchema.output_only_specs()} == {
        "nextRun", "lastRunState", "lastRunUpid", "lastRunEndtime"
    }  # fmt: skip


def test_replace_and_secret_facts():
    assert [s.input_name for s in RemoteSchema.specs() if s.pbs.replace_on_change] == ["server", "name"]
    assert [s.input_name for s in SyncJobSchema.specs() if s.pbs.replace_on_change] == ["server", "jobId"]
    assert RemoteSchema.secret_inputs() == ("password",)
    assert SyncJobSchema.secret_inputs() == ()


def test_every_field_is_documented_and_versions_parse():
    for schema in (RemoteSchema, SyncJobSchema):
        for spec in schema.specs():
            assert spec.description, spec.name
            if spec.pbs.since:
                assert parse_version(spec.pbs.since) <= parse_version("4.2.3")


def job(**fields):
    base = {"server": "onprem", "jobId": "job1", "store": "store1", "remoteStore": "store2"}
    return SyncJobSchema.parse({**base, **fields})


def test_post_body_carries_only_set_fields_in_pbs_form():
    body = job(
        remote="cloud", rateIn="10MiB", groupFilter=["include:type:vm"], ns="", maxDepth=2.0
    ).post_body()
    assert body == {
        "id": "job1", "store": "store1", "remote": "cloud", "remote-store": "store2",
        "rate-in": "10 MiB", "group-filter": ["type:vm"], "max-depth": 2,
    }  # fmt: skip
    assert isinstance(body["max-depth"], int)


def test_update_plan_deletes_removed_fields_and_resets_non_deletable_ones_first():
    live = SyncJobSchema.from_pbs(
        {"id": "job1", "store": "store1", "remote-store": "store2", "comment": "x", "resync-corrupt": True,
         "rate-in": "10 MiB", "remove-vanished": False}
    )  # fmt: skip
    desired = job(rateIn="10MiB", syncDirection="push", remote="cloud")
    plan = desired.plan_update(live, send_write_only=False)
    assert plan.delete == ["comment", "remove-vanished"]  # an explicit default goes along; rate-in is equal
    assert plan.reset == {"resync-corrupt": False}
    assert plan.set == {"remote": "cloud", "sync-direction": "push"}
    assert plan.next_request() == {"resync-corrupt": False}  # alone: PBS refuses it next to push
    after_reset = SyncJobSchema.from_pbs({**live.post_body(), "resync-corrupt": False})
    assert desired.plan_update(after_reset, send_write_only=False).next_request() == {
        "remote": "cloud", "sync-direction": "push", "delete": ["comment", "remove-vanished"]
    }  # fmt: skip
    same_meaning = job(rateIn="10 MiB", comment="x", resyncCorrupt=True)
    assert same_meaning.plan_update(live, send_write_only=False).empty  # explicit defaults alone: no write


def test_write_only_fields_are_sent_only_when_asked():
    remote = RemoteSchema.parse(
        {"server": "a", "name": "cloud", "host": "pbs.example.com", "authId": "s@pbs!t", "password": "pw"}
    )
    live = RemoteSchema.from_pbs({"name": "cloud", "host": "pbs.example.com", "auth-id": "s@pbs!t"})
    assert remote.plan_update(live, send_write_only=False).empty
    assert remote.plan_update(live, send_write_only=True).set == {"password": "pw"}
    assert "pw" not in repr(remote)


def test_resources_page_reference_tables_are_generated_from_the_schemas():
    path = Path(__file__).resolve().parents[2] / "docs" / "resources.md"
    text = path.read_text()
    assert render_into(text) == text, "run: python -m pbs_provider.schemas.docs --write " + str(path)
    for schema in (RemoteSchema, SyncJobSchema):
        for spec in schema.specs():
            assert f"| `{spec.input_name}` |" in text
