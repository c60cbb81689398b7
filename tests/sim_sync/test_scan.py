"""``/config/remote/{name}/scan``: the server looks at a remote with the remote's own configuration."""

from __future__ import annotations

from tests.sim.support import error
from tests.sim_sync.support import admin_remote, ok, remote, sync_user


def test_scan_datastores_namespaces_groups(onprem, cloud):
    cloud.seed_content({"offsite": [{"group": "vm/100", "ns": "site1", "snapshots": 2}]})
    admin_remote(onprem, cloud)
    assert ok(onprem.api("GET", "/config/remote/other/scan")) == [
        {"store": "offsite", "comment": None, "mount-status": "nonremovable", "backend-type": "filesystem"}
    ]
    assert ok(onprem.api("GET", "/config/remote/other/scan/offsite")) == [
        {"subdir": "groups"},
        {"subdir": "namespaces"},
    ]
    assert ok(onprem.api("GET", "/config/remote/other/scan/offsite/namespaces")) == [
        {"ns": ""},
        {"ns": "site1"},
    ]
    assert ok(onprem.api("GET", "/config/remote/other/scan/offsite/groups")) == []
    [group] = ok(onprem.api("GET", "/config/remote/other/scan/offsite/groups", params={"namespace": "site1"}))
    assert group["backup-id"] == "100" and group["backup-count"] == 2 and group["owner"] == "root@pam"


def test_scan_shows_what_the_remote_credentials_see(onprem, cloud):
    secret = sync_user(cloud, roles={"/datastore/offsite": "DatastoreBackup"})
    remote(onprem, cloud, "sync@pbs!sync", secret)
    assert [d["store"] for d in ok(onprem.api("GET", "/config/remote/other/scan"))] == ["offsite"]
    remote(onprem, cloud, "sync@pbs!sync", "00000000-0000-0000-0000-000000000000", name="badtoken")
    error(
        onprem.api("GET", "/config/remote/badtoken/scan"),
        500,
        "failed to scan remote 'badtoken' - authentication failed",
    )
    ok(cloud.api("POST", "/access/users", json={"userid": "pw@pbs", "password": "right-password"}))
    remote(onprem, cloud, "pw@pbs", "wrong-password", name="badpw")
    error(
        onprem.api("GET", "/config/remote/badpw/scan"),
        500,
        "failed to scan remote 'badpw' - remote connection to '127.0.0.1' failed - permission check failed.",
    )


def test_scan_failures(onprem, cloud):
    admin_remote(onprem, cloud, fingerprint=":".join(["ab"] * 32))
    error(
        onprem.api("GET", "/config/remote/other/scan"),
        500,
        "failed to scan remote 'other' - client error (Connect)",
    )
    error(onprem.api("GET", "/config/remote/nope/scan"), 400, "no such remote 'nope'")
    secret = sync_user(onprem, "viewer@pbs", "t")
    response = onprem.new_session(auth=None).get(
        f"{onprem.url}/api2/json/config/remote/other/scan",
        headers={"Authorization": f"PBSAPIToken=viewer@pbs!t:{secret}"},
        timeout=30,
    )
    error(response, 403, "permission check failed")
