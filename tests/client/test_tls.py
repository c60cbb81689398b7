"""TLS trust: fingerprint pinning, CA file, refusing untrusted certificates, verify_tls=false."""

from __future__ import annotations

import logging
import ssl

import pytest
from urllib3.exceptions import InsecureRequestWarning

from pbs_provider.client import ConnectionFailed, PbsClient, ServerConfig, TlsMismatch

from .conftest import FAST_RETRY, token_config

OTHER_FINGERPRINT = ":".join(["ab"] * 32)


def test_pinned_fingerprint_is_accepted_in_any_case(pbs_sim):
    client = PbsClient(token_config(pbs_sim, fingerprint=pbs_sim.fingerprint.upper()), "pbs1")
    assert client.get("/version").data["version"]


def test_wrong_pin_is_refused_with_the_presented_fingerprint(pbs_sim):
    client = PbsClient(token_config(pbs_sim, fingerprint=OTHER_FINGERPRINT), "pbs1")
    with pytest.raises(TlsMismatch) as failure:
        client.get("/version")
    error = failure.value
    assert error.presented_fingerprint == pbs_sim.fingerprint
    assert "certificate changed (renewal?): update `fingerprint`" in (error.hint or "")
    assert pbs_sim.fingerprint in (error.hint or "")
    assert pbs_sim.request_log() == []  # nothing reached the API


def test_self_signed_without_pin_or_ca_is_refused_with_how_to_get_the_fingerprint(pbs_sim):
    client = PbsClient(token_config(pbs_sim, fingerprint=None), "pbs1")
    with pytest.raises(TlsMismatch) as failure:
        client.get("/version")
    hint = failure.value.hint or ""
    assert "proxmox-backup-manager cert info" in hint
    assert pbs_sim.fingerprint in hint
    assert "not trusted" in failure.value.message
    assert pbs_sim.request_log() == []


def test_ca_file_verifies_chain_and_host_name(pbs_sim, tmp_path):
    ca_file = tmp_path / "pbs-ca.pem"
    ca_file.write_text(ssl.get_server_certificate((pbs_sim.host, pbs_sim.port)))
    client = PbsClient(token_config(pbs_sim, fingerprint=None, ca_file=ca_file), "pbs1")
    assert client.get("/version").data["version"]


def test_ca_file_of_another_server_is_refused(pbs_sim, pbs_sim_factory, tmp_path):
    other = pbs_sim_factory("other")
    ca_file = tmp_path / "other-ca.pem"
    ca_file.write_text(ssl.get_server_certificate((other.host, other.port)))
    client = PbsClient(token_config(pbs_sim, fingerprint=None, ca_file=ca_file), "pbs1")
    with pytest.raises(TlsMismatch):
        client.get("/version")


def test_verification_off_works_and_warns_loudly(pbs_sim, caplog):
    with caplog.at_level(logging.WARNING, logger="pbs_provider.client"):
        client = PbsClient(token_config(pbs_sim, fingerprint=None, verify_tls=False), "pbs1")
    assert "TLS VERIFICATION IS OFF" in caplog.text
    with pytest.warns(InsecureRequestWarning):
        assert client.get("/version").data["version"]


def test_plain_http_to_the_tls_port_fails_clearly(pbs_sim):
    server = ServerConfig(
        url=f"http://{pbs_sim.host}:{pbs_sim.port}",
        allow_http=True,
        auth_id=pbs_sim.admin_token_id,
        secret=pbs_sim.admin_token_secret,
        retry=FAST_RETRY,
        read_timeout=5,
    )
    with pytest.raises(ConnectionFailed) as failure:
        PbsClient(server, "pbs1").get("/version")
    # PBS (and the simulator) answer plain HTTP on 8007 with a redirect to https, never followed.
    assert failure.value.reason == "redirect" and failure.value.status == 301
    assert f"redirected to https://{pbs_sim.host}:{pbs_sim.port}" in failure.value.message
    assert "use the https:// URL" in (failure.value.hint or "")
