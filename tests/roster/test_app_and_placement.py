"""The roster as stacks: stable placement under edits, limits per stack, the app's front door."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import yaml

from iam_constructs.roster import Progress, build, load_roster
from iam_constructs.roster.schema import parse
from tests.support import assert_lint_clean

ROOT = Path(__file__).resolve().parents[2]
NAMES = [f"{first}.{last}" for first in ("ana", "bo", "cy", "dee", "eli", "fay", "gus", "hal")
         for last in ("adams", "brown", "cole", "diaz", "evans", "fox", "gray", "hill")]


def roster_data(names, user_stacks=5):
    users = []
    for i, name in enumerate(names):
        if i % 3 == 2:
            users.append({"name": name, "access_keys": [{"serial": 1}], "groups": ["bots"],
                          "tags": {"Owner": "p", "Purpose": "ci"}})
        else:
            users.append({"name": name, "console": True, "groups": ["people"], "tags": {"Owner": "p", "Purpose": "h"}})
    return {"version": 1, "account": {"user_stacks": user_stacks},
            "groups": [{"name": "people"}, {"name": "bots"}], "users": users}


def placement(data):
    """{user name: (stack name, logical id)} after a real synthesis."""
    roster, problems = parse(data, "r.yaml")
    assert problems == []
    app = cdk.App()
    stacks = build(app, roster)
    assembly = app.synth()
    out = {}
    for stack in stacks.users:
        template = assembly.get_stack_by_name(stack.stack_name).template
        for logical_id, res in template["Resources"].items():
            if res["Type"] == "AWS::IAM::User":
                out[res["Properties"]["UserName"]] = (stack.stack_name, logical_id)
    return out


def test_adding_removing_and_reordering_users_moves_no_one():
    before = placement(roster_data(NAMES))
    assert len(before) == len(NAMES) and len({s for s, _ in before.values()}) == 5
    edited = list(reversed(NAMES))                          # reorder
    edited = [n for n in edited if not n.startswith("dee.")]  # remove eight
    edited[10:10] = ["dan.new", "dax.new", "cyd.new"]       # insert mid-alphabet
    edited.append("aaron.first")
    after = placement(roster_data(edited))
    survivors = [n for n in NAMES if not n.startswith("dee.")]
    assert {n: after[n] for n in survivors} == {n: before[n] for n in survivors}
    assert {"dan.new", "dax.new", "cyd.new", "aaron.first"} <= set(after)


def test_emptied_stack_is_kept_with_a_placeholder():
    data = roster_data(["solo.user"], user_stacks=3)
    roster, _ = parse(data, "r.yaml")
    app = cdk.App()
    stacks = build(app, roster)
    assembly = app.synth()
    kinds = [sorted({r["Type"] for r in assembly.get_stack_by_name(s.stack_name).template["Resources"].values()})
             for s in stacks.users]
    assert kinds.count(["AWS::CloudFormation::WaitConditionHandle"]) == 2
    for s in stacks.users:
        assert stacks.account in s.dependencies


def test_example_roster_stacks_are_lint_clean_and_tagged():
    roster, problems = load_roster(str(ROOT / "examples" / "roster.yaml"))
    assert problems == []
    app = cdk.App()
    stacks = build(app, roster)
    assembly = app.synth()
    users_seen = 0
    for stack in stacks.in_deployment_order:
        template = assembly.get_stack_by_name(stack.stack_name).template
        assert_lint_clean(template)
        for res in template["Resources"].values():
            if res["Type"] == "AWS::IAM::User":
                users_seen += 1
                tags = {t["Key"] for t in res["Properties"]["Tags"]}
                assert {"Owner", "Purpose"} <= tags
    assert users_seen == len(roster.users) == 7
    account = assembly.get_stack_by_name("IamAccount").template["Resources"]
    types = sorted(r["Type"] for r in account.values())
    assert "Custom::AccountPasswordPolicy" in types and "AWS::KMS::Key" in types
    groups = {r["Properties"]["GroupName"]: r["Properties"] for r in account.values() if r["Type"] == "AWS::IAM::Group"}
    # MFA on groups with console users only
    assert len(groups["developers"]["ManagedPolicyArns"]) == 4  # ReadOnly + statements + MFA pair
    assert len(groups["ci"]["ManagedPolicyArns"]) == 1


def test_progress_on_a_terminal_only():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Tty(), io.StringIO()
    data = roster_data(NAMES[:10])
    roster, _ = parse(data, "r.yaml")
    build(cdk.App(), roster, progress=Progress(tty))
    build(cdk.App(), roster, progress=Progress(pipe))
    assert "placed 10/10 users in 5 user stacks" in tty.getvalue()
    assert pipe.getvalue() == ""


def _benchmark_module(name: str):
    """benchmarks/NAME.py loaded from its file (sys.path stays as it is)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_five_thousand_users_synthesize_within_cloudformation_limits(tmp_path):
    make_roster = _benchmark_module("make_roster").roster
    data = make_roster(5000)
    roster, problems = parse(json.loads(json.dumps(data)), "r5000.yaml")
    assert problems == []
    app = cdk.App(outdir=str(tmp_path))
    stacks = build(app, roster)
    assembly = app.synth()
    total = 0
    for stack in stacks.in_deployment_order:
        path = Path(assembly.get_stack_by_name(stack.stack_name).template_full_path)
        template = json.loads(path.read_text())
        total += sum(1 for r in template["Resources"].values() if r["Type"] == "AWS::IAM::User")
        assert len(template["Resources"]) <= 500, stack.stack_name
        assert path.stat().st_size < 1_000_000, stack.stack_name
    assert total == 5000


def _run(args, **env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, **env))


def test_app_refuses_a_bad_roster_with_lines_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nusers:\n  - name: jane smith\n    tags: {Owner: a, Purpose: b}\n")
    out = tmp_path / "out"
    done = _run(["app.py"], CDK_OUTDIR=str(out), CDK_CONTEXT_JSON=json.dumps({"roster": str(bad)}))
    assert done.returncode == 2
    assert f"{bad}:3: users[0].name: 'jane smith' has characters IAM refuses" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(out.glob("*.template.json"))  # nothing half-made


def test_cli_validate_exit_codes(tmp_path):
    ok = _run(["-m", "iam_constructs.cli", "validate", "examples/roster.yaml"])
    assert ok.returncode == 0 and "valid: 7 users, 4 groups, 3 stacks" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"version": 1, "users": [{"name": "x", "groups": ["ghost"],
                                                             "tags": {"Owner": "a", "Purpose": "b"}}]}))
    done = _run(["-m", "iam_constructs.cli", "validate", str(bad)])
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [f"{bad}:2: users[0].groups: 'ghost' is not a group of this roster; "
                                                "declare it under groups:"]
    usage = _run(["-m", "iam_constructs.cli", "validate"])
    assert usage.returncode == 2 and "the following arguments are required: roster" in usage.stderr
    missing = _run(["-m", "iam_constructs.cli", "validate", str(tmp_path / "nope.yaml")])
    assert missing.returncode == 2 and "cannot read the file" in missing.stderr and "Traceback" not in missing.stderr


def test_only_the_key_and_the_handlers_logs_outlive_their_stack():
    roster, _ = load_roster(str(ROOT / "examples" / "roster.yaml"))
    app = cdk.App()
    stacks = build(app, roster)
    assembly = app.synth()
    kept = sorted(res["Type"] for s in stacks.in_deployment_order
                  for res in assembly.get_stack_by_name(s.stack_name).template["Resources"].values()
                  if "DeletionPolicy" in res or "UpdateReplacePolicy" in res)
    # The key, the password-policy handler's logs and each user stack's cleanup handler's logs.
    with_users = [s for s in stacks.users if any(r["Type"] == "AWS::IAM::User" for r in
                                                 assembly.get_stack_by_name(s.stack_name).template["Resources"].values())]
    assert len(with_users) == 2
    assert kept == ["AWS::KMS::Key"] + ["AWS::Logs::LogGroup"] * (1 + len(with_users))


def test_access_analyzer_is_optional_in_the_account_stack():
    data = roster_data(NAMES[:3])
    for flag, expected in ((None, 0), (False, 0), (True, 1)):
        if flag is not None:
            data["account"]["access_analyzer"] = flag
        roster, problems = parse(json.loads(json.dumps(data)), "r.yaml")
        assert problems == []
        app = cdk.App()
        stacks = build(app, roster)
        template = app.synth().get_stack_by_name(stacks.account.stack_name).template
        found = [r for r in template["Resources"].values() if r["Type"] == "AWS::AccessAnalyzer::Analyzer"]
        assert len(found) == expected
        if found:
            assert found[0]["Properties"]["Type"] == "ACCOUNT"
            assert_lint_clean(template)


def test_user_cleanup_is_on_by_default_and_can_be_switched_off_for_the_roster_or_a_user():
    def kinds(data):
        roster, problems = parse(json.loads(json.dumps(data)), "r.yaml")
        assert problems == []
        app = cdk.App()
        stacks = build(app, roster)
        assembly = app.synth()
        return [r["Type"] for s in stacks.users for r in
                assembly.get_stack_by_name(s.stack_name).template["Resources"].values()]
    data = roster_data(NAMES[:3], user_stacks=1)
    found = kinds(data)
    assert found.count("Custom::IamUserCleanup") == 3 and found.count("AWS::Lambda::Function") == 1
    data["users"][0]["cleanup_on_delete"] = False
    assert kinds(data).count("Custom::IamUserCleanup") == 2
    data["account"]["user_cleanup"] = False
    found = kinds(data)
    assert "Custom::IamUserCleanup" not in found and "AWS::Lambda::Function" not in found
