"""Toy program: one Thing per entry of `toy:things`; `parent: <name>` makes a dependency on that Thing."""

import pulumi
from toy_provider import Thing

config = pulumi.Config()
things = config.get_object("things") or {}
created: dict[str, Thing] = {}
for name in sorted(things, key=lambda n: (things[n].get("parent") is not None, n)):
    spec = dict(things[name])
    parent = spec.pop("parent", None)
    props = {"name": name, **spec}
    if "secretValue" in props:
        props["secretValue"] = pulumi.Output.secret(props["secretValue"])
    opts = None
    if parent:
        props["parent"] = created[parent].length.apply(lambda n, p=parent: f"{p}:{n}")
        opts = pulumi.ResourceOptions(depends_on=[created[parent]])
    created[name] = Thing(name, props, opts)
pulumi.export("names", sorted(created))
