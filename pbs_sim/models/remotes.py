"""Remotes: ``remote.cfg`` and the rules of ``/config/remote`` (pbs src/api2/config/remote.rs).

The password is write-only: stored base64-encoded in ``remote.cfg`` and never returned.
Lookup failures on GET/PUT are section-config's plain 400 ``no such remote``; DELETE answers 404;
a remote referenced by a sync job cannot be deleted (checked before digest and existence).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from pbs_sim import api_types, errors
from pbs_sim.config_store import SectionConfigFile
from pbs_sim.models.permissions import PermissionResolver
from pbs_sim.section_config import SectionType
from pbs_types.config_text import rust_trim

REMOTE_TYPES = {"remote": SectionType("remote", "name", api_types.REMOTE_SECTION)}


def _without_password(name: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, **{k: v for k, v in props.items() if k != "password"}}


class RemoteStore:
    def __init__(self, data_dir: Path, perms: PermissionResolver) -> None:
        self.file = SectionConfigFile(data_dir / "remote.cfg", REMOTE_TYPES)
        self._perms = perms

    def list(self, caller: str) -> tuple[list[dict[str, Any]], str]:
        data, digest = self.file.read()
        result = [
            _without_password(name, props)
            for name, props in data.items("remote")
            if "Remote.Audit" in self._perms.lookup(caller, ["remote", name])
        ]
        return result, digest

    def read(self, name: str) -> tuple[dict[str, Any], str]:
        data, digest = self.file.read()
        found = data.get(name)
        if found is None or found[0] != "remote":
            raise errors.no_such_section("remote", name)
        return _without_password(name, found[1]), digest

    def read_with_password(self, name: str) -> dict[str, Any] | None:
        """The full remote including the decoded password (for a sync run), or None."""
        data, _ = self.file.read()
        found = data.get(name)
        if found is None:
            return None
        props = dict(found[1])
        if "password" in props:
            props["password"] = base64.b64decode(props["password"]).decode()
        return {"name": name, **props}

    def create(self, params: dict[str, Any]) -> None:
        name = params["name"]
        with self.file.locked():
            data, _ = self.file.read()
            if data.get(name) is not None:
                raise errors.remote_exists(name)
            props = {k: v for k, v in params.items() if k != "name"}
            props["password"] = base64.b64encode(props["password"].encode()).decode()
            data.set(name, "remote", props)
            self.file.write(data)

    def update(self, name: str, params: dict[str, Any]) -> None:
        with self.file.locked():
            data, digest = self.file.read()
            self.file.check_digest(params.get("digest"), digest)
            found = data.get(name)
            if found is None or found[0] != "remote":
                raise errors.no_such_section("remote", name)
            props = dict(found[1])
            for field in params.get("delete", []):
                props.pop(field, None)
            if "comment" in params:
                comment = rust_trim(params["comment"])
                if comment:
                    props["comment"] = comment
                else:
                    props.pop("comment", None)
            for field in ("host", "port", "auth-id", "fingerprint", "use-node-proxy"):
                if field in params:
                    props[field] = params[field]
            if "password" in params:
                props["password"] = base64.b64encode(params["password"].encode()).decode()
            data.set(name, "remote", props)
            self.file.write(data)

    def delete(self, name: str, digest: str | None, sync_jobs: list[tuple[str, dict[str, Any]]]) -> None:
        for job_id, job in sync_jobs:
            if job.get("remote") == name:
                raise errors.remote_in_use(name, job_id, job["store"])
        with self.file.locked():
            data, current = self.file.read()
            self.file.check_digest(digest, current)
            if not data.remove(name):
                raise errors.remote_does_not_exist(name)
            self.file.write(data)
