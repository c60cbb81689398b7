"""The bench still runs: its smallest configuration end to end (no timing is asserted here).

Performance is measured by `make bench`, never asserted in tests; this only proves that every
section runs against the current code and produces a complete, renderable result.
"""

from __future__ import annotations

import json

import pytest

from bench.__main__ import SECTIONS, main, run, write
from bench.report import render


@pytest.mark.slow
def test_smoke_profile_runs_every_section(tmp_path):
    result = run("smoke", SECTIONS, log=lambda *a, **k: None)
    sections = result["sections"]
    assert set(sections) == {"calls", "ab", "preview", "program", "logins", "ceiling"}
    assert result["environment"]["machine"]["cores"] and result["environment"]["python"]["version"]
    assert {row["operation"] for row in sections["calls"]["rows"]} >= {
        "create",
        "update",
        "delete",
        "refresh",
    }
    assert [e["n"] for e in sections["ab"]["sizes"]] == [10]
    assert [e["n"] for e in sections["program"]["sizes"]] == [1, 10]
    assert sections["preview"]["jobs"] == 10
    assert len(sections["ceiling"]) == 2

    path = write(result, tmp_path, markdown=False)
    assert json.loads(path.read_text())["profile"] == "smoke"
    text = render(result)
    for heading in ("## 1.", "## 2.", "## 3.", "## 4.", "## 5.", "## 6."):
        assert heading in text


def test_cli_rejects_an_unknown_profile(capsys):
    with pytest.raises(SystemExit):
        main(["--profile", "nope"])
    assert "invalid choice" in capsys.readouterr().err
