"""Who may see a task (pbs ``src/api2/node/tasks.rs``: ``check_task_access``, ``check_job_store``).

Own tasks (or tasks of one's tokens) always; otherwise Sys.Audit on ``/system/tasks``, or for
``syncjob`` tasks the pull privileges derived from the worker id; else 400 ``task access not allowed``.
"""

from __future__ import annotations

from pbs_sim import errors
from pbs_sim.errors import ApiError
from pbs_sim.models.acl import is_token, user_of
from pbs_sim.models.permissions import PermissionResolver
from pbs_sim.models.tasks import Upid


def _sync_worker_parts(upid: Upid) -> tuple[str, str, str, str] | None:
    """(remote or "-", remote-store, store, ns) of a syncjob worker id."""
    if upid.worker_type != "syncjob" or not upid.worker_id:
        return None
    parts = upid.worker_id.split(":")
    if len(parts) < 4:
        return None
    ns = parts[3] if len(parts) == 5 else ""
    return parts[0], parts[1], parts[2], ns


def check_task_access(perms: PermissionResolver, caller: str, upid: Upid) -> None:
    owner = upid.auth_id
    if caller == owner or (is_token(owner) and user_of(owner) == caller):
        return
    if "Sys.Audit" in perms.lookup(caller, ["system", "tasks"]):
        return
    sync = _sync_worker_parts(upid)
    if sync is not None:
        remote, remote_store, store, ns = sync
        local = ["datastore", store, *[c for c in ns.split("/") if c]]
        if "Datastore.Backup" in perms.lookup(caller, local) and (
            remote == "-" or "Remote.Read" in perms.lookup(caller, ["remote", remote, remote_store])
        ):
            return
    raise ApiError(errors.TASK_ACCESS_NOT_ALLOWED)


def task_belongs_to_store(upid: Upid, store: str) -> bool:
    sync = _sync_worker_parts(upid)
    if sync is not None:
        return sync[2] == store
    if upid.worker_type.startswith("verif") and upid.worker_id:
        return upid.worker_id.split(":", 1)[0] == store
    if upid.worker_type in ("prune", "prunejob", "backup", "garbage_collection") and upid.worker_id:
        return upid.worker_id == store or upid.worker_id.startswith(f"{store}:")
    return False
