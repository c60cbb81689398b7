"""One module per rule; each exposes `NAME` and `policy(...)` returning its pulumi_policy Policy."""
