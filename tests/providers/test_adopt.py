"""Objects that already exist on the server: without `adopt` the create fails and says how to
take them over (dynamic providers cannot `pulumi import`); with `adopt` they are taken over and
changed to match the program, the write-only password included."""

from __future__ import annotations

import base64

import pytest

from offline_engine.provider_host import ProviderRpcError

REMOTE = {
    "server": "onprem",
    "name": "existing",
    "host": "new.example",
    "authId": "sync@pbs",
    "password": "new-pw",
}
JOB = {
    "server": "onprem",
    "jobId": "existing-job",
    "store": "store1",
    "remote": "cloud",
    "remoteStore": "offsite",
}


def test_existing_remote_without_adopt_fails_and_explains(stack, onprem):
    onprem.api("POST", "/config/remote", json={"name": "existing", "host": "old.example", "auth-id": "a@pbs",
                                               "password": "old-pw", "comment": "made by hand"})  # fmt: skip
    with pytest.raises(ProviderRpcError) as failure:
        stack.up("remote", "r", REMOTE)
    message = failure.value.details
    assert "remote `existing` already exists on server `onprem`" in message
    assert "set `adopt: true`" in message and "pulumi import" in message
    assert "new-pw" not in message
    assert onprem.api("GET", "/config/remote/existing").json()["data"]["host"] == "old.example"  # untouched

    assert stack.up("remote", "r", {**REMOTE, "adopt": True}) == "create"
    live = onprem.api("GET", "/config/remote/existing").json()["data"]
    assert live == {"name": "existing", "host": "new.example", "auth-id": "sync@pbs"}  # comment removed
    assert stack.outputs("r") == {**REMOTE, "adopt": True}
    assert stack.plan("remote", "r", {**REMOTE, "adopt": True}) == ("same", [])
    assert stack.plan("remote", "r", REMOTE) == ("same", [])  # `adopt` only matters at create
    stored = [base64.b64decode(p).decode() for p in _passwords(onprem)]
    assert "new-pw" in stored and "old-pw" not in stored  # the password was taken over too


def _passwords(sim) -> list[str]:
    for path in sim.data_dir.rglob("remote.cfg"):
        return [
            line.split()[1] for line in path.read_text().splitlines() if line.strip().startswith("password")
        ]
    return []


def test_existing_sync_job_is_adopted(stack, onprem):
    onprem.api("POST", "/config/sync", json={"id": "existing-job", "store": "store2", "remote": "cloud",
                                             "remote-store": "offsite", "schedule": "daily",
                                             "resync-corrupt": True})  # fmt: skip
    with pytest.raises(ProviderRpcError) as failure:
        stack.up("sync", "j", JOB)
    assert "sync job `existing-job` already exists on server `onprem`" in failure.value.details
    assert stack.up("sync", "j", {**JOB, "adopt": True}) == "create"
    assert onprem.api("GET", "/config/sync/existing-job").json()["data"] == {
        "id": "existing-job", "store": "store1", "remote": "cloud", "remote-store": "offsite",
        "resync-corrupt": False,
    }  # fmt: skip
    assert stack.plan("sync", "j", {**JOB, "adopt": True}) == ("same", [])


def test_adopt_creates_when_nothing_exists(stack, onprem):
    assert stack.up("sync", "j", {**JOB, "jobId": "fresh-job", "adopt": True}) == "create"
    assert onprem.api("GET", "/config/sync/fresh-job").status_code == 200
