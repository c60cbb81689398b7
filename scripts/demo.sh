#!/usr/bin/env bash
# make demo: start two local PBS simulators ("onprem" and "cloud", with backup content from scripts/demo-seed/),
# `pulumi up` the dev stack against them, check it with the preflight doctor, run its push job now and show the
# replicated datastore.
# make demo-stop (this script with "stop"): stop the simulators. Re-running the demo is safe.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO_DIR=$ROOT/.demo
PY=$ROOT/.venv/bin/python
# shellcheck source=demo.env
source scripts/demo.env

stop_simulators() {
  for name in onprem cloud; do
    pidfile=$DEMO_DIR/$name.pid
    if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      pid=$(cat "$pidfile")
      kill "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "stopped simulator $name"
    fi
    rm -f "$pidfile"
  done
}

if [[ ${1:-} == stop ]]; then
  stop_simulators
  exit 0
fi

if ! command -v pulumi >/dev/null 2>&1; then
  echo "make demo needs the Pulumi CLI (>= 3.216), which is not on PATH: install it with 'curl -fsSL https://get.pulumi.com | sh' (https://www.pulumi.com/docs/install/), then run 'make demo' again." >&2
  exit 127
fi

# start_simulator NAME PORT DATASTORE TOKEN_SECRET: start (or reuse) one simulator; data under .demo/NAME,
# backup content from scripts/demo-seed/NAME.yaml (kept across restarts; seeding again changes nothing)
start_simulator() {
  local name=$1 port=$2 store=$3 secret=$4
  local pidfile=$DEMO_DIR/$name.pid ready=$DEMO_DIR/$name.ready.json
  mkdir -p "$DEMO_DIR/$name"
  if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "simulator $name already running: $(cat "$ready")"
    return
  fi
  rm -f "$ready"
  "$PY" -m pbs_sim --data-dir "$DEMO_DIR/$name" --port "$port" --node "$name" \
    --root-password "$DEMO_ROOT_PASSWORD" --datastore "$store" --token "root@pam!pulumi=$secret" \
    --seed-content "scripts/demo-seed/$name.yaml" \
    >"$ready" 2>"$DEMO_DIR/$name.log" &
  echo $! >"$pidfile"
  # The simulator prints one JSON line when it is ready to serve.
  for _ in $(seq 1 300); do
    [[ -s $ready ]] && break
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "simulator $name failed to start:" >&2; cat "$DEMO_DIR/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  [[ -s $ready ]] || { echo "simulator $name did not become ready; see $DEMO_DIR/$name.log" >&2; exit 1; }
  echo "simulator $name ready: $(cat "$ready")"
}

start_simulator onprem 18007 store1 "$DEMO_ONPREM_TOKEN_SECRET"
start_simulator cloud 18008 offsite "$DEMO_CLOUD_TOKEN_SECRET"

export PULUMI_BACKEND_URL="file://$ROOT/.pulumi-state"
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-$DEMO_CONFIG_PASSPHRASE}
export PULUMI_SKIP_UPDATE_CHECK=true
mkdir -p "$ROOT/.pulumi-state"
pulumi login "$PULUMI_BACKEND_URL" >/dev/null
pulumi stack select dev --create --secrets-provider passphrase
pulumi up --yes --stack dev
echo
echo "Stack outputs:"
pulumi stack output --stack dev --json

echo
echo "Preflight doctor: python -m pbs_provider doctor --stack dev"
"$PY" -m pbs_provider doctor --stack dev
echo
echo "Run the push job now: python -m pbs_provider run --stack dev push-cloud"
"$PY" -m pbs_provider run --stack dev push-cloud

echo
echo "The replicated datastore (cloud:offsite, read through the PBS API):"
DEMO_SECRET=$DEMO_CLOUD_TOKEN_SECRET DEMO_CA=$DEMO_DIR/cloud/proxy.pem "$PY" - <<'PY'
import os

import requests

api = "https://127.0.0.1:18008/api2/json/admin/datastore/offsite"
session = requests.Session()
session.trust_env = False  # no proxy, and REQUESTS_CA_BUNDLE must not replace the demo CA
session.headers["Authorization"] = f"PBSAPIToken=root@pam!pulumi:{os.environ['DEMO_SECRET']}"
session.verify = os.environ["DEMO_CA"]
for item in session.get(f"{api}/namespace", timeout=10).json()["data"]:
    ns = item["ns"]
    for group in session.get(f"{api}/groups", params={"ns": ns} if ns else None, timeout=10).json()["data"]:
        name = f"{group['backup-type']}/{group['backup-id']}"
        print(f"  {ns or '(root)':10} {name:18} {group['backup-count']} snapshot(s), owner {group['owner']}")
PY
cat <<MSG

The dev stack is up and replicating. Look at what it made on the simulators, for example:
  source scripts/demo.env
  curl -sk -H "Authorization: PBSAPIToken=root@pam!pulumi:\$DEMO_ONPREM_TOKEN_SECRET" \\
    'https://127.0.0.1:18007/api2/json/config/sync?sync-direction=all'
  curl -sk -H "Authorization: PBSAPIToken=root@pam!pulumi:\$DEMO_ONPREM_TOKEN_SECRET" \\
    https://127.0.0.1:18007/api2/json/config/remote
Preview a change: edit stacks/Pulumi.dev.yaml, then run
  PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE=\$DEMO_CONFIG_PASSPHRASE pulumi preview --diff --stack dev
Check and run the jobs yourself (same passphrase in the environment):
  PULUMI_CONFIG_PASSPHRASE=\$DEMO_CONFIG_PASSPHRASE .venv/bin/python -m pbs_provider doctor --stack dev --verbose
  PULUMI_CONFIG_PASSPHRASE=\$DEMO_CONFIG_PASSPHRASE .venv/bin/python -m pbs_provider run --stack dev push-cloud
Stop the simulators with: make demo-stop   (their data stays in .demo/; state in .pulumi-state/)
MSG
