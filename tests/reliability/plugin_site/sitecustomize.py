"""Test-only startup hook for plugin and program processes of the reliability suite.

The stack config's `servers` entries have no timeout settings, so a "response delayed past the
read timeout" scenario would have to wait the client's default 60 s. When the environment sets
`PBS_RELIABILITY_READ_TIMEOUT` (seconds), every `ServerConfig` built from the stack config gets
that read timeout instead. Nothing else changes. The directory holding this file is put on
`PYTHONPATH` only for the runs that need it (see `tests/reliability/world.py`).
"""

from __future__ import annotations

import os
from typing import Any

_READ_TIMEOUT = os.environ.get("PBS_RELIABILITY_READ_TIMEOUT")

if _READ_TIMEOUT:
    from pbs_provider import servers as _servers

    _build = _servers.ServerDirectory._build

    def _build_with_timeout(self: Any, name: str) -> Any:
        config = _build(self, name)
        return config.model_copy(update={"read_timeout": float(_READ_TIMEOUT)})

    _servers.ServerDirectory._build = _build_with_timeout  # type: ignore[method-assign]
