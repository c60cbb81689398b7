"""Shared by the run and doctor tests: two simulators shaped like the dev stack's servers, a classic stack
on them (remotes and sync jobs written out by hand) run through the mini engine (`StackRun`), its config as
the CLI loads it, and stack files on disk.

The classic config (`CLASSIC`) is the dev stack as it was before it became two `replications` (those are
covered by tests/program/test_dev_stack.py, tests/doctor/test_doctor_replication.py and tests/demo/): a push
job onprem:store1 -> cloud:offsite over a dedicated remote, and a pull of the container templates back.
Its remotes log in as `root@pam!pulumi`, which the simulators carry; the stack reaches each simulator with
its admin token (`StackRun`).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pbs_provider.passphrase import PassphraseCrypter
from pbs_provider.stack_config import NAMESPACE, StackConfig, load_stack_config
from pbs_sim.testing import SimHandle
from tests.program.stacks import PROJECT, StackRun

DEV_REMOTE_TOKEN = "root@pam!pulumi"
PASSPHRASE = "test passphrase"
SECRET_MAPS = ("serverSecrets", "remotePasswords", "userPasswords")


@dataclass
class DevWorld:
    """The dev stack's two servers: `onprem` (store1) and `cloud` (offsite)."""

    onprem: SimHandle
    cloud: SimHandle
    remote_secret: str
    """The secret of `root@pam!pulumi` on cloud: the dev remotes' password."""

    @property
    def sims(self) -> dict[str, SimHandle]:
        return {"onprem": self.onprem, "cloud": self.cloud}


def dev_world(factory: Callable[..., SimHandle], sync_runner: str = "null", **options: Any) -> DevWorld:
    """`sync_runner="pbs"`: runs really pull and push between the two (default: runs move nothing);
    `options` go to both simulators (e.g. `job_lock_timeout`)."""
    secret = str(uuid.uuid4())
    common = {"sync_runner": sync_runner, **options}
    onprem = factory(
        "onprem", datastores=["store1"], tokens=[(DEV_REMOTE_TOKEN, str(uuid.uuid4()))], **common
    )
    cloud = factory("cloud", datastores=["offsite"], tokens=[(DEV_REMOTE_TOKEN, secret)], **common)
    return DevWorld(onprem, cloud, secret)


CLASSIC: dict[str, Any] = {
    "remotes": {
        # on onprem: how onprem reaches cloud. One dedicated remote per push job (PBS's advice).
        "cloud-push": {
            "server": "onprem",
            "host": "127.0.0.1",
            "port": 18008,
            "authId": DEV_REMOTE_TOKEN,
            "fingerprintFrom": "cloud",
            "comment": "cloud PBS, used by the push job only",
        },
        "cloud-pull": {
            "server": "onprem",
            "host": "127.0.0.1",
            "port": 18008,
            "authId": DEV_REMOTE_TOKEN,
            "fingerprintFrom": "cloud",
            "comment": "cloud PBS, for pulling shared templates",
        },
    },
    "syncJobs": {
        "push-cloud": {
            "server": "onprem",
            "syncDirection": "push",
            "store": "store1",
            "remote": "cloud-push",
            "remoteStore": "offsite",
            "schedule": "hourly",
            "removeVanished": False,
            "rateOut": "50 MiB",
            # the container templates come from the cloud (pull-templates): pushing them back would loop
            "groupFilter": ["exclude:type:ct"],
            "comment": "on-prem -> cloud, hourly",
        },
        "pull-templates": {
            "server": "onprem",
            "store": "store1",
            "remote": "cloud-pull",
            "remoteStore": "offsite",
            "groupFilter": ["type:ct"],
            "schedule": "daily",
            "transferLast": 3,
            "comment": "shared container templates from the cloud",
        },
    },
    "replications": {},  # the dev stack file's replications stay out of these tests
}


# Prune and verify jobs for both datastores, so that each job's target is looked after (the doctor's
# retention check): pass as `dev_stack(world, path, **RETENTION)`.
RETENTION = {
    "pruneJobs": {
        f"prune-{store}": {
            "server": server,
            "store": store,
            "schedule": "daily",
            "keepLast": 3,
            "keepDaily": 7,
        }
        for server, store in (("cloud", "offsite"), ("onprem", "store1"))
    },
    "verifyJobs": {
        f"verify-{store}": {"server": server, "store": store, "schedule": "sat 03:00"}
        for server, store in (("cloud", "offsite"), ("onprem", "store1"))
    },
}


def classic_config() -> dict[str, Any]:
    """The classic config (a copy), keys without the project namespace."""
    return copy.deepcopy(CLASSIC)


def dev_remotes(world: DevWorld) -> dict[str, Any]:
    """The classic remotes, pointed at the cloud simulator's port."""
    return {key: {**entry, "port": world.cloud.port} for key, entry in classic_config()["remotes"].items()}


def dev_stack(world: DevWorld, state_dir: Path, **config: Any) -> StackRun:
    """The classic stack against `world` (remotes at cloud's port, their password cloud's dev token)."""
    remotes = dev_remotes(world)
    passwords = {key: world.remote_secret for key in remotes}
    classic = classic_config()
    settings: dict[str, Any] = {
        "remotes": remotes,
        "remotePasswords": passwords,
        "syncJobs": classic["syncJobs"],
        "replications": classic["replications"],
        **config,
    }
    return StackRun("dev", state_dir, world.sims, **settings)


def loaded(run: StackRun, environ: dict[str, str] | None = None) -> StackConfig:
    """The stack config of `run` as the program (and the CLI) validate it."""
    values = run.kwargs()
    cfg, secret_keys = values["config"], set(values["secret_keys"])
    return load_stack_config(
        lambda key: cfg.get(f"{NAMESPACE}:{key}"),
        lambda key: f"{NAMESPACE}:{key}" in secret_keys,
        list(cfg),
        environ or {},
    )


def write_project(run: StackRun, directory: Path, stack: str = "e2e") -> Path:
    """A project directory whose stack `stack` holds `run`'s config, secrets encrypted with PASSPHRASE."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text((PROJECT / "Pulumi.yaml").read_text())
    crypter, salt = PassphraseCrypter.new_salt(PASSPHRASE)
    config: dict[str, Any] = {f"{NAMESPACE}:{k}": v for k, v in classic_config().items()}
    config.update({f"{NAMESPACE}:{k}": v for k, v in run.overrides.items()})
    for key, values in run.secrets.items():
        config[f"{NAMESPACE}:{key}"] = {name: {"secure": crypter.encrypt(v)} for name, v in values.items()}
    stacks = directory / "stacks"
    stacks.mkdir(exist_ok=True)
    document = {"secretsprovider": "passphrase", "encryptionsalt": salt, "config": config}
    (stacks / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return directory
