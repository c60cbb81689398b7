"""The passphrase secrets provider of the engine stand-in: the project's own implementation.

The logic lives in `pbs_provider.passphrase` (the project's CLI decrypts stack files with it too).
"""

from pbs_provider.passphrase import CHECK_WORD, PBKDF2_ROUNDS, PassphraseCrypter, PassphraseError

__all__ = ["CHECK_WORD", "PBKDF2_ROUNDS", "PassphraseCrypter", "PassphraseError"]
