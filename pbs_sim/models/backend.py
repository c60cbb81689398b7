"""The whole simulated PBS: every model wired to one data dir, clock and node."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pbs_sim.clock import SimClock
from pbs_sim.config_store import ConfigFile
from pbs_sim.models.access_control import AccessControl
from pbs_sim.models.acl import AclFile
from pbs_sim.models.auth import Authenticator
from pbs_sim.models.content_access import ContentAccess
from pbs_sim.models.datastores import DatastoreStore
from pbs_sim.models.jobs import JobStates
from pbs_sim.models.permissions import PermissionResolver
from pbs_sim.models.prune_jobs import PruneJobStore
from pbs_sim.models.remotes import RemoteStore
from pbs_sim.models.sync_jobs import SyncJobStore
from pbs_sim.models.tasks import TaskManager
from pbs_sim.models.users import UserStore
from pbs_sim.models.verify_jobs import VerifyJobStore

DEFAULT_JOB_LOCK_TIMEOUT = 10.0


@dataclass(frozen=True)
class ServerIdentity:
    node: str
    version: str  # "4.2.3"
    version_tuple: tuple[int, int, int]
    repoid: str
    fingerprint: str


class PbsBackend:
    def __init__(
        self,
        data_dir: Path,
        identity: ServerIdentity,
        job_lock_timeout: float = DEFAULT_JOB_LOCK_TIMEOUT,
    ) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.identity = identity
        self.clock = SimClock(data_dir)
        self.started_at = self.clock.epoch()
        now = self.clock.epoch
        self.acl_file = AclFile(data_dir / "acl.cfg")
        self.perms = PermissionResolver(lambda: self.acl_file.read()[0])
        self.users = UserStore(data_dir, now, self.acl_file, self.perms)
        self.auth = Authenticator(data_dir, self.users, now)
        self.access = AccessControl(self.acl_file, self.users, self.perms)
        self.remotes = RemoteStore(data_dir, self.perms)
        self.tasks = TaskManager(data_dir, identity.node, now)
        self.jobs = JobStates(data_dir, self.tasks, now, job_lock_timeout)
        self.datastores = DatastoreStore(data_dir, self.perms, self.acl_file)
        self.content = ContentAccess(self.datastores, self.perms, self.tasks)
        self.sync = SyncJobStore(data_dir, self.perms, self.jobs, self.tasks, now, self.datastores.require)
        self.prune = PruneJobStore(data_dir, self.perms, self.jobs, self.tasks, self.datastores, now)
        self.verify = VerifyJobStore(data_dir, self.perms, self.jobs, self.tasks, self.datastores, now)
        # set by the server, which owns the network side: GET /config/remote/{name}/scan
        self.remote_scan: Any = None

    def config_files(self) -> dict[str, ConfigFile]:
        """The digest-checked config files by file name (for the digest-race switch)."""
        files: list[ConfigFile] = [
            self.remotes.file,
            self.sync.file,
            self.prune.file,
            self.verify.file,
            self.users.file,
            self.acl_file,
            self.datastores.file,
        ]
        return {f.name: f for f in files}

    # --- bootstrap (CLI / testing) -----------------------------------------------------------------
    def set_root_password(self, password: str) -> None:
        self.users.set_password("root@pam", password)

    def ensure_admin_token(self, tokenid: str, secret: str) -> None:
        """A token with a known secret and ``Admin`` on ``/`` (idempotent)."""
        self.users.ensure_token(tokenid, secret)
        with self.acl_file.locked():
            tree, _ = self.acl_file.read()
            node = tree.find_node("/")
            roles = node.users.get(tokenid, {}) if node is not None else {}
            if roles.get("Admin") is not True:
                tree.insert_user_role("/", tokenid, "Admin", True)
                self.acl_file.write(tree)
