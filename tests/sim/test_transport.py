"""Transport: TLS certificate and fingerprint, plain-HTTP redirect, URL rules,
keep-alive and concurrent clients."""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from pbs_sim.testing import start_simulator
from tests.sim.support import data, error


def _peer_certificate(sim) -> x509.Certificate:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((sim.host, sim.port)) as raw, context.wrap_socket(raw) as tls:
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def test_fingerprint_is_sha256_of_leaf_in_colon_hex(pbs_sim):
    assert re.fullmatch(r"(?:[0-9a-f]{2}:){31}[0-9a-f]{2}", pbs_sim.fingerprint)
    cert = _peer_certificate(pbs_sim)
    assert cert.fingerprint(hashes.SHA256()).hex(":") == pbs_sim.fingerprint
    assert data(pbs_sim.api("GET", "/nodes/localhost/status"))["info"]["fingerprint"] == pbs_sim.fingerprint


def test_certificate_names_like_pbs(pbs_sim):
    cert = _peer_certificate(pbs_sim)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) == {"localhost", "pbs1"}
    assert set(sans.get_values_for_type(x509.IPAddress)) == {
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    }
    subject = {attr.oid._name: attr.value for attr in cert.subject}
    assert subject["organizationName"] == "Proxmox Backup Server"
    assert subject["commonName"] == "pbs1"


def test_fingerprint_and_port_stable_across_restart(pbs_sim):
    before, port = pbs_sim.fingerprint, pbs_sim.port
    pbs_sim.restart()
    assert (pbs_sim.fingerprint, pbs_sim.port) == (before, port)
    assert _peer_certificate(pbs_sim).fingerprint(hashes.SHA256()).hex(":") == before


def test_fingerprint_stable_across_processes(tmp_path):
    with start_simulator(tmp_path / "d") as first:
        fingerprint = first.fingerprint
    with start_simulator(tmp_path / "d") as second:
        assert second.fingerprint == fingerprint
    with start_simulator(tmp_path / "other") as third:
        assert third.fingerprint != fingerprint


def _plain_request(sim, method: str, host_header: bool = True) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(sim.host, sim.port, timeout=10)
    conn.putrequest(method, "/api2/json/version", skip_host=not host_header)
    if method == "POST":
        conn.putheader("Content-Length", "0")
    conn.endheaders()
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_plain_http_gets_redirected_to_https(pbs_sim):
    get = _plain_request(pbs_sim, "GET")
    assert get.status == 301
    assert get.getheader("Location") == f"https://{pbs_sim.host}:{pbs_sim.port}"
    post = _plain_request(pbs_sim, "POST")
    assert post.status == 308
    assert _plain_request(pbs_sim, "GET", host_header=False).status == 400


def test_output_formats(pbs_sim):
    response = pbs_sim.session().get(f"{pbs_sim.url}/api2/xml/version")
    error(response, 400, "Unsupported output format 'xml'.")
    extjs = pbs_sim.session().get(f"{pbs_sim.url}/api2/extjs/version").json()
    assert extjs["success"] is True and extjs["status"] == 200 and extjs["data"]["version"] == "4.2"
    failed = pbs_sim.session().get(f"{pbs_sim.url}/api2/extjs/config/remote/nope")
    assert failed.status_code == 200
    assert failed.json() == {
        "message": "no such remote 'nope'",
        "errors": {},
        "success": False,
        "status": 400,
    }
    bad = pbs_sim.session().post(f"{pbs_sim.url}/api2/extjs/config/remote", data={"name": "x"})
    assert bad.status_code == 200
    body = bad.json()
    assert body["message"] == "parameter verification errors" and body["success"] is False
    assert body["errors"]["name"] == "value must be at least 3 characters long"


def test_error_body_is_plain_text_with_json_content_type(pbs_sim):
    response = pbs_sim.api("GET", "/config/remote/nope")
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert response.text == "no such remote 'nope'"


def test_success_envelope(pbs_sim):
    response = pbs_sim.api("GET", "/config/remote")
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert set(response.json()) == {"data", "digest"}
    assert pbs_sim.api(
        "PUT", "/access/acl", json={"path": "/", "role": "Audit", "auth-id": "root@pam"}
    ).json() == {"data": None}


def test_path_rules(pbs_sim):
    session = pbs_sim.session()
    error(session.get(f"{pbs_sim.url}/api2/json/.hidden/version"), 400, "path contains illegal components")
    # empty segments are dropped
    assert session.get(f"{pbs_sim.url}//api2///json/version").status_code == 200
    long = session.get(f"{pbs_sim.url}/api2/json/version", params={"x": "y" * 3100})
    assert long.status_code == 414
    # path segments are percent-decoded by the router
    error(pbs_sim.api("GET", "/config/remote/no%73uch"), 400, "no such remote 'nosuch'")


def test_keep_alive_serves_many_requests_on_one_connection(pbs_sim):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(pbs_sim.host, pbs_sim.port, context=context, timeout=10)
    auth = {"Authorization": f"PBSAPIToken={pbs_sim.admin_token_id}:{pbs_sim.admin_token_secret}"}
    conn.connect()
    first_socket = conn.sock
    for _ in range(5):
        conn.request("GET", "/api2/json/version", headers=auth)
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Connection", "keep-alive").lower() != "close"
        response.read()
    assert conn.sock is first_socket
    conn.close()


def test_concurrent_clients(pbs_sim):
    results: list[int] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        with pbs_sim.new_session() as session:
            for round_ in range(5):
                body = {
                    "name": f"r{index:02d}x{round_}",
                    "host": "h.example",
                    "auth-id": "a@pbs",
                    "password": "p",
                }
                status = session.post(f"{pbs_sim.url}/api2/json/config/remote", json=body).status_code
                with lock:
                    results.append(status)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [200] * 40
    assert len(data(pbs_sim.api("GET", "/config/remote"))) == 40


def test_restart_drops_pooled_connections_and_keeps_serving(pbs_sim):
    session = pbs_sim.new_session()
    assert session.get(f"{pbs_sim.url}/api2/json/version").status_code == 200
    pbs_sim.restart()
    # the old keep-alive connection was closed by the restart; requests reconnects
    assert session.get(f"{pbs_sim.url}/api2/json/version").status_code == 200
    session.close()
