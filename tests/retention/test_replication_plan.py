"""`replications.<name>.retention` / `.verify`: the plan (a prune job and a verify job on the target, with
the defaults documented in docs/replication.md) and the stack config's one-line problems, checked with the
PruneJob/VerifyJob schemas (PBS's rules: pbs-api-types `PRUNE_SCHEMA_KEEP_*` at least 1, calendar events,
`VERIFICATION_OUTDATED_AFTER_SCHEMA` at least 0, namespace depth plus `max-depth` at most 7)."""

from __future__ import annotations

import json

import pytest

from pbs_provider.resources.replication import (
    DEFAULT_PRUNE_SCHEDULE,
    DEFAULT_VERIFY_SCHEDULE,
    InvalidReplication,
    ReplicationArgs,
    plan_replication,
)
from pbs_provider.stack_config import StackConfigError, load_stack_config

SERVERS = {
    "onprem": {"url": "https://pbs1.example:8007", "authId": "root@pam!pulumi", "verifyTls": False},
    "cloud": {"url": "https://pbs2.example:8007", "authId": "root@pam!pulumi", "verifyTls": False},
}
SECRETS = {"onprem": "0f8c2d5e-0000-4000-8000-000000000001", "cloud": "0f8c2d5e-0000-4000-8000-000000000002"}
PUSH = {
    "direction": "push",
    "source": {"server": "onprem", "store": "store1"},
    "target": {"server": "cloud", "store": "offsite", "ns": "onprem"},
    "remoteHost": "pbs2.example",
}
PULL = {
    "direction": "pull",
    "source": {"server": "cloud", "store": "offsite", "ns": "templates"},
    "target": {"server": "onprem", "store": "store1"},
    "remoteHost": "pbs2.example",
}


def plan(entry, name="push-cloud"):
    return plan_replication(name, ReplicationArgs.parse(entry, f"replications.{name}"))


def load(**config):
    values = {"servers": SERVERS, "serverSecrets": SECRETS, **config}
    return load_stack_config(
        get=lambda key: json.dumps(values[key]) if key in values else None,
        is_secret=lambda key: key == "serverSecrets",
        all_keys=[f"pbs-replication:{k}" for k in values],
        environ={},
    )


def problems(**config) -> list[str]:
    with pytest.raises(StackConfigError) as error:
        load(**config)
    return error.value.problems


def test_a_push_gets_its_jobs_on_the_target_server_datastore_and_namespace():
    p = plan({**PUSH, "retention": {"keepLast": 3, "keepDaily": 7}, "verify": True})
    assert p.prune_job_inputs == {
        "server": "cloud", "jobId": "push-cloud", "store": "offsite", "ns": "onprem",
        "schedule": DEFAULT_PRUNE_SCHEDULE,
        "keepLast": 3, "keepDaily": 7,
    }  # fmt: skip
    assert p.verify_job_inputs == {
        "server": "cloud", "jobId": "push-cloud", "store": "offsite", "ns": "onprem",
        "schedule": DEFAULT_VERIFY_SCHEDULE,
    }  # fmt: skip
    assert (DEFAULT_PRUNE_SCHEDULE, DEFAULT_VERIFY_SCHEDULE) == ("hourly", "daily")  # PBS GUI's proposals


def test_a_pull_gets_them_on_its_own_server_the_target_and_the_root_namespace_has_no_ns():
    p = plan({**PULL, "jobId": "tmpl", "verify": {"outdatedAfter": 30}}, "pull-templates")
    assert p.job_server == "onprem" and p.prune_job_inputs is None
    assert p.verify_job_inputs == {
        "server": "onprem", "jobId": "tmpl", "store": "store1", "schedule": "daily",
        "outdatedAfter": 30,
    }  # fmt: skip


def test_every_option_given_wins_over_the_defaults():
    retention = {"keepWeekly": 4, "schedule": "sun 04:00", "maxDepth": 2, "comment": "c", "disable": True,
                 "jobId": "keep-cloud"}  # fmt: skip
    verify = {"schedule": "sat 03:00", "ignoreVerified": False, "maxDepth": 0, "comment": "v",
              "jobId": "v-cloud", "readThreads": 2, "verifyThreads": 8}  # fmt: skip
    p = plan({**PUSH, "retention": retention, "verify": verify, "adopt": True})
    fixed = {"server": "cloud", "store": "offsite", "ns": "onprem", "adopt": True}
    assert p.prune_job_inputs == {**fixed, **retention}
    assert p.verify_job_inputs == {**fixed, **verify}


@pytest.mark.parametrize("off", [None, False])
def test_without_retention_or_verify_there_are_no_jobs(off):
    p = plan({**PUSH, "verify": off})
    assert (p.prune_job_inputs, p.verify_job_inputs) == (None, None)


def test_the_stack_config_accepts_both_and_keeps_the_plan():
    config = load(replications={"push-cloud": {**PUSH, "retention": {"keepLast": 1}, "verify": True}})
    decl = config.replications["push-cloud"]
    assert decl.plan.prune_job_inputs["keepLast"] == 1 and decl.plan.verify_job_inputs["schedule"] == "daily"


P = "replications.push-cloud"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"retention": {"keepDaily": 0}}, f"{P}.retention.keepDaily: must be at least 1 (got 0)"),
        ({"retention": {"keepLast": -3}}, f"{P}.retention.keepLast: must be at least 1 (got -3)"),
        ({"retention": {"keepLast": "many"}}, f"{P}.retention.keepLast: "),
        ({"retention": {"keepLast": 1, "schedule": "every day"}}, f"{P}.retention.schedule: "),
        ({"retention": {"keepLast": 1, "schedule": "mon..fri 02:30 daily"}}, f"{P}.retention.schedule: "),
        ({"retention": {"keepLast": 1, "maxDepth": 8}}, f"{P}.retention.maxDepth: "),
        ({"retention": {"keepLast": 1, "jobId": "x"}}, f"{P}.retention.jobId: must be at least 3 characters"),
        (
            {"retention": {"keepDialy": 7}},
            f"{P}.retention.keepDialy: not an option of `retention` (did you mean `keepDaily`?)",
        ),
        (
            {"retention": {}},
            f"{P}.retention: sets no keep option: a prune job without one keeps every snapshot",
        ),
        ({"retention": {"schedule": "daily"}}, f"{P}.retention: sets no keep option"),
        ({"retention": True}, f"{P}.retention: give the keep options as a map"),
        ({"verify": {"outdatedAfter": -1}}, f"{P}.verify.outdatedAfter: must be at least 0 (got -1)"),
        ({"verify": {"schedule": "noon"}}, f"{P}.verify.schedule: "),
        ({"verify": {"readThreads": 33}}, f"{P}.verify.readThreads: must be at most 32"),
        # PBS's verify job has no `disable` (pbs-api-types `VerificationJobConfig`)
        ({"verify": {"disable": True}}, f"{P}.verify.disable: not an option of `verify`"),
        ({"verify": "yes"}, f"{P}.verify: "),
        ({"verify": 1}, f"{P}.verify: "),
    ],
)
def test_bad_retention_or_verify_is_one_line_naming_the_key_path(extra, expected):
    found = problems(replications={"push-cloud": {**PUSH, **extra}})
    assert len(found) == 1 and found[0].startswith(expected), found
    assert "\n" not in found[0] and "Traceback" not in found[0] and "pydantic" not in found[0]


def test_max_depth_is_not_tied_to_the_depth_of_the_target_namespace():
    """PBS checks that for sync jobs only; a prune or verify run stops at the deepest level that can exist
    (proxmox-backup `src/api2/config/prune.rs`, `verify.rs`; `pbs-datastore/src/hierarchy.rs`)."""
    deep = {**PUSH, "target": {**PUSH["target"], "ns": "a/b/c/d/e/f"}}  # depth 6
    config = load(
        replications={"push-cloud": {**deep, "retention": {"keepLast": 1}, "verify": {"maxDepth": 7}}}
    )
    assert config.replications["push-cloud"].plan.verify_job_inputs["maxDepth"] == 7
    [found] = problems(replications={"push-cloud": {**deep, "verify": {"maxDepth": 8}}})
    assert found.startswith(f"{P}.verify.maxDepth: ")


def test_a_job_id_that_a_prune_or_verify_job_entry_uses_on_that_server_is_refused():
    other = {"server": "cloud", "store": "offsite", "schedule": "daily", "keepLast": 5}
    found = problems(
        replications={"push-cloud": {**PUSH, "retention": {"keepLast": 1}}}, pruneJobs={"push-cloud": other}
    )
    assert found == [
        f"{P}: creates prune job 'push-cloud' on server 'cloud', which `pruneJobs.push-cloud` also declares: "
        "remove one (or give the replication another `remoteName`/`jobId`/`tokenName`, or its "
        "`retention`/`verify` another `jobId`)"
    ]
    # the same id on the other server, or as a verify job, is another PBS object
    assert load(
        replications={"push-cloud": {**PUSH, "retention": {"keepLast": 1}}},
        pruneJobs={"push-cloud": {**other, "server": "onprem", "store": "store1"}},
        verifyJobs={"push-cloud": {"server": "cloud", "store": "offsite"}},
    )


def test_the_component_refuses_bad_options_before_registering_anything():
    with pytest.raises(InvalidReplication) as error:
        ReplicationArgs.parse({**PUSH, "verify": {"outdated": 3}}, "replication x")
    assert error.value.problems == [
        "replication x.verify.outdated: not an option of `verify` (did you mean `outdatedAfter`?) "
        "(the verify job options: jobId, schedule, maxDepth, ignoreVerified, outdatedAfter, readThreads, "
        "verifyThreads, comment)"
    ]
    with pytest.raises(ValueError, match="keepDialy"):  # built directly, not parsed from a stack config
        ReplicationArgs(**{**PUSH, "retention": {"keepDialy": 2}})
