"""Pulumi program entry: turns the stack config into PBS resources (filled in by the stack program)."""
