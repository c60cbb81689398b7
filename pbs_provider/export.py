"""Export a live PBS's remotes and sync jobs as stack config (`remotes`, `syncJobs`) with `adopt: true`.

This is how a setup built in the GUI comes under management: paste the output into a stack file, set
the remote passwords (PBS never returns them) as secrets, run `pulumi up`: every object is adopted
(read and, where it differs, updated) instead of created. Values are read through the schema models,
so they come out exactly as the providers will compare them.
"""

from __future__ import annotations

from typing import Any

import yaml

from pbs_provider.client import PbsClient
from pbs_provider.schemas.base import PbsObject
from pbs_provider.schemas.remote import RemoteSchema
from pbs_provider.schemas.sync_job import SyncJobSchema
from pbs_provider.stack_config import NAMESPACE, REMOTE_PASSWORDS_KEY, REMOTES_KEY, SYNC_JOBS_KEY


def _entry(schema: type[PbsObject], data: dict[str, Any], server: str) -> dict[str, Any]:
    """Stack-config entry (camelCase inputs) for one PBS object, without its identity (the map key)."""
    values = schema.from_pbs(data).wire_values()
    identity = {s.input_name for s in schema.identity_specs()}
    output_only = {s.input_name for s in schema.output_only_specs()}
    entry = {k: v for k, v in values.items() if k not in identity and k not in output_only}
    return {"server": server, **entry, "adopt": True}


def export_config(client: PbsClient, server: str) -> dict[str, Any]:
    """The `remotes` and `syncJobs` config for everything on `client`'s PBS (push jobs included)."""
    remotes = client.get("/config/remote").data or []
    jobs = client.get("/config/sync", params={"sync-direction": "all"}).data or []
    return {
        f"{NAMESPACE}:{REMOTES_KEY}": {r["name"]: _entry(RemoteSchema, r, server) for r in remotes},
        f"{NAMESPACE}:{SYNC_JOBS_KEY}": {j["id"]: _entry(SyncJobSchema, j, server) for j in jobs},
    }


def render(config: dict[str, Any], stack: str = "<stack>") -> str:
    """YAML for a stack file, with the commands that set the passwords PBS cannot export."""
    remotes = config[f"{NAMESPACE}:{REMOTES_KEY}"]
    lines = [
        "# Exported from a live PBS: paste under `config:` in stacks/Pulumi.<stack>.yaml.",
        "# `adopt: true` makes `pulumi up` take these objects over instead of failing because they exist.",
    ]
    if remotes:
        lines.append("# PBS never returns remote passwords: set each one as a secret before `pulumi up`:")
        command = "#   pulumi config set --secret --path '{key}.{name}' <password> --stack {stack}"
        lines += [command.format(key=REMOTE_PASSWORDS_KEY, name=name, stack=stack) for name in remotes]
    body = yaml.safe_dump({"config": config}, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return "\n".join(lines) + "\n" + body
