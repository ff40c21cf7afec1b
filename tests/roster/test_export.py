"""`iam-constructs export`: standalone templates and a manifest in deployment order."""

import json
import subprocess
import sys
from pathlib import Path

from tests.support import assert_lint_clean

ROOT = Path(__file__).resolve().parents[2]


def test_export_writes_standalone_templates_and_manifest(tmp_path):
    out = tmp_path / "export"
    done = subprocess.run([sys.executable, "-m", "iam_constructs.cli", "export", "examples/roster.yaml", "--out",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    names = [s["name"] for s in manifest["stacks"]]
    assert names == ["IamAccount", "IamUsers1", "IamUsers2"]
    deployed = set()
    for entry in manifest["stacks"]:
        assert set(entry["depends_on"]) <= deployed  # deployment order respects dependencies
        deployed.add(entry["name"])
        text = (out / entry["template"]).read_text()
        template = json.loads(text)
        assert entry["resources"] == len(template["Resources"]) and entry["bytes"] == len(text.encode()) - 1
        for banned in ("BootstrapVersion", "CheckBootstrapVersion", "aws:cdk:", "AWS::CDK::Metadata", "aws:asset",
                       "cdk-hnb659fds"):
            assert banned not in text, (entry["name"], banned)
        assert_lint_clean(template)
        assert "Outputs" not in template
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json"] + [s["template"] for s in manifest["stacks"]])


def test_export_refuses_a_roster_with_unacknowledged_findings(tmp_path):
    roster = tmp_path / "r.yaml"
    roster.write_text("version: 1\naccount: {credentials_key: false, password_policy: {minimum_length: 8}}\n"
                      "users:\n  - {name: jane, tags: {Owner: a, Purpose: b}}\n")
    out = tmp_path / "export"
    done = subprocess.run([sys.executable, "-m", "iam_constructs.cli", "export", str(roster), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "IamConstructs-PasswordPolicyCis" in done.stderr
    assert not out.exists()


def test_a_construct_problem_behind_a_valid_roster_is_lines_not_a_traceback(tmp_path, monkeypatch, capsys):
    """validate and build run the same checks; should a gap ever open, export still answers with
    the construct's problem lines and exit 2, and writes nothing."""
    from iam_constructs import export as export_module, roster
    from iam_constructs.errors import IamConstructsError, Problem

    def failing_build(*args, **kwargs):
        raise IamConstructsError([Problem("IamUsers1/Users/jane", "tags", "a problem only the construct sees")])

    monkeypatch.setattr(roster, "build", failing_build)
    out = tmp_path / "out"
    assert export_module.export(str(ROOT / "examples" / "roster.yaml"), str(out)) == 2
    err = capsys.readouterr().err
    assert err.strip() == "IamUsers1/Users/jane: tags: a problem only the construct sees"
    assert not out.exists()
