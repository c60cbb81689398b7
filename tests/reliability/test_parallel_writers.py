"""Parallel writers: 16 sync jobs created, then updated, in parallel through the plugin (its 4 gRPC
workers, fed by 8 engine threads), while another client edits unrelated jobs in the same
`sync.cfg` as fast as it can.

The other client behaves like the GUI: it reads a job with its digest and writes it back with that
digest, retrying (bounded) when PBS says the config changed meanwhile. Checked: every Create and
Update RPC succeeds (no spurious failure surfaced to the user), every job holds exactly what was
last written to it — the plugin's 16 and the other client's — so no update was lost on either side.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from offline_engine.provider_host import DynamicProviderHost, ProviderRpcError, serialize_like_sdk
from pbs_provider.resources import SyncJobProvider
from pbs_sim.testing import SimHandle, start_simulator
from tests.program.stacks import PROJECT

from .report import REPORT

JOBS = [f"par-{i:02d}" for i in range(16)]
OTHERS = [f"other-{i}" for i in range(4)]
MAX_OTHER_EDITS = 1500
"""Upper bound for the other client's loop (it stops earlier, when the plugin's work is done)."""
PROVIDER = serialize_like_sdk(SyncJobProvider())
GUI_TOKEN, GUI_SECRET = "root@pam!gui", "3c1e2f4a-0000-4000-8000-00000000a11d"
"""The other client's own credential, so that the request log tells the two writers apart."""


@pytest.fixture
def onprem(tmp_path: Any) -> Iterator[SimHandle]:
    with start_simulator(
        tmp_path / "pbs", datastores=["store1", "offsite"], node="onprem", tokens=[(GUI_TOKEN, GUI_SECRET)]
    ) as sim:
        for job in OTHERS:
            sim.api("POST", "/config/sync", json={"id": job, "store": "offsite", "remote-store": "store1"})
        yield sim


@pytest.fixture
def plugin(onprem: SimHandle) -> Iterator[DynamicProviderHost]:
    host = DynamicProviderHost(cwd=str(PROJECT), project="pbs-replication").start()
    servers = {
        "onprem": {"url": onprem.url, "authId": onprem.admin_token_id, "fingerprint": onprem.fingerprint}
    }
    config = {
        "pbs-replication:servers": json.dumps(servers),
        "pbs-replication:serverSecrets": json.dumps({"onprem": onprem.admin_token_secret}),
    }
    host.configure(config, ("pbs-replication:serverSecrets",))
    yield host
    host.stop()


class OtherClient:
    """Edits the unrelated jobs with digest-checked read-modify-writes until told to stop."""

    def __init__(self, sim: SimHandle, pause: float) -> None:
        self.pause = pause
        self.session = sim.new_session(auth=None)
        self.session.headers["Authorization"] = f"PBSAPIToken={GUI_TOKEN}:{GUI_SECRET}"
        self.base = f"{sim.url}/api2/json/config/sync"
        self.stop = threading.Event()
        self.expected: dict[str, str] = {}
        self.edits = 0
        self.conflicts = 0
        self.failures: list[str] = []

    def run(self) -> None:
        for n in range(MAX_OTHER_EDITS):
            if self.stop.wait(self.pause):  # the pace of a busy script; returns at once when stopped
                return
            job = OTHERS[n % len(OTHERS)]
            comment = f"edited by the other client #{n}"
            for _ in range(20):  # the GUI user clicks "OK" again after "configuration changed"
                current = self.session.get(f"{self.base}/{job}", timeout=30).json()
                answer = self.session.put(
                    f"{self.base}/{job}", json={"comment": comment, "digest": current["digest"]}, timeout=30
                )
                if answer.status_code == 200:
                    self.expected[job] = comment
                    self.edits += 1
                    break
                self.conflicts += 1
            else:
                self.failures.append(f"{job}: edit #{n} never got through")


def job_inputs(job: str, version: int) -> dict[str, Any]:
    inputs = {"server": "onprem", "jobId": job, "store": "store1", "remoteStore": "offsite"}
    inputs |= {"comment": f"v{version} of {job}", "schedule": "daily" if version == 1 else "hourly"}
    return {**inputs, "__provider": PROVIDER}


def run_writers(
    plugin: DynamicProviderHost, onprem: SimHandle, pause: float
) -> tuple[list[str], list[str], OtherClient, int]:
    """Create then update the 16 jobs in parallel while the other client edits; returns the RPC
    errors, the lost updates, the other client and how many plugin writes met a conflict."""
    urn = {job: plugin.urn("pulumi-python:dynamic/pbs:SyncJob", job) for job in JOBS}
    stored: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def create(job: str) -> None:
        checked, _ = plugin.check(urn[job], {}, job_inputs(job, 1))
        try:
            rid, outs = plugin.create(urn[job], checked)
        except ProviderRpcError as error:
            with lock:
                errors.append(f"create {job}: {error.details.strip().splitlines()[-1]}")
            return
        with lock:
            stored[job] = (rid, outs, checked)

    def update(job: str) -> None:
        rid, outs, old_inputs = stored[job]
        checked, _ = plugin.check(urn[job], old_inputs, job_inputs(job, 2))
        try:
            plugin.update(urn[job], rid, outs, checked, old_inputs)
        except ProviderRpcError as error:
            with lock:
                errors.append(f"update {job}: {error.details.strip().splitlines()[-1]}")

    other = OtherClient(onprem, pause)
    writer = threading.Thread(target=other.run, name="other-client")
    writer.start()
    try:
        with ThreadPoolExecutor(8) as engine_threads:
            list(engine_threads.map(create, JOBS))
        with ThreadPoolExecutor(8) as engine_threads:
            list(engine_threads.map(update, [j for j in JOBS if j in stored]))
    finally:
        other.stop.set()
        writer.join(120)
        other.session.close()

    live = {
        j["id"]: j for j in onprem.api("GET", "/config/sync", params={"sync-direction": "all"}).json()["data"]
    }
    failed = {e.split(":")[0].split()[1] for e in errors}  # "update par-05: …" → par-05
    lost = [
        f"{job}: {live.get(job, {}).get('comment')!r}, {live.get(job, {}).get('schedule')!r}"
        for job in JOBS
        if job not in failed
        and (
            live.get(job, {}).get("comment") != f"v2 of {job}"
            or live.get(job, {}).get("schedule") != "hourly"
        )
    ]
    lost += [
        f"{job}: the other client's edit is gone"
        for job, c in other.expected.items()
        if live[job].get("comment") != c
    ]
    plugin_conflicts = sum(
        1
        for e in onprem.request_log()
        if e["method"] == "PUT" and e["status"] == 400 and e["auth_id"] == onprem.admin_token_id
    )
    return errors, lost, other, plugin_conflicts


PACE = 0.02
"""The other client's pause between edits: 50 edits a second, a busy script."""


def test_parallel_creates_and_updates_with_another_writer(
    plugin: DynamicProviderHost, onprem: SimHandle
) -> None:
    errors, lost, other, plugin_conflicts = run_writers(plugin, onprem, PACE)
    REPORT.parallel_writes += 2 * len(JOBS) + other.edits
    REPORT.parallel_failures += len(errors) + len(other.failures)
    REPORT.parallel_lost_updates += len(lost)
    REPORT.notes.append(
        f"parallel writers: another client made {other.edits} edits at up to {1 / PACE:.0f}/s "
        f"({other.conflicts} digest conflicts, retried) while the plugin created and updated "
        f"{len(JOBS)} jobs ({plugin_conflicts} of its writes met a digest conflict and were re-planned)"
    )
    assert other.edits > 0, "the other client did not write while the plugin worked"
    assert errors == [], "\n".join(errors)
    assert other.failures == []
    assert lost == [], "\n".join(lost)


def test_a_saturating_writer_loses_nothing(plugin: DynamicProviderHost, onprem: SimHandle) -> None:
    """Another client writing `sync.cfg` without pause can starve the plugin's bounded digest
    retries: such a failure must be clear, and nothing may be lost. (Reported, not a budget.)"""
    errors, lost, other, _ = run_writers(plugin, onprem, 0.0)
    REPORT.notes.append(
        f"parallel writers, saturating: another client wrote without pause ({other.edits} edits); "
        f"{len(errors)}/{2 * len(JOBS)} plugin operations gave up after the bounded digest retries"
    )
    unclear = [e for e in errors if "another client kept changing the same PBS config file" not in e]
    assert unclear == [], "\n".join(unclear)
    assert lost == [], "\n".join(lost)
