"""Which privilege, on which ACL path, PBS demands for a request the provider sends.

PBS's own "permission check failed" names neither (it is the router's answer for an endpoint's
`Permission::Privilege`, or a handler's `bail!`); `required_privilege(method, path)` says it, so
that a refused request's error can tell the admin which ACL entry is missing. The rules are those
of PBS 4.2's API definitions: `src/api2/config/remote.rs`, `src/api2/config/sync.rs`
(`check_sync_job_read_access` / `check_sync_job_modify_access`), `src/api2/config/prune.rs`,
`src/api2/config/verify.rs`, `src/api2/admin/prune.rs`, `src/api2/admin/verify.rs` (a prune or verify job's
ACL path is its datastore, or the namespace below it, that the job works in), `src/api2/access/user.rs`,
`src/api2/access/acl.rs`, `src/api2/admin/namespace.rs`.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_SYNC_MODIFY = (
    "Datastore.Audit and Datastore.Backup on /datastore/<store>[/<ns>] (also Datastore.Prune for "
    "`removeVanished`, and Datastore.Modify unless the job's owner is the deploying user) and, for "
    "a pull, Remote.Read on /remote/<remote>/<remote-store>; for a push, Datastore.Read on the local "
    "datastore and Remote.DatastoreBackup on /remote/<remote>/<remote-store>"
)
_SYNC_READ = (
    "Datastore.Audit on /datastore/<store> and Remote.Audit on /remote/<remote> (pull) or "
    "Datastore.Audit on the local datastore (push)"
)

_JOB_PATH = "/datastore/<store>[/<ns>] (the job's datastore, or the namespace it works in)"

_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"^/config/remote$"), "Remote.Modify on /remote"),
    ("GET", re.compile(r"^/config/remote/(?P<name>[^/]+)$"), "Remote.Audit on /remote/{name}"),
    ("PUT|DELETE", re.compile(r"^/config/remote/(?P<name>[^/]+)$"), "Remote.Modify on /remote/{name}"),
    ("POST", re.compile(r"^/config/sync$"), _SYNC_MODIFY),
    ("PUT|DELETE", re.compile(r"^/config/sync/[^/]+$"), _SYNC_MODIFY),
    ("GET", re.compile(r"^/config/sync/[^/]+$"), _SYNC_READ),
    ("POST", re.compile(r"^/admin/sync/[^/]+/run$"), _SYNC_MODIFY),
    ("POST", re.compile(r"^/config/prune$"), f"Datastore.Modify on {_JOB_PATH}"),
    ("PUT|DELETE", re.compile(r"^/config/prune/[^/]+$"), f"Datastore.Modify on {_JOB_PATH}"),
    ("GET", re.compile(r"^/config/prune/[^/]+$"), f"Datastore.Audit on {_JOB_PATH}"),
    ("POST", re.compile(r"^/admin/prune/[^/]+/run$"), f"Datastore.Modify on {_JOB_PATH}"),
    ("POST", re.compile(r"^/config/verify$"), f"Datastore.Verify on {_JOB_PATH}"),
    ("PUT|DELETE", re.compile(r"^/config/verify/[^/]+$"), f"Datastore.Verify on {_JOB_PATH}"),
    ("GET", re.compile(r"^/config/verify/[^/]+$"), f"Datastore.Audit or Datastore.Verify on {_JOB_PATH}"),
    ("POST", re.compile(r"^/admin/verify/[^/]+/run$"), f"Datastore.Verify on {_JOB_PATH}"),
    ("GET", re.compile(r"^/access/users(/[^/]+(/token(/[^/]+)?)?)?$"), "Sys.Audit on /access/users"),
    (
        "POST|PUT|DELETE",
        re.compile(r"^/access/users(/[^/]+(/token/[^/]+)?)?$"),
        "Permissions.Modify on /access/users",
    ),
    ("PUT", re.compile(r"^/access/acl$"), "Permissions.Modify on /access/acl"),
    ("GET", re.compile(r"^/access/acl$"), "Sys.Audit on /access/acl"),
    (
        "POST|DELETE",
        re.compile(r"^/admin/datastore/(?P<store>[^/]+)/namespace$"),
        "Datastore.Modify on /datastore/{store} (or on the namespace's parent: /datastore/{store}/<parent>)",
    ),
    (
        "GET",
        re.compile(r"^/admin/datastore/(?P<store>[^/]+)/namespace$"),
        "Datastore.Audit, Datastore.Modify or Datastore.Backup on /datastore/{store}",
    ),
)


def required_privilege(method: str, path: str) -> str | None:
    """The privilege and ACL path PBS checks for `method path` (API path, with or without the
    `/api2/json` prefix), or None for a request this table does not know."""
    path = path.split("?", 1)[0].removeprefix("/api2/json")
    for methods, pattern, need in _RULES:
        found = pattern.match(path)
        if found and method.upper() in methods.split("|"):
            return need.format(**{k: unquote(v) for k, v in found.groupdict().items()})
    return None


__all__ = ["required_privilege"]
