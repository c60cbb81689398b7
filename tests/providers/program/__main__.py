"""Test program for the provider tests (tier 2): one `Remote` per `remotes` entry and one `SyncJob`
per `syncJobs` entry, inputs passed through as written. A job's `remoteRef: <key>` becomes
`remote=<that Remote>.name`, so the job depends on the remote (created after it, deleted before it)."""

import pulumi

from pbs_provider import Remote, SyncJob

config = pulumi.Config()
passwords = config.get_secret_object("remotePasswords") or pulumi.Output.secret({})

remotes: dict[str, Remote] = {}
for key, spec in sorted((config.get_object("remotes") or {}).items()):
    password = passwords.apply(lambda secrets, k=key: secrets[k])
    remotes[key] = Remote(f"remote-{key}", password=password, **spec)

jobs: dict[str, SyncJob] = {}
for key, raw in sorted((config.get_object("syncJobs") or {}).items()):
    spec = dict(raw)
    ref = spec.pop("remoteRef", None)
    if ref is not None:
        spec["remote"] = remotes[ref].name
    jobs[key] = SyncJob(f"job-{key}", **spec)

pulumi.export("remotes", {key: remote.name for key, remote in remotes.items()})
pulumi.export("jobs", {key: job.job_id for key, job in jobs.items()})
