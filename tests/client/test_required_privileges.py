"""`required_privilege` for prune and verify jobs: what PBS 4.2 checks (proxmox-backup
`src/api2/config/prune.rs`, `verify.rs`, `src/api2/admin/prune.rs`, `verify.rs`) on the job's ACL path."""

from __future__ import annotations

import pytest

from pbs_provider.client.privileges import required_privilege


@pytest.mark.parametrize(
    ("method", "path", "privilege"),
    [
        ("POST", "/api2/json/config/prune", "Datastore.Modify on /datastore/<store>[/<ns>]"),
        ("PUT", "/config/prune/push-cloud", "Datastore.Modify on /datastore/<store>[/<ns>]"),
        ("DELETE", "/config/prune/push-cloud", "Datastore.Modify on /datastore/<store>[/<ns>]"),
        ("GET", "/config/prune/push-cloud", "Datastore.Audit on /datastore/<store>[/<ns>]"),
        ("POST", "/admin/prune/push-cloud/run", "Datastore.Modify on /datastore/<store>[/<ns>]"),
        ("POST", "/config/verify", "Datastore.Verify on /datastore/<store>[/<ns>]"),
        ("PUT", "/config/verify/push-cloud?digest=x", "Datastore.Verify on /datastore/<store>[/<ns>]"),
        ("DELETE", "/config/verify/push-cloud", "Datastore.Verify on /datastore/<store>[/<ns>]"),
        (
            "GET",
            "/config/verify/push-cloud",
            "Datastore.Audit or Datastore.Verify on /datastore/<store>[/<ns>]",
        ),
        ("POST", "/admin/verify/push-cloud/run", "Datastore.Verify on /datastore/<store>[/<ns>]"),
    ],
)
def test_prune_and_verify_job_requests_name_their_privilege_and_path(method, path, privilege):
    assert required_privilege(method, path).startswith(privilege)


def test_a_job_listing_is_not_claimed():  # PBS filters the list by privilege instead of refusing it
    assert required_privilege("GET", "/config/prune") is None
