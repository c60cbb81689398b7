"""The Pulumi program's body: a validated stack config becomes resources, in dependency order.

Remotes come before the sync jobs that use them (a job's `remote` input is the Remote's `name`
output, so Pulumi creates the remote first and deletes the job first). `fingerprintFrom` is resolved
here, at deploy time, from the named server's certificate (`GET /nodes/localhost/status`).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pulumi

from pbs_provider.client import PbsError, client_for
from pbs_provider.pbs_types.calendar import parse_calendar_event
from pbs_provider.resources.remote import Remote
from pbs_provider.resources.sync_job import SyncJob
from pbs_provider.servers import ServerConfigError, ServerDirectory
from pbs_provider.stack_config import StackConfig


def server_fingerprint(servers: ServerDirectory, name: str) -> str:
    """The SHA-256 fingerprint of server `name`'s certificate, as PBS reports it."""
    try:
        fingerprint = client_for(name, servers.server_config(name)).server_fingerprint()
    except (PbsError, ServerConfigError) as error:
        raise pulumi.RunError(
            f"fingerprintFrom: cannot read the certificate fingerprint of server `{name}`: {error}"
        ) from None
    if not fingerprint:
        raise pulumi.RunError(f"fingerprintFrom: server `{name}` did not report a certificate fingerprint")
    return fingerprint


def next_run(schedule: str | None, now: float | None = None) -> str | None:
    """The next time `schedule` fires after `now`, as ISO 8601 in this machine's time zone."""
    if not schedule:
        return None
    epoch = parse_calendar_event(schedule).next_event(int(now if now is not None else time.time()))
    return None if epoch is None else dt.datetime.fromtimestamp(epoch).astimezone().isoformat()


def summary(config: StackConfig) -> dict[str, Any]:
    """What the stack manages per server: remotes, and jobs with direction, schedule and next run."""
    out: dict[str, dict[str, Any]] = {}
    for decl in config.remotes.values():
        out.setdefault(decl.server, {"remotes": [], "syncJobs": []})["remotes"].append(decl.name)
    for decl in config.sync_jobs.values():
        job = decl.inputs
        out.setdefault(decl.server, {"remotes": [], "syncJobs": []})["syncJobs"].append(
            {
                "id": decl.job_id,
                "direction": job.get("syncDirection", "pull"),
                "remote": job.get("remote"),
                "store": job["store"],
                "remoteStore": job["remoteStore"],
                "schedule": job.get("schedule"),
                "nextRun": next_run(job.get("schedule")),
            }
        )
    return out


def deploy(config: StackConfig) -> None:
    """Register every resource the config declares and export the summary."""
    remotes: dict[str, Remote] = {}
    for key, decl in config.remotes.items():
        inputs = dict(decl.inputs)
        if decl.fingerprint_from:
            inputs["fingerprint"] = server_fingerprint(config.servers, decl.fingerprint_from)
        remotes[key] = Remote(key, password=decl.password, **inputs)
    for key, decl in config.sync_jobs.items():
        inputs = dict(decl.inputs)
        if decl.remote_key is not None:
            inputs["remote"] = remotes[decl.remote_key].name
        SyncJob(key, **inputs)
    pulumi.export("servers", summary(config))
