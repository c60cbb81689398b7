"""What the workflows promise users: preview per changed stack with policies and one PR comment,
up on merge with prod last behind its environment, a nightly drift check that fails on change."""

from __future__ import annotations

from typing import Any

import yaml

from .conftest import WORKFLOWS_DIR

PROGRAM_TRIGGERS = {
    "stacks/**",
    "__main__.py",
    "Pulumi.yaml",
    "requirements.txt",
    "pbs_provider/**",
    "policy/**",
}


def load(name: str) -> dict[str, Any]:
    workflow = yaml.safe_load((WORKFLOWS_DIR / name).read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as True
    return workflow


def pulumi_steps() -> list[dict[str, Any]]:
    steps = load("pulumi-stack.yml")["jobs"]["pulumi"]["steps"]
    return [step for step in steps if str(step.get("uses", "")).startswith("pulumi/actions@")]


def test_the_main_pulumi_step_refreshes_diffs_and_runs_the_policy_pack_with_the_stacks_config():
    main = pulumi_steps()[0]["with"]
    assert main["command"] == "${{ inputs.command }}"
    assert main["refresh"] is True and main["diff"] is True
    assert main["policyPacks"] == "policy"
    assert main["policyPackConfigs"] == "policy/config/${{ inputs.stack }}.json"
    assert main["comment-on-pr"] == "${{ inputs.comment-on-pr }}" and main["edit-pr-comment"] is True
    assert main["expect-no-changes"] == "${{ inputs.expect-no-changes }}"


def test_secrets_come_from_the_ci_secret_store():
    job = load("pulumi-stack.yml")["jobs"]["pulumi"]
    assert job["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"
    assert job["environment"] == "${{ inputs.environment }}"
    export = next(s for s in job["steps"] if s.get("name") == "Export the PBS secrets of this environment")
    assert export["env"] == {
        "PBS_SERVER_SECRETS": "${{ secrets.PBS_SERVER_SECRETS }}",
        "PBS_REMOTE_PASSWORDS": "${{ secrets.PBS_REMOTE_PASSWORDS }}",
    }


def test_pull_requests_get_a_commented_preview_per_touched_stack():
    workflow = load("pulumi-preview.yml")
    assert set(workflow["on"]["pull_request"]["paths"]) == PROGRAM_TRIGGERS
    preview = workflow["jobs"]["preview"]
    assert preview["uses"] == "./.github/workflows/pulumi-stack.yml"
    assert preview["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.changes.outputs.all) }}"
    assert preview["with"]["command"] == "preview" and preview["with"]["comment-on-pr"] is True
    assert preview["permissions"]["pull-requests"] == "write"


def test_merge_to_main_runs_up_and_prod_goes_last_behind_its_environment():
    workflow = load("pulumi-up.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert set(workflow["on"]["push"]["paths"]) == PROGRAM_TRIGGERS
    up, gated = workflow["jobs"]["up"], workflow["jobs"]["up-gated"]
    for job in (up, gated):
        assert job["with"]["command"] == "up"
        assert job["with"]["environment"] == "${{ matrix.stack }}"
        assert job["with"]["verify-converged"] is True
    assert gated["needs"] == ["changes", "up"]
    assert gated["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.changes.outputs.gated) }}"
    select = workflow["jobs"]["changes"]["steps"][-1]
    assert select["env"]["GATED"] == "${{ vars.PULUMI_GATED_STACKS || 'prod' }}"


def test_nightly_drift_check_expects_no_changes_and_reports_drift():
    workflow = load("pulumi-drift.yml")
    assert workflow["on"]["schedule"][0]["cron"]
    drift = workflow["jobs"]["drift"]
    assert drift["with"]["command"] == "preview"
    assert drift["with"]["expect-no-changes"] is True and drift["with"]["report-drift"] is True
    assert drift["permissions"]["issues"] == "write"
