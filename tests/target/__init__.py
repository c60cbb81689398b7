"""Tests of the target side: User, ApiToken, AclEntry, Namespace, Replication, their stack config."""
