"""The troubleshooting list (docs), reproduced: each failure ends the task the way PBS ends it."""

from __future__ import annotations

import datetime
import ipaddress
import socket
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pbs_sim.models.sync_common import SyncError, chain
from pbs_sim.testing import start_simulator
from pbs_sim.web.client import HttpClient
from tests.sim_sync.support import admin_remote, job, names, ok, pull_job, push_job, remote, run, sync_user

D1 = "2024-05-01T00:00:00Z"
WRONG_FP = ":".join(["ab"] * 32)


@pytest.fixture
def seeded(onprem, cloud):
    onprem.seed_content({"store1": [{"group": "vm/100", "snapshots": 1}]})
    return onprem, cloud


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- authentication ------------------------------------------------------------------------------
def test_pull_with_wrong_token_secret(seeded):
    onprem, cloud = seeded
    remote(cloud, onprem, onprem.admin_token_id, "00000000-0000-0000-0000-000000000000")
    pull_job(cloud)
    state, log = run(cloud, "pull1")
    assert state == "Querying namespaces failed - HTTP error 401 Unauthorized - authentication failed"
    assert log[-1] == f"TASK ERROR: {state}"
    assert cloud.content("offsite") == {"offsite": []}


def test_push_with_wrong_token_secret(seeded):
    onprem, cloud = seeded
    sync_user(cloud, roles={"/datastore/offsite": "DatastoreBackup"})
    remote(onprem, cloud, "sync@pbs!sync", "00000000-0000-0000-0000-000000000000")
    push_job(onprem)
    assert run(onprem, "push1")[0] == "authentication failed"


def test_pull_with_a_user_and_password(seeded):
    onprem, cloud = seeded
    ok(onprem.api("POST", "/access/users", json={"userid": "puller@pbs", "password": "correct-horse"}))
    ok(
        onprem.api(
            "PUT",
            "/access/acl",
            json={"path": "/datastore/store1", "role": "DatastoreReader", "auth-id": "puller@pbs"},
        )
    )
    remote(cloud, onprem, "puller@pbs", "wrong-password")
    pull_job(cloud)
    assert run(cloud, "pull1")[0] == "permission check failed."  # the ticket request was refused
    ok(cloud.api("PUT", "/config/remote/other", json={"password": "correct-horse"}))
    assert run(cloud, "pull1")[0] == "OK"
    assert names(cloud, "offsite") == [f"vm/100/{D1}"]


# --- privileges on the target --------------------------------------------------------------------
def test_push_without_datastore_backup_on_the_target(seeded):
    onprem, cloud = seeded
    secret = sync_user(cloud, roles={"/datastore/offsite": "DatastoreAudit"})
    remote(onprem, cloud, "sync@pbs!sync", secret)
    push_job(onprem)
    state, log = run(onprem, "push1")
    assert state == "Sync failed with some errors!"
    refused = "missing permissions 'Datastore.Backup' on '/datastore/offsite'"
    assert f"[vm/100]: Encountered errors: {D1}: {refused}" in log
    assert cloud.content("offsite") == {"offsite": []}


def test_push_without_any_privileges_on_the_target(seeded):
    onprem, cloud = seeded
    secret = sync_user(cloud)
    remote(onprem, cloud, "sync@pbs!sync", secret)
    push_job(onprem)
    state, _ = run(onprem, "push1")
    assert state == "Fetching remote namespaces failed, remote returned error: permission check failed"


def test_token_privileges_are_intersected_with_the_users(seeded):
    """The token has DatastoreBackup, its user nothing: the target refuses the backup session."""
    onprem, cloud = seeded
    secret = sync_user(cloud)
    ok(
        cloud.api(
            "PUT",
            "/access/acl",
            json={"path": "/datastore/offsite", "role": "DatastoreBackup", "auth-id": "sync@pbs!sync"},
        )
    )
    remote(onprem, cloud, "sync@pbs!sync", secret)
    push_job(onprem)
    assert (
        run(onprem, "push1")[0]
        == "Fetching remote namespaces failed, remote returned error: permission check failed"
    )


def test_pull_without_privileges_on_the_remote(seeded):
    onprem, cloud = seeded
    secret = sync_user(onprem)
    remote(cloud, onprem, "sync@pbs!sync", secret)
    pull_job(cloud)
    assert (
        run(cloud, "pull1")[0]
        == "Querying namespaces failed - HTTP error 403 Forbidden - permission check failed"
    )


# --- connection ----------------------------------------------------------------------------------
def test_target_port_closed(seeded):
    onprem, cloud = seeded
    admin_remote(onprem, cloud, port=_closed_port())
    push_job(onprem)
    assert run(onprem, "push1")[0] == "client error (Connect)"
    admin_remote(cloud, onprem, name="gone", port=_closed_port())
    pull_job(cloud, remote="gone")
    assert run(cloud, "pull1")[0] == "Querying namespaces failed - client error (Connect)"


def test_only_loopback_is_reachable(seeded):
    _, cloud = seeded
    admin_remote(cloud, cloud, name="far", host="pbs.example.com")
    pull_job(cloud, remote="far", store="offsite", **{"remote-store": "offsite"})
    assert run(cloud, "pull1")[0] == "Querying namespaces failed - client error (Connect)"


def test_fingerprint_mismatch_on_a_self_signed_certificate(seeded):
    onprem, cloud = seeded
    admin_remote(onprem, cloud, fingerprint=WRONG_FP)
    push_job(onprem)
    state, log = run(onprem, "push1")
    assert state == "client error (Connect)"
    assert log[2:5] == [
        "WARNING: certificate fingerprint does not match expected fingerprint!",
        f"expected:    {WRONG_FP}",
        "certificate validation failed - Certificate fingerprint was not confirmed.",
    ]
    ok(onprem.api("PUT", "/config/remote/other", json={"delete": ["fingerprint"]}))
    assert run(onprem, "push1")[0] == "client error (Connect)"  # self-signed and nothing pinned
    ok(onprem.api("PUT", "/config/remote/other", json={"fingerprint": cloud.fingerprint.upper()}))
    assert run(onprem, "push1")[0] == "OK"


def _ca_signed_certificate(data_dir: Path, ca_file: Path) -> None:
    """A CA and a leaf for 127.0.0.1 signed by it, installed as the simulator's certificate."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pbs_sim test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cloud")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    data_dir.mkdir(parents=True)
    (data_dir / "proxy.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (data_dir / "proxy.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))


def test_fingerprint_only_matters_for_untrusted_certificates(tmp_path):
    ca_file = tmp_path / "ca.pem"
    _ca_signed_certificate(tmp_path / "trusted", ca_file)
    with (
        start_simulator(tmp_path / "trusted", datastores=["offsite"]) as trusted,
        start_simulator(tmp_path / "a", sync_runner="pbs", trusted_ca=str(ca_file)) as pusher,
        start_simulator(tmp_path / "b", sync_runner="pbs") as stranger,
    ):
        for sim in (pusher, stranger):
            sim.seed_content({"store1": [{"group": "vm/100", "snapshots": 1}]})
            admin_remote(sim, trusted, fingerprint=WRONG_FP)  # a stale pin
            push_job(sim)
        assert run(pusher, "push1")[0] == "OK"  # the CA vouches for it: the pin is not consulted
        assert run(stranger, "push1")[0] == "client error (Connect)"  # no trust: the pin must match
        assert names(trusted, "offsite") == [f"vm/100/{D1}"]


# --- ownership, namespaces, configuration ---------------------------------------------------------
def test_pull_owner_check_failed(seeded):
    onprem, cloud = seeded
    onprem.seed_content({"store1": [{"group": "vm/101", "snapshots": 1}]})
    cloud.seed_content({"offsite": [{"group": "vm/100", "owner": "other@pbs", "snapshots": []}]})
    admin_remote(cloud, onprem)
    pull_job(cloud)
    state, log = run(cloud, "pull1")
    assert state == "sync failed with some errors."
    assert "[vm/100]: sync group vm/100 failed - owner check failed (root@pam != other@pbs)" in log
    assert names(cloud, "offsite") == [f"vm/101/{D1}"]  # the other group still arrived


def test_push_namespace_mismatch_is_ok_with_nothing_transferred(seeded):
    """The data sits in the root namespace; the job pushes the (empty) namespace 'site1' without recursion."""
    onprem, cloud = seeded
    ok(onprem.api("POST", "/admin/datastore/store1/namespace", json={"name": "site1"}))
    admin_remote(onprem, cloud)
    push_job(onprem, ns="site1", **{"max-depth": 0})
    state, log = run(onprem, "push1")
    assert state == "OK"
    assert "Found 0 groups to sync (out of 0 total)" in log
    assert "Summary: sync job found no new data to push" in log
    assert cloud.content("offsite") == {"offsite": []}


def test_push_source_namespace_missing(seeded):
    onprem, cloud = seeded
    admin_remote(onprem, cloud)
    push_job(onprem, ns="nope")
    assert run(onprem, "push1")[0] == "Source namespace 'nope' doesn't exist in datastore 'store1'!"


def test_remote_missing_from_remote_cfg(seeded):
    _, cloud = seeded
    pull_job(cloud, remote="ghost")
    assert run(cloud, "pull1")[0] == "no such remote 'ghost'"


def test_push_to_a_target_without_namespace_support(tmp_path, onprem):
    with start_simulator(tmp_path / "old", datastores=["offsite"], pbs_version="2.1.0") as old:
        onprem.seed_content({"store1": [{"group": "vm/100", "snapshots": 1}]})
        admin_remote(onprem, old)
        job(
            onprem,
            "push1",
            store="store1",
            remote="other",
            **{"remote-store": "offsite", "sync-direction": "push"},
        )
        assert run(onprem, "push1")[0] == "Unsupported remote api version, minimum v2.2 required"


def test_connect_errors_carry_pbs_cause_chain():
    """``client error (Connect)`` is what PBS 4 prints with ``{}``; ``{:#}`` shows the cause."""
    port = _closed_port()
    client = HttpClient("127.0.0.1", port, "sync@pbs!t", "secret")
    with pytest.raises(SyncError) as refused:
        client.request("GET", "/api2/json/version")
    assert str(refused.value) == "client error (Connect)"
    assert chain(refused.value) == (
        f"client error (Connect): error connecting to https://127.0.0.1:{port}/ - "
        "tcp connect error: Connection refused (os error 111)"
    )
    with pytest.raises(SyncError) as unknown:
        HttpClient("pbs.example.com", None, "sync@pbs!t", "secret").request("GET", "/api2/json/version")
    assert chain(unknown.value).endswith(
        "https://pbs.example.com:8007/ - dns error: failed to lookup address information: "
        "Name or service not known"
    )
