"""The Pulumi CLI's passphrase secrets provider: decrypt and encrypt `secure:` stack config values.

Used by the project's CLI (`python -m pbs_provider run|doctor --stack <stack>` read the stack file the
way `pulumi` does) and by the engine stand-in of the tests.

Stack files of the passphrase provider carry `encryptionsalt: v1:<b64 salt>:<check>` where `<check>`
is the word `pulumi` encrypted with the stack key, and each secret as `secure: v1:<b64 nonce>:<b64
ciphertext+tag>`. The key is PBKDF2-HMAC-SHA256 (1,000,000 rounds, 32 bytes) of the passphrase
(`PULUMI_CONFIG_PASSPHRASE`) and the salt; the cipher is AES-256-GCM with a 12-byte nonce. Config
values are encrypted as their raw string (stack outputs in state would be JSON).
"""

from __future__ import annotations

import base64
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

PBKDF2_ROUNDS = 1_000_000
CHECK_WORD = "pulumi"


class PassphraseError(ValueError):
    """A wrong passphrase or a malformed `secure:`/`encryptionsalt` value."""


@functools.lru_cache(maxsize=16)
def _key(passphrase: str, salt: bytes) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=PBKDF2_ROUNDS)
    return kdf.derive(passphrase.encode())


class PassphraseCrypter:
    """Encrypts and decrypts stack config values the way `pulumi config set --secret` does."""

    def __init__(self, passphrase: str, encryption_salt: str) -> None:
        parts = encryption_salt.split(":", 2)
        if len(parts) != 3 or parts[0] != "v1":
            raise PassphraseError("encryptionsalt must look like 'v1:<salt>:v1:<nonce>:<ciphertext>'")
        self._key = _key(passphrase, base64.b64decode(parts[1]))
        if self.decrypt(parts[2]) != CHECK_WORD:
            raise PassphraseError("incorrect passphrase")

    @classmethod
    def new_salt(cls, passphrase: str) -> tuple[PassphraseCrypter, str]:
        """A fresh stack key, as `pulumi stack init --secrets-provider passphrase` makes one."""
        salt = os.urandom(8)
        key = _key(passphrase, salt)
        check = _encrypt_with(key, CHECK_WORD)
        encryption_salt = f"v1:{base64.b64encode(salt).decode()}:{check}"
        return cls(passphrase, encryption_salt), encryption_salt

    def encrypt(self, plaintext: str) -> str:
        return _encrypt_with(self._key, plaintext)

    def decrypt(self, ciphertext: str) -> str:
        parts = ciphertext.split(":")
        if len(parts) != 3 or parts[0] != "v1":
            raise PassphraseError("a secure value must look like 'v1:<nonce>:<ciphertext>'")
        try:
            plain = AESGCM(self._key).decrypt(base64.b64decode(parts[1]), base64.b64decode(parts[2]), None)
        except InvalidTag:
            raise PassphraseError("incorrect passphrase") from None
        return plain.decode()


def _encrypt_with(key: bytes, plaintext: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
    return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"
