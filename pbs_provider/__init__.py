"""pbs_provider: Pulumi dynamic providers for Proxmox Backup Server replication.

Importing this package has no side effects (no `pulumi.Config()`, no network): the dynamic-provider
plugin unpickles providers by module path and imports it in its own process.
"""
