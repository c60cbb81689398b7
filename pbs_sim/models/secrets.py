"""Hashed secrets at rest: ``token.shadow`` (API token secrets) and ``shadow.json`` (user passwords).

Both are JSON maps id -> hash, like PBS's files. Hashes are salted PBKDF2-SHA256
(``$pbkdf2-sha256$<iterations>$<salt>$<hash>``); verified (hash, secret) pairs are memoised so
token-authenticated requests stay cheap. The plain secret is never stored or logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
from pathlib import Path

from pbs_sim.config_store import write_atomic

ITERATIONS = 1000


def hash_secret(secret: str) -> str:
    salt = os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, ITERATIONS)
    encoded_salt, encoded_digest = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"$pbkdf2-sha256${ITERATIONS}${encoded_salt}${encoded_digest}"


def _check(stored: str, secret: str) -> bool:
    try:
        _, scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2-sha256":
        return False
    computed = hashlib.pbkdf2_hmac("sha256", secret.encode(), base64.b64decode(salt), int(iterations))
    return hmac.compare_digest(computed, base64.b64decode(digest))


class SecretStore:
    """A JSON map id -> salted hash, with a lock and a memo of successful verifications."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._verified: set[tuple[str, str]] = set()

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text() or "{}")
        except FileNotFoundError:
            return {}

    def _save(self, data: dict[str, str]) -> None:
        write_atomic(self.path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode(), 0o600)

    def set(self, key: str, secret: str) -> None:
        with self._lock:
            data = self._load()
            data[key] = hash_secret(secret)
            self._save(data)

    def delete(self, key: str) -> None:
        with self._lock:
            data = self._load()
            if data.pop(key, None) is not None:
                self._save(data)

    def has(self, key: str) -> bool:
        return key in self._load()

    def verify(self, key: str, secret: str) -> bool:
        stored = self._load().get(key)
        if stored is None:
            return False
        memo = (stored, hashlib.sha256(secret.encode()).hexdigest())
        if memo in self._verified:
            return True
        if _check(stored, secret):
            self._verified.add(memo)
            return True
        return False
