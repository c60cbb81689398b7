"""What PBS demands of whom, and where, for a sync job to be deployed and to run (pure rules).

Three identities matter (proxmox-backup's `src/api2/config/sync.rs`,
`src/server/pull.rs`, `src/server/push.rs`):

* the **deployer** — the stack's `authId` for the job's server: PBS checks its *modify access*
  when the job is created, changed, deleted or run (`deployer_needs`);
* the job's **owner** (`owner`, `root@pam` when unset) on the job's server while the job runs:
  a pull writes the snapshots as the owner; a push reads what the owner may read and checks the
  owner's `Remote.Datastore*` privileges on the remote path (`owner_needs`,
  `owner_remote_namespace_need`);
* the **remote's** `authId` on the other server: a push writes there (Datastore.Backup, Prune for
  `removeVanished`, Modify on the parent to create the namespace), a pull reads there
  (Datastore.Audit + Datastore.Read; Datastore.Backup alone shows only the groups it owns)
  (`remote_needs`).

An API token's privileges are its own ACL entries intersected with its user's; PBS's
`GET /access/permissions` reports that intersection, which is what `Need.missing` is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pbs_types.ids import ROOT_USERID
from pbs_types.job_scope import PRUNE as PRUNE_JOB
from pbs_types.roles import NO_ACCESS, ROLE_PRIVILEGES

AUDIT, MODIFY, READ, BACKUP, PRUNE, VERIFY = (
    "Datastore.Audit",
    "Datastore.Modify",
    "Datastore.Read",
    "Datastore.Backup",
    "Datastore.Prune",
    "Datastore.Verify",
)


@dataclass(frozen=True)
class Need:
    """Privileges one identity needs on one ACL path: all of one of `options`."""

    path: str
    options: tuple[frozenset[str], ...]
    why: str
    partial: frozenset[str] | None = None
    """Privileges with which the job still runs, but only on the groups the identity owns."""

    def satisfied(self, held: Iterable[str]) -> bool:
        have = set(held)
        return any(option <= have for option in self.options)

    def partly_satisfied(self, held: Iterable[str]) -> bool:
        return self.partial is not None and self.partial <= set(held)

    def missing(self, held: Iterable[str]) -> frozenset[str]:
        """The fewest privileges that would satisfy this need (empty when satisfied)."""
        have = set(held)
        if self.satisfied(have):
            return frozenset()
        return min((option - have for option in self.options), key=lambda gap: (len(gap), sorted(gap)))

    def role_for(self, held: Iterable[str]) -> str:
        """The built-in role(s) to grant for the option that lacks the least."""
        have = set(held)
        option = min(self.options, key=lambda o: (len(o - have), len(o)))
        return roles_granting(option)


def roles_granting(privileges: frozenset[str]) -> str:
    """The built-in role(s) that grant `privileges` with the fewest extra privileges (one role on a
    tie), e.g. `DatastoreBackup`, `DatastoreReader`, `DatastoreAudit + DatastoreBackup`."""
    roles = {n: g for n, g in ROLE_PRIVILEGES.items() if n not in ("Admin", NO_ACCESS)}
    single = [(len(granted - privileges), name) for name, granted in roles.items() if privileges <= granted]
    chosen: list[str] = []
    left = set(privileges)
    while left and any(left & g for g in roles.values()):
        best = max(
            (len(left & g) - len(g - privileges), len(left & g), name)
            for name, g in roles.items()
            if left & g
        )[2]
        chosen.append(best)
        left -= roles[best]
    cover = (sum(len(roles[n] - privileges) for n in chosen), " + ".join(sorted(chosen)))
    if single and (left or min(single)[0] <= cover[0]):
        return min(single)[1]
    return cover[1] if not left else "Admin"


def datastore_path(store: str, ns: str | None = None) -> str:
    return f"/datastore/{store}" + (f"/{ns}" if ns else "")


def parent_path(store: str, ns: str | None) -> str:
    """Where Datastore.Modify is needed to create namespace `ns`: on its parent."""
    parent = (ns or "").rpartition("/")[0]
    return datastore_path(store, parent or None)


def remote_path(remote: str, store: str, ns: str | None = None) -> str:
    return f"/remote/{remote}/{store}" + (f"/{ns}" if ns else "")


def is_correct_owner(owner: str | None, caller: str) -> bool:
    """PBS's `is_correct_owner`: the owner is the caller or a token of the calling user; with no
    owner only root@pam counts."""
    if owner is None:
        return caller == ROOT_USERID
    return owner == caller or (owner.startswith(f"{caller}!") and "!" not in caller)


@dataclass(frozen=True)
class JobShape:
    """The settings of a sync job that decide its privileges."""

    direction: str
    store: str
    remote_store: str
    remote: str | None = None
    ns: str | None = None
    remote_ns: str | None = None
    owner: str | None = None
    remove_vanished: bool = False

    @property
    def local_anchor(self) -> str:
        return datastore_path(self.store, self.ns)

    @property
    def remote_anchor(self) -> str:
        return datastore_path(self.remote_store, self.remote_ns)

    @property
    def effective_owner(self) -> str:
        return self.owner or ROOT_USERID


def deployer_needs(job: JobShape, deployer: str) -> list[Need]:
    """The modify access PBS checks for whoever creates, changes or runs the job (`sync.rs`)."""
    correct_owner = is_correct_owner(job.owner, deployer)
    if job.direction == "push":
        rv = {"Remote.DatastorePrune"} if job.remove_vanished else set()
        backup = {AUDIT, BACKUP} if correct_owner else {AUDIT, BACKUP, MODIFY}
        return [
            Need(
                remote_path(job.remote or "-", job.remote_store, job.remote_ns),
                (frozenset({"Remote.DatastoreBackup", *rv}),),
                "to manage and run a push job to this remote datastore",
            ),
            Need(
                job.local_anchor,
                (frozenset({AUDIT, READ}), frozenset(backup)),
                "to manage and run a push job from this datastore",
            ),
        ]
    local = {AUDIT, BACKUP} | ({PRUNE} if job.remove_vanished else set())
    if not correct_owner:
        local.add(MODIFY)
    needs = [Need(job.local_anchor, (frozenset(local),), "to manage and run a pull job into this datastore")]
    if job.remote is not None:
        needs.append(
            Need(
                remote_path(job.remote, job.remote_store),
                (frozenset({"Remote.Read"}),),
                "to manage and run a pull job from this remote",
            )
        )
    return needs


def owner_needs(job: JobShape, local_ns_exists: bool = True) -> list[Need]:
    """What the job's owner needs on the job's server while the job runs."""
    if job.direction == "push":
        remote = {"Remote.DatastoreBackup"} | ({"Remote.DatastorePrune"} if job.remove_vanished else set())
        return [
            Need(
                job.local_anchor,
                (frozenset({READ}),),
                "to read the snapshots it pushes",
                partial=frozenset({BACKUP}),
            ),
            Need(
                remote_path(job.remote or "-", job.remote_store, job.remote_ns),
                (frozenset(remote),),
                "to push to this remote datastore" + (" and prune there" if job.remove_vanished else ""),
            ),
        ]
    target = {BACKUP} | ({PRUNE} if job.remove_vanished else set())
    needs = [
        Need(
            job.local_anchor,
            (frozenset(target),),
            "to store the pulled snapshots" + (" and prune vanished ones" if job.remove_vanished else ""),
        )
    ]
    if not local_ns_exists:
        needs.append(
            Need(parent_path(job.store, job.ns), (frozenset({MODIFY}),), f"to create namespace `{job.ns}`")
        )
    if job.remote is None:  # a local sync reads the source datastore as the owner
        needs.append(
            Need(
                job.remote_anchor,
                (frozenset({READ}),),
                "to read the source datastore of the local sync",
                partial=frozenset({BACKUP}),
            )
        )
    return needs


def owner_remote_namespace_need(job: JobShape) -> Need:
    """A push whose target namespace is missing creates it; PBS first checks the owner's
    Remote.DatastoreModify on that namespace's remote path (`check_ns_remote_datastore_privs`)."""
    return Need(
        remote_path(job.remote or "-", job.remote_store, job.remote_ns),
        (frozenset({"Remote.DatastoreModify"}),),
        f"to create namespace `{job.remote_ns}` on the remote",
    )


def remote_needs(job: JobShape, remote_ns_exists: bool = True) -> list[Need]:
    """What the remote's auth-id needs on the other server while the job runs."""
    if job.direction == "push":
        privileges = {BACKUP} | ({PRUNE} if job.remove_vanished else set())
        needs = [
            Need(
                job.remote_anchor,
                (frozenset(privileges),),
                "to write the pushed snapshots" + (" and prune vanished ones" if job.remove_vanished else ""),
            )
        ]
        if not remote_ns_exists:
            needs.append(
                Need(
                    parent_path(job.remote_store, job.remote_ns),
                    (frozenset({MODIFY}),),
                    f"to create namespace `{job.remote_ns}`",
                )
            )
        return needs
    return [
        Need(
            job.remote_anchor,
            (frozenset({AUDIT, READ}),),
            "to list and read the snapshots it pulls",
            partial=frozenset({BACKUP}),
        )
    ]


def datastore_job_need(kind: str, store: str, ns: str | None, job_id: str) -> Need:
    """What the deployer needs on a prune (`kind` "prune") or verify job's datastore or namespace to
    create, change or delete it: Datastore.Modify (proxmox-backup `src/api2/config/prune.rs`),
    Datastore.Verify (`src/api2/config/verify.rs`)."""
    privilege = MODIFY if kind == PRUNE_JOB else VERIFY
    return Need(
        datastore_path(store, ns), (frozenset({privilege}),), f"to create and change {kind} job `{job_id}`"
    )
