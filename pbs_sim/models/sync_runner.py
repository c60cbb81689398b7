"""The sync runner plugged into ``SyncJobStore.runner``: turns a job into PBS's pull or push run.

Builds the run's parameters like ``PullParameters::new`` / ``PushParameters::new`` (max-depth
checks, the remote looked up in ``remote.cfg`` with its password, the source or target chosen, the
owner defaulting to ``root@pam``, the rate limit of the direction) and runs :mod:`pull` or
:mod:`push`. Remote servers are reached through a client factory (``pbs_sim.web.client.HttpClient``
in the simulator), so this module speaks no HTTP itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pbs_sim import errors, grammar
from pbs_sim.models.content_access import ContentAccess
from pbs_sim.models.datastores import DatastoreStore
from pbs_sim.models.permissions import PermissionResolver
from pbs_sim.models.pull import Pull, PullParams
from pbs_sim.models.push import Push, PushParams
from pbs_sim.models.remotes import RemoteStore
from pbs_sim.models.sync_common import Namespace, SyncError, SyncStats, Throttle
from pbs_sim.models.sync_jobs import direction
from pbs_sim.models.sync_sources import ApiClient, LocalSource, RemoteSource, RemoteTarget
from pbs_sim.models.tasks import WorkerTask
from pbs_types.group_filter import parse_group_filter

# (remote config incl. password, task log callback (level, message)) -> client
ClientFactory = Callable[[dict[str, Any], Callable[[str, str], None]], ApiClient]


def _ns(text: str | None) -> Namespace:
    return tuple(c for c in (text or "").split("/") if c)


class PbsSyncRunner:
    def __init__(
        self,
        datastores: DatastoreStore,
        access: ContentAccess,
        perms: PermissionResolver,
        remotes: RemoteStore,
        connect: ClientFactory,
    ) -> None:
        self._datastores = datastores
        self._access = access
        self._perms = perms
        self._remotes = remotes
        self._connect = connect

    def __call__(self, worker: WorkerTask, job: dict[str, Any]) -> SyncStats:
        max_depth = job.get("max-depth")
        if max_depth is not None:
            for key in ("ns", "remote-ns"):
                try:
                    grammar.ids.check_namespace_max_depth(job.get(key) or "", max_depth)
                except grammar.PbsValueError as exc:
                    raise SyncError(str(exc)) from None
        clients: list[ApiClient] = []
        try:
            if direction(job) == "push":
                return self._push(worker, job, clients)
            return self._pull(worker, job, clients)
        finally:
            for client in clients:
                close = getattr(client, "close", None)
                if close is not None:
                    close()

    def _client(
        self, worker: WorkerTask, name: str, clients: list[ApiClient]
    ) -> tuple[dict[str, Any], ApiClient]:
        remote = self._remotes.read_with_password(name)
        if remote is None:
            raise SyncError(errors.no_such_section("remote", name).message)

        def log(level: str, message: str) -> None:
            if level in ("warn", "error"):
                worker.warn(message)  # both are counted and written without a level prefix
            else:
                worker.log(message)

        client = self._connect(remote, log)
        clients.append(client)
        return remote, client

    def _filters(self, job: dict[str, Any]) -> list[Any]:
        return [parse_group_filter(text) for text in job.get("group-filter", [])]

    def _pull(self, worker: WorkerTask, job: dict[str, Any], clients: list[ApiClient]) -> SyncStats:
        source_ns = _ns(job.get("remote-ns"))
        if job.get("remote") is not None:
            _, client = self._client(worker, job["remote"], clients)
            source: Any = RemoteSource(client, job["remote-store"], source_ns)
        else:
            self._datastores.require(job["remote-store"])
            source = LocalSource(self._datastores, self._access, job["remote-store"], source_ns)
        self._datastores.require(job["store"])
        params = PullParams(
            source=source,
            store=job["store"],
            ns=_ns(job.get("ns")),
            owner=job.get("owner") or grammar.ROOT_USERID,
            remove_vanished=bool(job.get("remove-vanished", False)),
            max_depth=job.get("max-depth"),
            group_filter=self._filters(job),
            transfer_last=job.get("transfer-last"),
            encrypted_only=bool(job.get("encrypted-only", False)),
            verified_only=bool(job.get("verified-only", False)),
            throttle=Throttle(job.get("rate-in"), job.get("burst-in")),
            resync_corrupt=bool(job.get("resync-corrupt", False)),
        )
        return Pull(params, self._datastores, self._access, self._perms, worker).run()

    def _push(self, worker: WorkerTask, job: dict[str, Any], clients: list[ApiClient]) -> SyncStats:
        if job.get("remote") is None:
            raise SyncError(errors.MISSING_REQUIRED_REMOTE)
        store = job["store"]
        ns = _ns(job.get("ns"))
        self._datastores.require(store)
        if not self._datastores.namespace_exists(store, list(ns)):
            raise SyncError(errors.source_namespace_missing(job.get("ns") or "", store))
        remote, client = self._client(worker, job["remote"], clients)
        target = RemoteTarget(
            client, job["remote"], job["remote-store"], _ns(job.get("remote-ns")), remote["auth-id"]
        )
        params = PushParams(
            source=LocalSource(self._datastores, self._access, store, ns),
            target=target,
            local_user=job.get("owner") or grammar.ROOT_USERID,
            remove_vanished=bool(job.get("remove-vanished", False)),
            max_depth=job.get("max-depth"),
            group_filter=self._filters(job),
            encrypted_only=bool(job.get("encrypted-only", False)),
            verified_only=bool(job.get("verified-only", False)),
            transfer_last=job.get("transfer-last"),
            throttle=Throttle(job.get("rate-out"), job.get("burst-out")),
        )
        return Push(params, self._perms, worker).run()
