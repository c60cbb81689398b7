"""The project code the pack shares with the providers: `pbs_types.job_scope` (which prune and verify
jobs cover a namespace), so that the pack and the doctor mean the same by it.

The pack runs from the project's checkout (`--policy-pack policy`), in its own virtualenv that holds only
the policy SDKs (`policy/requirements.txt`). `pbs_types` is standard-library Python, so the checkout's
root is put at the end of the module path to import it from there; nothing else of the project is
imported (`pbs_types.job_scope` and `pbs_types.prune` import only the standard library).
"""

from __future__ import annotations

import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
if str(CHECKOUT) not in sys.path:
    sys.path.append(str(CHECKOUT))

from pbs_types import job_scope  # noqa: E402

__all__ = ["job_scope"]
