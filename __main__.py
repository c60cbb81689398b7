"""Pulumi program entry: the stack config becomes PBS resources (see docs/configuration.md)."""

import pulumi

from pbs_provider.program import deploy
from pbs_provider.stack_config import StackConfigError, load_stack_config

try:
    stack_config = load_stack_config()
except StackConfigError as error:
    raise pulumi.RunError(str(error)) from None
deploy(stack_config)
