"""``iam-constructs plan``: every change class, the hazards and their safe ways, exit codes, git revisions."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import pytest

from iam_constructs.cli import main
from iam_constructs.plan import compare, synth_check
from iam_constructs.roster.schema import USER_KEYS

from .conftest import TAGS, base_data, user

ROOT = Path(__file__).resolve().parents[2]


def changes(plan, kind=None):
    return {(c.kind, c.name, c.change) for c in plan.changes if kind is None or c.kind == kind}


def test_no_change_is_safe(load):
    plan = compare(load(base_data()), load(base_data()))
    assert plan.changes == [] and plan.safe


def test_users_added_removed_disabled_reenabled_regrouped_retagged(load):
    old = base_data()
    user(old, "omar.haddad")["disabled"] = True
    new = copy.deepcopy(old)
    new["users"] = [u for u in new["users"] if u["name"] != "ci-bot"]
    new["users"].append({"name": "new.person", "console": True, "groups": ["people"], "tags": dict(TAGS)})
    user(new, "omar.haddad")["disabled"] = False
    user(new, "jane.smith").update(groups=["people", "ops"], tags={**TAGS, "Team": "payments"}, disabled=True)
    plan = compare(load(old), load(new))
    assert changes(plan, "user") == {
        ("user", "new.person", "added"), ("user", "ci-bot", "removed"), ("user", "omar.haddad", "re-enabled"),
        ("user", "jane.smith", "disabled"), ("user", "jane.smith", "groups changed"),
        ("user", "jane.smith", "tags changed")}
    assert plan.safe
    removed = next(c for c in plan.changes if c.change == "removed")
    assert removed.detail.startswith("cleanup on")
    groups = next(c for c in plan.changes if c.change == "groups changed")
    assert groups.detail == "+ops" and groups.field == "users[0].groups"
    assert ":" in groups.where and groups.where.rsplit(":", 1)[1].isdigit()


def test_removed_user_without_cleanup_says_what_blocks_it(load):
    old = base_data(user_cleanup=False)
    new = copy.deepcopy(old)
    new["users"].pop(0)
    removed = next(c for c in compare(load(old), load(new)).changes if c.change == "removed")
    assert "DeleteConflict" in removed.detail


def test_key_created_rotated_deactivated_removed(load):
    old = base_data()
    new = copy.deepcopy(old)
    user(new, "ci-bot")["access_keys"] = [{"serial": 2, "active": True}]            # rotate beside a free slot
    user(new, "deploy-bot")["access_keys"] = [{"serial": 1, "active": False}]      # deactivate 1, remove 2
    new["users"].append({"name": "new-bot", "groups": ["bots"], "tags": dict(TAGS), "access_keys": [{"serial": 1}]})
    plan = compare(load(old), load(new))
    assert changes(plan, "key") == {("key", "ci-bot slot 1", "rotated"), ("key", "deploy-bot slot 1", "deactivated"),
                                    ("key", "deploy-bot slot 2", "removed")}
    assert plan.safe  # one rotation with the other slot free: two keys at most

    plan = compare(load(base_data()), load({**base_data(), "users": [
        *base_data()["users"][:2],
        {**user(base_data(), "ci-bot"), "access_keys": [{"serial": 1}, {"serial": 1, "slot": 2}]},
        user(base_data(), "deploy-bot")]}))
    assert changes(plan, "key") == {("key", "ci-bot slot 2", "created")} and plan.safe


def test_fails_if_a_rotation_finds_both_slots_taken(load, write_roster, capsys):
    new = base_data()
    user(new, "deploy-bot")["access_keys"][0]["serial"] = 2
    base_path, new_path = write_roster(base_data()), write_roster(new)
    assert main(["plan", base_path, new_path]) == 3
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "LimitExceeded" in x)
    assert line.startswith(f"{new_path}:")
    assert ": users[3].access_keys[0].serial: slot 1 is rotated (serial 1 -> 2) while slot 2 holds a key" in line
    assert "safe way: rotate into a free slot" in line and "remove slot 1" in line


def test_fails_if_a_new_slot_and_a_rotation_make_three_keys(load):
    new = base_data()
    user(new, "ci-bot")["access_keys"] = [{"serial": 2}, {"serial": 1}]
    plan = compare(load(base_data()), load(new))
    assert [h.change for h in plan.hazards] == ["rotated"]
    assert "3 keys at once" in plan.hazards[0].message


def test_an_inactive_key_still_takes_a_slot(load):
    old = base_data()
    user(old, "deploy-bot")["access_keys"][1]["active"] = False
    new = copy.deepcopy(old)
    user(new, "deploy-bot")["access_keys"][0]["serial"] = 5
    assert not compare(load(old), load(new)).safe


def test_password_policy_and_account_changes(load):
    new = base_data(password_policy={"minimum_length": 20, "on_delete": "retain"}, enforce_mfa=False)
    plan = compare(load(base_data()), load(new))
    policy = [c for c in plan.changes if c.change == "password-policy change"]
    assert any("minimum_length: 14 -> 20" in c.detail for c in policy)
    assert any("on_delete: restore -> retain" in c.detail for c in policy)
    assert ("account", "enforce_mfa", "changed") in changes(plan)
    assert plan.safe


def test_groups_added_removed_changed(load):
    old = base_data()
    new = copy.deepcopy(old)
    new["groups"][0].update(path="/teams/", managed_policies=["ReadOnlyAccess"])
    new["groups"] = [g for g in new["groups"] if g["name"] != "ops"] + [{"name": "auditors"}]
    assert changes(compare(load(old), load(new)), "group") == {
        ("group", "people", "path changed"), ("group", "people", "managed policies changed"),
        ("group", "ops", "removed"), ("group", "auditors", "added")}


def test_fails_if_user_stacks_change_moves_users_without_a_refactor(load, write_roster, capsys):
    new = base_data(user_stacks=3)
    plan = compare(load(base_data()), load(new))
    moved = {c.name for c in plan.changes if c.change == "moved"}
    assert moved and {h.name for h in plan.hazards} == moved
    assert all("--refactor-out" in h.safe_way for h in plan.hazards)
    assert {c.name for c in plan.changes if c.change == "replaced"} == moved
    # With the refactor the same moves replace nothing.
    assert compare(load(base_data()), load(new), refactor=True).safe
    assert main(["plan", write_roster(base_data()), write_roster(new), "--format", "json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report["safe"] is False and report["moved_users"] == len(moved)


def test_fails_if_a_rename_changes_the_stable_id(load):
    new = base_data()
    user(new, "jane.smith")["name"] = "Jane.Smith"
    plan = compare(load(base_data()), load(new))
    assert [(h.change, h.field) for h in plan.hazards] == [("stable-id change", "users[0].name")]
    assert "keep the deployed spelling 'jane.smith'" in plan.hazards[0].safe_way


def test_replace_reason_acknowledges_a_replacement(load):
    new_data = base_data()
    user(new_data, "jane.smith")["name"] = "Jane.Smith"
    base, new = load(base_data()), load(new_data)
    jane = next(u for u in new.users if u.name == "Jane.Smith")
    object.__setattr__(jane, "replace_reason", "new laptop, new person: re-enrol MFA")
    plan = compare(base, new)
    assert plan.safe
    replaced = next(c for c in plan.changes if c.change == "replaced")
    assert "acknowledged" in replaced.detail and "re-enrol MFA" in replaced.detail


@pytest.mark.skipif("replace_reason" not in USER_KEYS, reason="the roster field replace_reason is not in the schema yet")
def test_replace_reason_from_the_roster(load):
    new = base_data()
    user(new, "jane.smith").update(name="Jane.Smith", replace_reason="rename requested by HR")
    assert compare(load(base_data()), load(new)).safe


def test_bad_input_is_exit_2_with_file_line_field(write_roster, capsys):
    bad = base_data()
    user(bad, "ci-bot")["groups"] = ["nope"]
    path = write_roster(bad)
    assert main(["plan", write_roster(base_data()), path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:") and "users[2].groups: 'nope' is not a group" in err
    assert main(["plan", write_roster(base_data())]) == 2


def _example_revisions() -> tuple[str, str]:
    revs = subprocess.run(["git", "log", "--format=%H", "--", "examples/roster.yaml"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.split()
    return revs[-1], revs[0]


def test_plan_over_the_example_rosters_history(monkeypatch, capsys):
    first, last = _example_revisions()
    monkeypatch.chdir(ROOT)
    assert main(["plan", f"{first}:examples/roster.yaml", f"{last}:examples/roster.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"plan {first}:examples/roster.yaml -> {last}:examples/roster.yaml: ")
    assert "change(s), 0 hazard(s)" in out.splitlines()[0]
    assert main(["plan", "--base-rev", first, "examples/roster.yaml", "--format", "json"]) in (0, 3)
    report = json.loads(capsys.readouterr().out)
    assert report["base"] == f"{first}:examples/roster.yaml"
    assert main(["plan", f"{first}:examples/roster.yaml", "examples/roster.yaml"]) in (0, 3)
    out = capsys.readouterr().out
    assert out.startswith(f"plan {first}:examples/roster.yaml -> examples/roster.yaml")


def test_plan_between_the_first_and_last_example_revisions(tmp_path, monkeypatch, capsys):
    first, last = _example_revisions()
    text = subprocess.run(["git", "show", f"{last}:examples/roster.yaml"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    (tmp_path / "last.yaml").write_text(text)
    monkeypatch.chdir(ROOT)
    assert main(["plan", f"{first}:examples/roster.yaml", str(tmp_path / "last.yaml")]) == 0
    out = capsys.readouterr().out
    for expected in ("credential_administrators", "li.wei", "password readers changed", "ci-bot slot 1",
                     "readers changed", "former.employee", "disabled since changed"):
        assert expected in out
    assert "hazards" not in out


def test_synth_check_refuses_a_replacing_change(load, write_roster):
    base_path = write_roster(base_data())
    new_data = base_data()
    user(new_data, "deploy-bot")["access_keys"][1]["serial"] = 2
    new = load(new_data)
    context = {"baseline": base_path}
    lines = synth_check(context.get, new)
    assert len(lines) == 1 and "users[3].access_keys[1].serial" in lines[0] and "safe way:" in lines[0]
    assert synth_check({}.get, new) == []
    assert synth_check({"baseline": base_path}.get, load(base_data())) == []


def test_app_refuses_to_synthesize_a_replacing_change(write_roster, tmp_path):
    """app.py stops before building anything (exit 2) and prints plan's hazard lines."""
    import os
    import sys
    base_path = write_roster(base_data())
    new_data = base_data(user_stacks=3)
    new_path = write_roster(new_data)
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path / "out"),
           "CDK_CONTEXT_JSON": json.dumps({"roster": new_path, "baseline": base_path})}
    run = subprocess.run([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 2, run.stderr
    lines = [x for x in run.stderr.splitlines() if x.startswith(new_path)]
    assert lines and all("the user moves from IamUsers" in x and "safe way:" in x for x in lines)
    assert "nothing was synthesized" in run.stderr and not list((tmp_path / "out").glob("*.template.json"))


def test_synth_check_accepts_moves_carried_out_by_a_refactor(load, write_roster):
    base_path = write_roster(base_data())
    grown = load(base_data(user_stacks=3))
    assert synth_check({"baseline": base_path}.get, grown)
    assert synth_check({"baseline": base_path, "refactored": "true"}.get, grown) == []


def test_fails_if_a_group_is_renamed_by_case_or_the_stack_prefix_changes(load):
    new = base_data(stack_prefix="Prod")
    new["groups"][2]["name"] = "Ops"
    plan = compare(load(base_data()), load(new))
    assert {(h.field, h.change) for h in plan.hazards} >= {("groups[2].name", "replaced"),
                                                          ("account.stack_prefix", "changed")}
    assert "EntityAlreadyExists" in next(h for h in plan.hazards if h.field == "groups[2].name").message
    # The refactor moves users between user stacks; it does not rename the account stack.
    assert any(h.field == "account.stack_prefix" for h in compare(load(base_data()), load(new), refactor=True).hazards)
