"""pbs-datastore `StoreProgress` (`pbs-datastore/src/store_progress.rs`) and how it prints in a task
log (`percentage done: ...`): shared by pull, push and verify runs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class StoreProgress:
    """``StoreProgress`` and its ``Display``."""

    total_groups: int
    done_groups: int = 0
    done_snapshots: int = 0
    group_snapshots: int = 0

    def percentage(self) -> float:
        per_groups = self.done_groups / self.total_groups if self.total_groups else float("nan")
        if self.group_snapshots == 0:
            return per_groups
        return per_groups + (1 / self.total_groups) * (self.done_snapshots / self.group_snapshots)

    def __str__(self) -> str:
        pct = f"{self.percentage() * 100:.2f}%"
        current = self.done_groups + 1 if self.done_groups < self.total_groups else self.done_groups
        if self.group_snapshots == 0:
            return f"{pct} ({self.done_groups}/{self.total_groups} groups)"
        if self.total_groups == 1:
            return f"{pct} ({self.done_snapshots}/{self.group_snapshots} snapshots)"
        if self.done_snapshots == self.group_snapshots:
            return f"{pct} ({current}/{self.total_groups} groups)"
        return (
            f"{pct} ({self.done_groups}/{self.total_groups} groups, "
            f"{self.done_snapshots}/{self.group_snapshots} snapshots in group #{current})"
        )
