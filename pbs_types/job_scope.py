"""Where a prune or verify job works, and whether it does anything by itself (PBS 4.2's rules).

The one definition of "a prune (verify) job covers this namespace", shared by the doctor's retention
check (`pbs_provider/doctor/retention.py`) and the policy pack (`policy/pbs_policy/rules/
target_retention.py`). Standard library only: the policy pack runs without the project's dependencies.

* **Scope.** A job on datastore `store` with namespace `ns` and `max-depth` d works on `ns` and the
  namespaces below it, down to d levels (0: `ns` only; unset: every level). proxmox-backup
  `src/server/prune_job.rs` (`prune_datastore`: `ListAccessibleBackupGroups` from `ns` with
  `max_depth.unwrap_or(MAX_NAMESPACE_DEPTH)`) and `src/backup/verify.rs` (`verify_all_backups`, the same).
* **Runs by itself.** PBS's scheduler (`src/bin/proxmox-backup-proxy.rs`,
  `schedule_datastore_prune_jobs`, `schedule_datastore_verify_jobs`) skips a prune job with `disable`
  set and a verify job without `schedule`. A prune job with no keep option removes nothing: it logs
  "No prune selection - keeping all files." and keeps every snapshot (`prune_datastore`, `keeps_something`).
  Such jobs are listed, but they look after nothing.

Job settings are read in either spelling: the resources' camelCase inputs (`maxDepth`, `keepLast`) or
PBS's kebab-case config (`max-depth`, `keep-last`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .prune import KeepOptions

PRUNE, VERIFY = "prune", "verify"
KEEP_KEYS = ("keepLast", "keepHourly", "keepDaily", "keepWeekly", "keepMonthly", "keepYearly")


def _kebab(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), name)


def setting(settings: Mapping[str, Any], name: str) -> Any:
    """Setting `name` (camelCase) of a job, whichever spelling `settings` uses."""
    value = settings.get(name)
    return settings.get(_kebab(name)) if value is None else value


def _depth(ns: str) -> int:
    return len([part for part in ns.split("/") if part])


@dataclass(frozen=True)
class Scope:
    """The datastore and namespaces one job works on."""

    store: str
    ns: str = ""
    max_depth: int | None = None
    """Levels below `ns` (0: `ns` only); None: every level."""

    def reaches(self, store: str, ns: str) -> bool:
        """Whether the job works on namespace `ns` of datastore `store` (`""`: the root)."""
        if store != self.store:
            return False
        if self.ns and ns != self.ns and not ns.startswith(f"{self.ns}/"):
            return False
        return self.max_depth is None or _depth(ns) - _depth(self.ns) <= self.max_depth

    def __str__(self) -> str:
        where = f"`{self.store}`" + (f" namespace `{self.ns}`" if self.ns else "")
        depth = "" if self.max_depth is None else f" (maxDepth {self.max_depth})"
        return where + depth


def _count(value: Any) -> int | None:
    """An integer setting; a whole float counts too (a policy pack reads numbers from a protobuf
    `Struct`, where every number is a float)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def keep_options(settings: Mapping[str, Any]) -> KeepOptions:
    """A prune job's keep options, from its settings."""
    return KeepOptions(*(_count(setting(settings, key)) for key in KEEP_KEYS))


def keep_value(keep: KeepOptions, key: str) -> int | None:
    """One keep option by its camelCase name (`keepLast`)."""
    return getattr(keep, _kebab(key).replace("-", "_"))


def most_kept(keep: KeepOptions) -> int:
    """The most snapshots per group a prune with these options keeps (protected ones aside): each
    option keeps at most its count."""
    return sum(keep_value(keep, key) or 0 for key in KEEP_KEYS)


def describe_keep(keep: KeepOptions) -> str:
    """`keep-last 3, keep-daily 7` (PBS's option names), or `no keep option`."""
    parts = [f"{_kebab(key)} {keep_value(keep, key)}" for key in KEEP_KEYS if keep_value(keep, key)]
    return ", ".join(parts) or "no keep option"


@dataclass(frozen=True)
class DatastoreJob:
    """A prune or verify job as far as covering goes: its kind, id, scope and whether it runs."""

    kind: str
    job_id: str
    scope: Scope
    keep: KeepOptions
    """Prune jobs: the keep options (verify jobs: none set)."""
    idle: str | None
    """Why the job does nothing by itself (`is disabled`, …), None when it runs on its schedule."""

    @property
    def runs(self) -> bool:
        return self.idle is None

    @property
    def noun(self) -> str:
        return f"{self.kind} job `{self.job_id}`"


def datastore_job(kind: str, settings: Mapping[str, Any]) -> DatastoreJob:
    """A `PRUNE` or `VERIFY` job from its settings (`jobId` or PBS's `id`, `store`, `ns`, …)."""
    depth = setting(settings, "maxDepth")
    scope = Scope(
        str(setting(settings, "store") or ""),
        str(setting(settings, "ns") or ""),
        _count(depth),
    )
    job_id = str(setting(settings, "jobId") or settings.get("id") or "")
    keep = keep_options(settings) if kind == PRUNE else KeepOptions()
    idle: str | None = None
    if kind == PRUNE:
        if setting(settings, "disable") in (True, 1, "1", "true"):
            idle = "is disabled"
        elif not keep.keeps_something():
            idle = "has no keep option (PBS then keeps every snapshot)"
    elif not setting(settings, "schedule"):
        idle = "has no schedule (it runs only when started by hand)"
    return DatastoreJob(kind, job_id, scope, keep, idle)


def covering(jobs: list[DatastoreJob], store: str, ns: str) -> list[DatastoreJob]:
    """The jobs whose scope reaches namespace `ns` of `store`, running or not."""
    return [job for job in jobs if job.scope.reaches(store, ns)]
