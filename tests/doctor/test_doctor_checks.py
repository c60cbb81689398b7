"""The doctor on the dev stack against two simulators: a healthy deployment passes, and each injected
problem is found, once, with the fix and the config key to change.

Content (backup groups) is left out here; tests/doctor/test_doctor_content.py covers it.
"""

from __future__ import annotations

import socket

import pytest

from pbs_provider.doctor import Report, run_doctor
from tests.run.support import DEV_REMOTE_TOKEN, RETENTION, dev_remotes, dev_stack, dev_world, loaded


@pytest.fixture
def world(pbs_sim_factory):
    return dev_world(pbs_sim_factory)


@pytest.fixture
def stack(world, tmp_path):
    run = dev_stack(world, tmp_path, **RETENTION)
    result = run.up()
    assert result.ok, result.diagnostics
    return run


def doctor(run) -> Report:
    return run_doctor(loaded(run), probe_timeout=2)


def errors(report: Report, check: str | None = None) -> list:
    return [f for f in report.errors if check is None or f.check == check]


def only_error(report: Report, check: str, subject: str = "job push-cloud"):
    found = [f for f in report.errors if f.subject == subject]
    assert [f.check for f in found] == [check], "\n".join(report.lines())
    return found[0]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def job_inputs(run, key: str) -> dict:
    """A `syncJobs` entry as the stack declares it."""
    return dict(loaded(run).sync_jobs[key].inputs)


def test_a_healthy_deployment_has_no_findings_beyond_content(stack):
    report = doctor(stack)
    assert report.errors == [], "\n".join(report.lines())
    # the dev stack's push excludes the container templates its pull brings back: no sync loop
    assert [f.check for f in report.warnings if f.check != "content"] == []
    assert report.exit_code() == 0
    checks = {(f.subject, f.check) for f in report.findings}
    for subject in ("job push-cloud", "job pull-templates"):
        for check in ("datastore", "deployed", "deployer", "owner", "reach", "fingerprint", "credentials"):
            assert (subject, check) in checks
    assert ("job push-cloud", "remote-privileges") in checks
    assert {("job push-cloud", "retention"), ("job pull-templates", "prune")} <= checks
    assert {("server onprem", "server"), ("server cloud", "server")} <= checks


def test_before_the_first_up_the_jobs_are_reported_as_not_deployed(world, tmp_path):
    report = doctor(dev_stack(world, tmp_path))
    assert report.errors == [], "\n".join(report.lines())
    deployed = [f for f in report.warnings if f.check == "deployed"]
    assert [f.key for f in deployed] == ["syncJobs.push-cloud", "syncJobs.pull-templates"]
    assert "pulumi up" in deployed[0].fix
    # fingerprintFrom: nothing pinned yet, but `up` would pin what the remote's host:port presents
    assert ("job push-cloud", "fingerprint") in {(f.subject, f.check) for f in report.of("ok")}


def test_wrong_remote_token(stack):
    passwords = {
        "cloud-push": "0bad0bad-0000-4000-8000-000000000000",
        "cloud-pull": stack.secrets["remotePasswords"]["cloud-pull"],
    }
    stack.set(remotePasswords=passwords)
    report = doctor(stack)
    finding = only_error(report, "credentials")
    assert finding.key == "remotePasswords.cloud-push"
    assert f"refuses the remote's credentials `{DEV_REMOTE_TOKEN}` (HTTP 401" in finding.what
    assert "recreate the token" in finding.fix
    assert report.exit_code() == 1
    assert "0bad0bad" not in "\n".join(report.lines(verbose=True))


def test_missing_datastore_backup_on_the_target(stack, world):
    world.cloud.api(
        "PUT",
        "/access/acl",
        json={"path": "/datastore/offsite", "role": "NoAccess", "auth-id": DEV_REMOTE_TOKEN},
    ).raise_for_status()
    report = doctor(stack)
    push = only_error(report, "remote-privileges")
    assert push.key == "acls"
    assert push.what.startswith(
        f"the remote's `{DEV_REMOTE_TOKEN}` lacks Datastore.Backup on /datastore/offsite"
    )
    assert push.fix.startswith(
        f"grant role DatastoreBackup on /datastore/offsite to the token `{DEV_REMOTE_TOKEN}`"
    )
    assert "its user `root@pam` has it" in push.fix
    pull = only_error(report, "remote-privileges", "job pull-templates")
    assert "lacks Datastore.Audit, Datastore.Read on /datastore/offsite" in pull.what
    assert "grant role DatastoreReader" in pull.fix


def test_a_token_whose_user_lacks_the_privilege_needs_both_grants(stack, world):
    cloud = world.cloud
    cloud.api("POST", "/access/users", json={"userid": "sync-in@pbs"}).raise_for_status()
    secret = cloud.api("POST", "/access/users/sync-in@pbs/token/push").json()["data"]["value"]
    cloud.api(
        "PUT",
        "/access/acl",
        json={"path": "/datastore/offsite", "role": "DatastoreBackup", "auth-id": "sync-in@pbs!push"},
    ).raise_for_status()  # the token only: its user has nothing
    remotes = dev_remotes(world)
    remotes["cloud-push"]["authId"] = "sync-in@pbs!push"
    stack.set(remotes=remotes, remotePasswords={**stack.secrets["remotePasswords"], "cloud-push": secret})
    finding = only_error(doctor(stack), "remote-privileges")
    assert "lacks Datastore.Backup on /datastore/offsite" in finding.what
    assert "to both `sync-in@pbs` and its token `sync-in@pbs!push`" in finding.fix


def test_target_port_closed(stack, world):
    port = closed_port()
    remotes = dev_remotes(world)
    remotes["cloud-push"]["port"] = port
    stack.set(remotes=remotes)
    finding = only_error(doctor(stack), "reach")
    assert finding.key == "remotes.cloud-push.port"
    assert f"points at 127.0.0.1:{port}, which refuses connections" in finding.what
    assert f"TCP {port} to `127.0.0.1` is blocked" in finding.fix
    assert f"server `cloud` of this stack is at {world.cloud.url}" in finding.fix


def test_a_pinned_fingerprint_that_does_not_match(stack, world):
    remotes = dev_remotes(world)
    wrong = ":".join(["ab"] * 32)
    del remotes["cloud-push"]["fingerprintFrom"]
    remotes["cloud-push"]["fingerprint"] = wrong
    stack.set(remotes=remotes)
    finding = only_error(doctor(stack), "fingerprint")
    assert finding.key == "remotes.cloud-push.fingerprint"
    assert f"the stack pins {wrong}" in finding.what and world.cloud.fingerprint.lower() in finding.what
    assert "update `fingerprint`" in finding.fix


def test_a_deployed_remote_with_a_stale_fingerprint_asks_for_an_up(stack, world):
    stale = ":".join(["cd"] * 32)
    world.onprem.api("PUT", "/config/remote/cloud-push", json={"fingerprint": stale}).raise_for_status()
    finding = only_error(doctor(stack), "fingerprint")
    assert finding.key == "remotes.cloud-push.fingerprintFrom"
    assert f"the deployed remote on `onprem` pins {stale}" in finding.what
    assert finding.fix.startswith("run `pulumi up` to pin the current certificate")


def test_a_wrong_server_secret_is_a_server_finding_and_its_jobs_are_not_checked(stack):
    stack.set(
        serverSecrets={**stack.secrets["serverSecrets"], "onprem": "0bad0bad-0000-4000-8000-000000000001"}
    )
    report = doctor(stack)
    server = only_error(report, "server", "server onprem")
    assert server.key == "serverSecrets.onprem" and "HTTP 401" in server.what
    assert [f.key for f in report.errors if f.subject.startswith("job")] == [
        "servers.onprem",
        "servers.onprem",
    ]


def test_an_unreachable_server(stack):
    servers = dict(stack.overrides["servers"])
    servers["cloud"] = {**servers["cloud"], "url": f"https://127.0.0.1:{closed_port()}"}
    stack.set(servers=servers)
    report = doctor(stack)
    finding = only_error(report, "server", "server cloud")
    assert finding.key == "servers.cloud.url" and "is blocked" in finding.fix


def test_missing_datastores_and_namespaces(stack, world):
    push = {**job_inputs(stack, "push-cloud"), "ns": "site9", "remoteStore": "nowhere"}
    pull = {**job_inputs(stack, "pull-templates"), "store": "store9", "remoteNs": "templates"}
    stack.set(syncJobs={"push-cloud": push, "pull-templates": pull})
    report = doctor(stack)
    found = {(f.subject, f.check, f.key) for f in report.errors}
    assert found == {
        ("job push-cloud", "namespace", "syncJobs.push-cloud.ns"),
        ("job push-cloud", "datastore", "syncJobs.push-cloud.remoteStore"),
        ("job pull-templates", "datastore", "syncJobs.pull-templates.store"),
        ("job pull-templates", "namespace", "syncJobs.pull-templates.remoteNs"),
    }, "\n".join(report.lines())


def test_a_push_into_a_missing_namespace_needs_modify_on_its_parent(stack, world):
    push = {
        **loaded(stack).sync_jobs["push-cloud"].inputs,
        "remoteNs": "tenant/site1",
        "remote": "cloud-push",
    }
    stack.set(syncJobs={"push-cloud": push})
    report = doctor(stack)
    assert errors(report) == []  # the Admin token may create it
    world.cloud.api(
        "PUT",
        "/access/acl",
        json={"path": "/datastore/offsite", "role": "DatastoreBackup", "auth-id": DEV_REMOTE_TOKEN},
    ).raise_for_status()
    world.cloud.api(
        "PUT", "/access/acl", json={"path": "/datastore", "role": "NoAccess", "auth-id": DEV_REMOTE_TOKEN}
    ).raise_for_status()
    finding = only_error(doctor(stack), "remote-privileges")
    assert "lacks Datastore.Modify on /datastore/offsite/tenant" in finding.what
    assert "to create namespace `tenant/site1`" in finding.what
    assert finding.fix.startswith("grant role DatastoreAdmin on /datastore/offsite/tenant")


def test_an_owner_without_privileges(stack, world):
    world.onprem.api("POST", "/access/users", json={"userid": "ops@pbs"}).raise_for_status()
    push = {**job_inputs(stack, "push-cloud"), "owner": "ops@pbs"}
    stack.set(syncJobs={"push-cloud": push})
    read, remote = [f for f in doctor(stack).errors if f.subject == "job push-cloud"]
    assert read.check == remote.check == "owner" and read.key == remote.key == "syncJobs.push-cloud.owner"
    assert read.what.startswith("the job's owner `ops@pbs` lacks Datastore.Read on /datastore/store1")
    assert read.fix == "grant role DatastoreReader on /datastore/store1 to `ops@pbs`"
    # a push also checks the owner's rights on the remote path while it runs
    assert remote.what.startswith(
        "the job's owner `ops@pbs` lacks Remote.DatastoreBackup on /remote/cloud-push/offsite"
    )
    assert remote.fix == "grant role RemoteSyncPushOperator on /remote/cloud-push/offsite to `ops@pbs`"
    for path, role in (
        ("/datastore/store1", "DatastoreBackup"),
        ("/remote/cloud-push", "RemoteSyncPushOperator"),
    ):
        world.onprem.api(
            "PUT", "/access/acl", json={"path": path, "role": role, "auth-id": "ops@pbs"}
        ).raise_for_status()
    report = doctor(stack)
    assert errors(report, "owner") == []
    partial = [f for f in report.warnings if f.check == "owner"]
    assert len(partial) == 1 and "only sees the backup groups `ops@pbs` owns" in partial[0].what


def test_a_deploy_login_without_modify_access(stack, world):
    onprem = world.onprem
    onprem.api("POST", "/access/users", json={"userid": "ops@pbs"}).raise_for_status()
    secret = onprem.api("POST", "/access/users/ops@pbs/token/ro").json()["data"]["value"]
    for who in ("ops@pbs", "ops@pbs!ro"):
        onprem.api(
            "PUT", "/access/acl", json={"path": "/", "role": "Audit", "auth-id": who}
        ).raise_for_status()
    servers = dict(stack.overrides["servers"])
    servers["onprem"] = {**servers["onprem"], "authId": "ops@pbs!ro"}
    stack.set(servers=servers, serverSecrets={**stack.secrets["serverSecrets"], "onprem": secret})
    report = doctor(stack)
    deployer = errors(report, "deployer")
    assert {f.key for f in deployer} == {"servers.onprem.authId"}
    push_remote = next(f for f in deployer if f.subject == "job push-cloud" and "/remote/" in f.what)
    assert "lacks Remote.DatastoreBackup on /remote/cloud-push/offsite" in push_remote.what
    assert (
        "grant role RemoteSyncPushOperator on /remote/cloud-push/offsite to both `ops@pbs`" in push_remote.fix
    )
    assert report.exit_code() == 1
