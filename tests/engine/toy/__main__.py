"""Toy program: one Thing per entry of `toy:things`; `parent: <name>` makes a dependency on that Thing,
`retainOnDelete: true` sets that resource option."""

import pulumi
from toy_provider import Thing

config = pulumi.Config()
things = config.get_object("things") or {}
created: dict[str, Thing] = {}
for name in sorted(things, key=lambda n: (things[n].get("parent") is not None, n)):
    spec = dict(things[name])
    parent = spec.pop("parent", None)
    retain = bool(spec.pop("retainOnDelete", False))
    props = {"name": name, **spec}
    if "secretValue" in props:
        props["secretValue"] = pulumi.Output.secret(props["secretValue"])
    opts = pulumi.ResourceOptions(retain_on_delete=True) if retain else None
    if parent:
        props["parent"] = created[parent].length.apply(lambda n, p=parent: f"{p}:{n}")
        opts = pulumi.ResourceOptions(depends_on=[created[parent]], retain_on_delete=retain or None)
    created[name] = Thing(name, props, opts)
pulumi.export("names", sorted(created))
