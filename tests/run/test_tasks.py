"""Following a PBS task: each log line once and in order, the outcome from the status, the timeout."""

from __future__ import annotations

from typing import Any

import pytest

from pbs_provider.client import ApiResponse, ServerConfig, client_for
from pbs_provider.tasks import LOG_PAGE, TaskOutcome, TaskTimeout, follow_task


def admin_client(sim):
    server = ServerConfig(
        url=sim.url, auth_id=sim.admin_token_id, secret=sim.admin_token_secret, fingerprint=sim.fingerprint
    )
    return client_for("pbs1", server)


def test_a_finished_run_is_followed_to_its_outcome(pbs_sim):
    pbs_sim.api("POST", "/config/datastore", json={"name": "store2", "path": "/x"}).raise_for_status()
    pbs_sim.api(
        "POST", "/config/sync", json={"id": "local-1", "store": "store1", "remote-store": "store2"}
    ).raise_for_status()
    upid = pbs_sim.api("POST", "/admin/sync/local-1/run").json()["data"]
    lines: list[str] = []
    outcome = follow_task(admin_client(pbs_sim), upid, lines.append, poll_interval=0.01)
    assert outcome.upid == upid and outcome.exitstatus == "OK" and outcome.state == "ok"
    assert outcome.succeeded and outcome.duration is not None and outcome.duration >= 0
    full = [
        item["t"]
        for item in pbs_sim.api("GET", f"/nodes/localhost/tasks/{upid}/log", params={"limit": 0}).json()[
            "data"
        ]
    ]
    assert lines == full  # every line, once, in order
    assert lines[0].endswith("Starting datastore sync job '-:store2:store1::local-1'")
    assert lines[-1].endswith("TASK OK")


def test_a_failed_run_reports_the_error_message(pbs_sim):
    pbs_sim.api(
        "POST", "/config/sync", json={"id": "local-2", "store": "store1", "remote-store": "gone"}
    ).raise_for_status()
    upid = pbs_sim.api("POST", "/admin/sync/local-2/run").json()["data"]
    lines: list[str] = []
    outcome = follow_task(admin_client(pbs_sim), upid, lines.append, poll_interval=0.01)
    assert outcome.state == "error" and not outcome.succeeded
    assert "gone" in outcome.exitstatus  # PBS's bare error message
    assert lines[-1].endswith(f"TASK ERROR: {outcome.exitstatus}")


class ScriptedClient:
    """A client whose task stays `running` for `running_polls` polls; its log grows by one page + 1."""

    def __init__(self, running_polls: int, lines: int) -> None:
        self.running_polls, self.lines, self.requests = running_polls, lines, []

    def get(self, path: str, params: dict[str, Any] | None = None) -> ApiResponse:
        self.requests.append((path, dict(params or {})))
        if path.endswith("/status"):
            if self.running_polls > 0:
                self.running_polls -= 1
                return ApiResponse({"status": "running", "starttime": 100})
            return ApiResponse(
                {"status": "stopped", "exitstatus": "WARNINGS: 2", "starttime": 100, "endtime": 160}
            )
        start, limit = params["start"], params["limit"]
        return ApiResponse(
            [{"n": n, "t": f"line {n}"} for n in range(start, min(self.lines, start + limit - 1) + 1)]
        )


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_long_logs_are_paged_and_warnings_count_as_success():
    client = ScriptedClient(running_polls=2, lines=LOG_PAGE + 7)
    clock = FakeClock()
    lines: list[str] = []
    outcome = follow_task(client, "UPID:x", lines.append, poll_interval=1, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    assert lines == [f"line {n}" for n in range(1, LOG_PAGE + 8)]
    assert outcome == TaskOutcome("UPID:x", "WARNINGS: 2", 100, 160)
    assert outcome.state == "warnings" and outcome.succeeded and outcome.duration == 60
    assert clock.now == 2  # two polls while running


def test_waiting_stops_at_the_timeout_and_says_the_task_keeps_running():
    clock = FakeClock()
    with pytest.raises(TaskTimeout, match="still running after 3s"):
        follow_task(
            ScriptedClient(10**6, 1), "UPID:y", poll_interval=1, timeout=3, clock=clock, sleep=clock.sleep
        )  # type: ignore[arg-type]
    assert clock.now == 3


@pytest.mark.parametrize(
    ("status", "state"),
    [("OK", "ok"), ("WARNINGS: 1", "warnings"), ("unknown", "error"), ("connection refused", "error")],
)
def test_outcome_states(status, state):
    assert TaskOutcome("UPID:z", status).state == state
