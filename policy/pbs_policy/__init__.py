"""Policy rules that encode PBS replication practice for the pbs-replication Pulumi stacks.

The rules read the PBS resources of a stack (identified by their `pulumi-python:dynamic/pbs:*`
type tokens) and, where a rule needs it, the stack's `servers` config. `pack.build_policies()`
assembles them; `policy/__main__.py` serves them to the Pulumi engine.
"""
