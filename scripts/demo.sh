#!/usr/bin/env bash
# make demo: the dev stack against two local PBS simulators (needs the Pulumi CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pulumi >/dev/null 2>&1; then
  echo "make demo needs the Pulumi CLI (>= 3.216): install it with 'curl -fsSL https://get.pulumi.com | sh' (see https://www.pulumi.com/docs/install/), then run 'make demo' again." >&2
  exit 127
fi
echo "make demo: the dev stack program is not built yet (see the open issue 'The stack program and per-environment stacks')." >&2
exit 2
