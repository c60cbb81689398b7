"""Engine-side property values for the engine stand-in, modelled on the Go engine's PropertyMap.

Representation used by the stand-in (JSON-compatible, so it can be persisted):
  * plain JSON values,
  * secrets as the SDK's wire form  {SIG_KEY: SECRET_SIG, "value": <v>},
  * unknowns (preview only) as the UNKNOWN sentinel string.

`to_struct` / `from_struct` mirror plugin.MarshalProperties / UnmarshalProperties with the
options the engine uses for a provider that answered Configure with acceptSecrets=False
(which is what `python -m pulumi.dynamic` answers).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc

SIG_KEY = rpc._special_sig_key  # "4dabf18193072939515e22adb298388d"
SECRET_SIG = rpc._special_secret_sig  # "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = rpc.UNKNOWN  # "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def secret(v: Any) -> dict:
    return v if is_secret(v) else {SIG_KEY: SECRET_SIG, "value": v}


def is_secret(v: Any) -> bool:
    return isinstance(v, dict) and v.get(SIG_KEY) == SECRET_SIG


def contains_secrets(v: Any) -> bool:
    if is_secret(v):
        return True
    if isinstance(v, dict):
        return any(contains_secrets(x) for x in v.values())
    if isinstance(v, list):
        return any(contains_secrets(x) for x in v)
    return False


def contains_unknowns(v: Any) -> bool:
    if v == UNKNOWN:
        return True
    if isinstance(v, dict):
        return any(contains_unknowns(x) for x in v.values())
    if isinstance(v, list):
        return any(contains_unknowns(x) for x in v)
    return False


def strip(v: Any, keep_secrets: bool = False, keep_unknowns: bool = False) -> Any:
    """What MarshalProperties(KeepSecrets=..., KeepUnknowns=...) puts on the wire."""
    if is_secret(v):
        inner = strip(v["value"], keep_secrets, keep_unknowns)
        return secret(inner) if keep_secrets else inner
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if x == UNKNOWN and not keep_unknowns:
                continue  # the engine skips computed values it may not send
            if x is None:
                continue
            out[k] = strip(x, keep_secrets, keep_unknowns)
        return out
    if isinstance(v, list):
        return [strip(x, keep_secrets, keep_unknowns) for x in v if keep_unknowns or x != UNKNOWN]
    return v


def to_struct(props: dict, keep_secrets: bool = False, keep_unknowns: bool = False) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(strip(props or {}, keep_secrets, keep_unknowns))
    return s


def from_struct(s: struct_pb2.Struct) -> dict:
    """UnmarshalProperties(KeepSecrets=true, KeepUnknowns=true): secrets stay wrapped."""
    d = json_format.MessageToDict(s)
    return _ints(d)


def _ints(v: Any) -> Any:
    # The Go engine keeps float64; integral floats print as ints in `pulumi stack export`.
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dict):
        return {k: _ints(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_ints(x) for x in v]
    return v


def annotate_secrets(outs: dict, ins: dict) -> None:
    """Port of pkg/resource/plugin/provider_plugin.go annotateSecrets (used when !acceptSecrets)."""
    if outs is None or ins is None:
        return
    for k, inv in ins.items():
        if k not in outs:
            continue
        outv = outs[k]
        if isinstance(outv, dict) and not is_secret(outv) and isinstance(inv, dict) and not is_secret(inv):
            annotate_secrets(outv, inv)
        elif not is_secret(outv) and contains_secrets(inv):
            outs[k] = secret(outv)


def unwrap(v: Any) -> Any:
    """Secrets removed (for comparisons, like unwrapResourceSecretsAndOutputs)."""
    return strip(v, keep_secrets=False, keep_unknowns=True)


def deep_copy(v: Any) -> Any:
    return copy.deepcopy(v)


# ---- persisted form: like `pulumi stack export --show-secrets` -------------------------------
def to_state_json(v: Any) -> Any:
    if is_secret(v):
        return {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(v["value"])}
    if isinstance(v, dict):
        return {k: to_state_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_state_json(x) for x in v]
    return v


def from_state_json(v: Any) -> Any:
    if isinstance(v, dict) and v.get(SIG_KEY) == SECRET_SIG:
        return secret(json.loads(v["plaintext"]))
    if isinstance(v, dict):
        return {k: from_state_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [from_state_json(x) for x in v]
    return v
