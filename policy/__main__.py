"""Policy pack entry point: serves the PBS practice rules to the Pulumi engine.

Run by the CLI with `pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json`.
"""

from pbs_policy.pack import PACK_NAME, build_policies
from pulumi_policy import PolicyPack

PolicyPack(name=PACK_NAME, policies=build_policies())
