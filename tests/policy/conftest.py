"""Puts the policy pack (policy/) and the workflow helper scripts on sys.path for these tests."""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
POLICY_DIR = REPO_ROOT / "policy"
WORKFLOWS_DIR = REPO_ROOT / ".github" / "workflows"
WORKFLOW_SCRIPTS_DIR = WORKFLOWS_DIR / "scripts"

for path in (POLICY_DIR, WORKFLOW_SCRIPTS_DIR):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
