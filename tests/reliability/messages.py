"""What the user saw when an operation failed: the message's class, and whether it is clear.

A failed step shows one error in the engine's diagnostics. For the provider's own errors
(`ProviderError`) it is *clear* when it names the operation (`cannot create …`, or a message only
that operation gives), the object (`<noun> \\`<key>\\``), the server (`server \\`<name>\\``) and what to
do (a `hint:` line, or an instruction such as "run `pulumi refresh`"). A killed plugin cannot say
anything itself: the engine's message is clear when it names the RPC (the operation) and the
resource; what to do then — run `up` again — is what the crash scenarios check by running it.

`classify` returns the class shown in the report (`MESSAGE_CLASSES`) and the clarity verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROVIDER_ERROR = "pbs_provider.resources.machine.ProviderError: "
OPERATION_WORDS = {
    "create": ("cannot create", "already exists"),
    "update": ("cannot update", "no longer exists", "did not keep"),
    "refresh": ("cannot read",),
    "read": ("cannot read",),
    "delete": ("cannot delete",),
}
RPC_NAMES = {"create": "Create", "update": "Update", "refresh": "Read", "read": "Read", "delete": "Delete"}
INSTRUCTIONS = re.compile(r"\n\s*hint: |run `pulumi |set `adopt: true`|: add an ACL entry|wait until")

MESSAGE_CLASSES = {
    "server error": "PBS answered 5xx through all retries",
    "connection lost": "no usable answer (reset, timeout, refused) through all retries",
    "permission denied": "the deploy credential lacks a privilege; the message names it and its ACL path",
    "authentication": "PBS refused the credential",
    "job running": "the sync job's lock is held by a running task",
    "config changed": "another client kept changing the same config file",
    "already exists": "the object exists on PBS but not in the state",
    "needs a password login": "PBS lets only a password login do this (a user's password), not a token",
    "plugin killed": "the provider process died; the engine names the RPC and the resource",
    "other": "a provider error of another kind",
}


@dataclass(frozen=True)
class Seen:
    message_class: str
    clear: bool
    line: str
    """The message (for a provider error: its first line and its hint), cut to 400 characters."""


def _class_of(text: str) -> str:
    lower = text.lower()
    if "failed internally or is restarting" in lower:
        return "server error"
    if any(
        s in lower
        for s in ("was closed before an answer", "did not answer within", "is blocked", "no answer from")
    ):
        return "connection lost"
    if "lacks a privilege" in lower or "permission check failed" in lower:
        return "permission denied"
    if "is wrong or expired" in lower:
        return "authentication"
    if "unable to acquire lock" in lower:
        return "job running"
    if "another client kept changing" in lower:
        return "config changed"
    if "already exists" in lower:
        return "already exists"
    if "lets only a password login" in lower:
        return "needs a password login"
    return "other"


def classify(error: str, op: str, noun: str, key: str, server: str, urn: str) -> Seen:
    """Class and clarity of `error` (one engine diagnostic) for `op` on `noun` `key`."""
    first = error.strip().splitlines()[0] if error.strip() else ""
    line = first[:300]
    if PROVIDER_ERROR in error:
        text = error.split(PROVIDER_ERROR, 1)[1]
        named = f"{noun} `{key}`" in text and f"server `{server}`" in text
        operation = any(word in text for word in OPERATION_WORDS.get(op, ()))
        advice = INSTRUCTIONS.search(text) is not None
        shown = " ".join(line.strip() for line in text.strip().splitlines()[:2])[:400]
        return Seen(_class_of(text), named and operation and advice, shown)
    if re.search(r"\b(UNAVAILABLE|CANCELLED|Socket closed|failed to connect)\b", error):
        names_rpc = f"{RPC_NAMES.get(op, '?')} failed" in error
        return Seen("plugin killed", names_rpc and urn in error, line)
    return Seen("other", False, line)


__all__ = ["MESSAGE_CLASSES", "Seen", "classify"]
