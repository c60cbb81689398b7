"""Checks on backup content: would the job find anything to sync, and may it write where it would?

Two quiet failures (docs/troubleshooting.md) are decided by what the datastores hold, not by config:

* a **namespace mismatch**: the source anchor (`ns` of a push, `remoteNs` of a pull, with
  `maxDepth` levels below it, through `groupFilter`) holds no backup group while other namespaces
  of the same datastore do — PBS then ends the run `OK` having transferred nothing;
* **groups owned by someone else**: a group that already exists at the target, owned by another
  auth-id than the one the job writes as (a pull: the job's owner; a push: the remote's auth-id),
  is refused (`owner check failed`) or skipped.

Groups are read with `GET /admin/datastore/{store}/groups?ns=…`; a server that does not offer it
(or a view that may not list groups) leaves these checks out with a note.
"""

from __future__ import annotations

from dataclasses import dataclass

from pbs_provider.client import NotFound, PbsError
from pbs_provider.client.errors import hint_owner_check
from pbs_provider.doctor.context import JobCheck
from pbs_provider.doctor.facts import Group, PbsFacts
from pbs_provider.doctor.findings import ERROR
from pbs_provider.doctor.remote import RemoteSide
from pbs_types.group_filter import apply_group_filters
from pbs_types.ids import MAX_NAMESPACE_DEPTH, ROOT_USERID, namespace_depth

SHOWN = 3
"""Namespaces or groups named in one message at most."""


@dataclass(frozen=True)
class Side:
    facts: PbsFacts
    store: str
    anchor: str


def groups_under(side: Side, max_depth: int | None) -> list[Group]:
    """The backup groups at `side`'s anchor and `max_depth` levels below it (None: every level)."""
    depth = MAX_NAMESPACE_DEPTH - namespace_depth(side.anchor) if max_depth is None else max_depth
    found: list[Group] = []
    for ns in side.facts.namespaces(side.store, side.anchor, depth):
        found += side.facts.groups(side.store, ns)
    return found


def _relative(ns: str, anchor: str) -> str:
    return ns[len(anchor) :].lstrip("/") if anchor else ns


def job_sides(c: JobCheck, remote: RemoteSide | None) -> tuple[Side, Side] | None:
    """(source, target) of the job as the doctor can read them; None when the other end is unreadable."""
    shape, local = c.shape, c.local
    assert local is not None
    here = Side(local, shape.store, shape.ns or "")
    if c.job.remote is None:
        return Side(local, shape.remote_store, shape.remote_ns or ""), here
    if remote is None:
        return None
    there = Side(remote.view, shape.remote_store, shape.remote_ns or "")
    return (here, there) if c.job.direction == "push" else (there, here)


def check_content(c: JobCheck, remote: RemoteSide | None) -> None:
    """The namespace-mismatch and owner checks (see the module docstring)."""
    blocked = [f for f in c.findings if f.level == ERROR and f.check in ("datastore", "namespace")]
    sides = job_sides(c, remote)
    if sides is None or blocked:
        return  # a missing datastore or namespace is reported already
    source, target = sides
    try:
        groups = groups_under(source, c.job.get("maxDepth"))
    except NotFound as missing:
        c.ok(
            "content",
            f"backup content not checked: server `{source.facts.name}` does not list it ({missing.message})",
        )
        return
    except PbsError as error:
        c.cannot_check(
            "content", f"the backup groups in `{source.store}` on server `{source.facts.name}`", error
        )
        return
    filters = c.job.get("groupFilter") or []
    wanted = [g for g in groups if apply_group_filters(g.name, filters)]
    if not wanted:
        _nothing_to_sync(c, source, groups, bool(filters))
        return
    c.ok(
        "content",
        f"{len(wanted)} backup group(s) to sync from `{source.store}` on server `{source.facts.name}`",
    )
    _check_owners(c, source, target, wanted)


def _nothing_to_sync(c: JobCheck, source: Side, under_anchor: list[Group], filtered: bool) -> None:
    where = f"`{source.store}`" + (f" namespace `{source.anchor}`" if source.anchor else " (root namespace)")
    ns_key = c.job.key_of("ns" if c.job.direction == "push" else "remoteNs")
    if under_anchor and filtered:
        c.warning(
            "content",
            f"the group filter matches none of the {len(under_anchor)} backup group(s) in {where} on server "
            f"`{source.facts.name}`: the job would transfer nothing",
            "correct `groupFilter`",
            c.job.key_of("groupFilter"),
        )
        return
    try:
        elsewhere = [
            g for g in groups_under(Side(source.facts, source.store, ""), None) if g not in under_anchor
        ]
    except PbsError:
        elsewhere = []
    if elsewhere:
        spaces = sorted({g.ns or "(root)" for g in elsewhere})
        named = ", ".join(f"`{ns}`" for ns in spaces[:SHOWN]) + (" …" if len(spaces) > SHOWN else "")
        c.warning(
            "content",
            f"namespace mismatch: {where} on server `{source.facts.name}` holds no backup group (to the "
            f"job's depth), but namespace(s) {named} of the same datastore do: PBS would end the run OK "
            "having transferred nothing",
            "point the job's source namespace at where the backups are (or raise `maxDepth`)",
            ns_key,
        )
        return
    c.warning(
        "content",
        f"{where} on server `{source.facts.name}` holds no backups yet: the job would transfer nothing",
        "nothing to change if the backups are still to come",
        ns_key,
    )


def _check_owners(c: JobCheck, source: Side, target: Side, wanted: list[Group]) -> None:
    push = c.job.direction == "push"
    writer = c.job.remote.auth_id if push and c.job.remote else (c.job.get("owner") or ROOT_USERID)
    conflicts: list[tuple[Group, Group]] = []
    for group in wanted:
        rel = _relative(group.ns, source.anchor)
        ns = "/".join(part for part in (target.anchor, rel) if part)
        try:
            if not target.facts.namespace_exists(target.store, ns):
                continue  # not there yet: nothing to collide with
            existing = target.facts.groups(target.store, ns)
        except PbsError as error:
            c.cannot_check(
                "owner", f"the owners of backup groups in `{target.store}` on `{target.facts.name}`", error
            )
            return
        for other in existing:
            if other.name == group.name and other.owner not in (None, writer):
                conflicts.append((group, other))
    if not conflicts:
        c.ok("owner", f"no backup group at the target is owned by anyone but `{writer}`")
        return
    named = ", ".join(
        f"{other.name} in `{target.store}{'/' + other.ns if other.ns else ''}` (owner `{other.owner}`)"
        for _, other in conflicts[:SHOWN]
    ) + (" …" if len(conflicts) > SHOWN else "")
    who = f"the remote's `{writer}`" if push else f"the job's owner `{writer}`"
    if push:
        outcome = "PBS would skip them with a warning (a push only writes to groups its remote user owns)"
        fix = (
            f"change the owner of those groups on `{target.facts.name}` to `{writer}` (or remove them), "
            "or push into another namespace"
        )
        key = c.job.key_of("remoteNs")
    else:
        outcome = "PBS would refuse them (owner check failed) and fail the run"
        fix = hint_owner_check()
        key = c.job.key_of("owner")
    c.error(
        "owner",
        f"{len(conflicts)} backup group(s) at the target belong to someone other than {who}: {named}; "
        f"{outcome}",
        fix,
        key,
    )
