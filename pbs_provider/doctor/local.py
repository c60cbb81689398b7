"""Checks on the job's own server: its datastore(s) and namespace, whether the job and its remote
are deployed, the deployer's modify access, and the privileges the job's owner needs at run time.
"""

from __future__ import annotations

from pbs_provider.client import PbsError
from pbs_provider.doctor.access import check_need
from pbs_provider.doctor.context import JobCheck
from pbs_provider.doctor.privileges import deployer_needs, owner_needs
from pbs_provider.servers import SERVERS_KEY


def check_local(c: JobCheck) -> bool:
    """Run the job-server checks; False when that server cannot be read at all."""
    job, facts, shape = c.job, c.local, c.shape
    if facts is None:
        c.error(
            "server",
            f"not checked: server `{job.server}` cannot be used (see its finding)",
            key=f"{SERVERS_KEY}.{job.server}",
        )
        return False
    try:
        stores = facts.datastores()
        wanted = [("store", shape.store)] + (
            [("remoteStore", shape.remote_store)] if job.remote is None else []
        )
        for field, store in wanted:
            if store in stores:
                c.ok("datastore", f"datastore `{store}` exists on server `{job.server}`")
            else:
                c.error(
                    "datastore",
                    f"datastore `{store}` does not exist on server `{job.server}` (or `{facts.auth_id}` "
                    "cannot see it): the job would fail",
                    f"create the datastore on `{job.server}` or correct the name",
                    job.key_of(field),
                )
        ns_exists = shape.store not in stores or facts.namespace_exists(shape.store, shape.ns)
    except PbsError as error:
        c.cannot_check("datastore", f"the datastores of server `{job.server}`", error)
        return False
    if not ns_exists:
        if job.direction == "push":
            c.error(
                "namespace",
                f"the source namespace `{shape.ns}` does not exist in datastore `{shape.store}` on server "
                f"`{job.server}`: the job would fail",
                "correct the namespace, or create it and put the backups there",
                job.key_of("ns"),
            )
        else:
            c.ok("namespace", f"namespace `{shape.ns}` will be created by the job's owner on its first run")
    _deployed(c)
    auth = facts.auth_id
    for need in deployer_needs(shape, auth):
        check_need(
            c,
            facts,
            auth,
            need,
            who=f"the stack's login `{auth}` on server `{job.server}`",
            check="deployer",
            key=f"{SERVERS_KEY}.{job.server}.authId",
        )
    owner = shape.effective_owner
    for need in owner_needs(shape, ns_exists):
        check_need(
            c, facts, owner, need, who=f"the job's owner `{owner}`", check="owner", key=job.key_of("owner")
        )
    return True


def _deployed(c: JobCheck) -> None:
    job, facts = c.job, c.local
    assert facts is not None
    try:
        live_job = facts.sync_job(job.job_id)
        live_remote = facts.remote(job.remote.name) if job.remote else {}
    except PbsError as error:
        c.cannot_check("deployed", f"whether sync job `{job.job_id}` is deployed", error)
        return
    missing = [
        what
        for what, live in (
            (f"sync job `{job.job_id}`", live_job),
            (f"remote `{job.remote.name if job.remote else ''}`", live_remote),
        )
        if live is None
    ]
    if missing:
        c.warning(
            "deployed",
            f"{' and '.join(missing)} not on server `{job.server}` yet",
            "deploy the stack (`pulumi up`) before running the job",
            job.entry,
        )
    else:
        c.ok("deployed", f"sync job `{job.job_id}` is deployed on server `{job.server}`")
