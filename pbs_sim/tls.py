"""TLS for the simulator: a PBS-like self-signed certificate kept in the data dir, and its fingerprint.

Like PBS's ``update_self_signed_cert``: subject ``O=Proxmox Backup Server, OU=<uuid>, CN=<node>``,
SANs ``127.0.0.1``, ``::1``, ``localhost`` and the node name, very long validity. Files are
``proxy.pem``/``proxy.key``; they are generated once and reused, so the fingerprint (SHA-256 of the DER
leaf, lower-case colon hex) is stable across restarts. The client side of the same trust,
`FingerprintAdapter`, pins exactly that certificate (used by sync runs to other simulators and tests).
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import ssl
import uuid
from pathlib import Path
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from requests.adapters import HTTPAdapter

CERT_FILE = "proxy.pem"
KEY_FILE = "proxy.key"


def fingerprint_of_der(der: bytes) -> str:
    digest = hashlib.sha256(der).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def cert_fingerprint(cert_path: Path) -> str:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return fingerprint_of_der(cert.public_bytes(serialization.Encoding.DER))


def _generate(cert_path: Path, key_path: Path, node: str, key_bits: int) -> None:
    """RSA with ``key_bits`` like PBS; ``key_bits=0`` means an EC P-256 key (fast, for tests)."""
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if key_bits:
        key = rsa.generate_private_key(public_exponent=65537, key_size=key_bits)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Proxmox Backup Server"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, str(uuid.uuid4())),
            x509.NameAttribute(NameOID.COMMON_NAME, node),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    sans: list[x509.GeneralName] = [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
        x509.DNSName("localhost"),
    ]
    if node != "localhost":
        sans.append(x509.DNSName(node))
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * 1000))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_pem)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure_certificate(data_dir: Path, node: str, key_bits: int = 4096) -> tuple[Path, Path]:
    """Return (cert, key) paths in ``data_dir``, generating them on first use only."""
    cert_path, key_path = data_dir / CERT_FILE, data_dir / KEY_FILE
    if not (cert_path.exists() and key_path.exists()):
        _generate(cert_path, key_path, node, key_bits)
    return cert_path, key_path


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_path), str(key_path))
    context.set_alpn_protocols(["http/1.1"])
    return context


class FingerprintAdapter(HTTPAdapter):
    """A requests adapter that trusts exactly one certificate, by its SHA-256 fingerprint."""

    def __init__(self, fingerprint: str, **kwargs: Any) -> None:
        self._fingerprint = fingerprint.replace(":", "").lower()
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        kwargs["ssl_context"] = context
        kwargs["assert_fingerprint"] = self._fingerprint
        super().init_poolmanager(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        # No CA chain to check (self-signed): the pinned fingerprint is the verification. Forced here
        # because requests lets REQUESTS_CA_BUNDLE override a session's ``verify=False``.
        kwargs["verify"] = False
        return super().send(request, **kwargs)
