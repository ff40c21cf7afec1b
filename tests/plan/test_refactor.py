"""Growing user_stacks without replacing anyone: the stack refactor ``plan --refactor-out`` writes."""

from __future__ import annotations

import copy
import json
from collections import Counter

import boto3
import pytest
from botocore.stub import Stubber

from iam_constructs import refactor as rf
from iam_constructs.cli import main
from iam_constructs.plan import compare, stack_name_of, user_stack_name
from iam_constructs.roster.schema import parse

from .conftest import TAGS, base_data, deployed_templates

URL = "https://example-bucket.s3.us-east-1.amazonaws.com/iam-refactor"


def big_roster_data(users: int, user_stacks: int) -> dict:
    """People (console) and bots (one or two keys), a few declared readers: 5,000 fit 40 stacks."""
    out = []
    for i in range(users):
        if i % 10 == 9:
            keys = [{"serial": 1}, {"serial": 3, "active": False}] if i % 40 == 9 else [{"serial": 2}]
            if i % 80 == 19:
                keys[0]["readers"] = ["arn:aws:iam::111122223333:role/ci-runner"]
            out.append({"name": f"bot-{i:04d}", "groups": ["bots"], "tags": dict(TAGS), "access_keys": keys})
        else:
            u = {"name": f"person.{i:04d}", "console": True, "groups": ["people"], "tags": dict(TAGS)}
            if i % 97 == 0:
                u["password_readers"] = ["arn:aws:iam::111122223333:role/onboarding"]
            if i % 50 == 1:
                u["disabled"] = True
            out.append(u)
    return {"version": 1, "account": {"user_stacks": user_stacks},
            "groups": [{"name": "people"}, {"name": "bots"}], "users": out}


def parsed(data):
    roster, problems = parse(copy.deepcopy(data), "roster.yaml")
    assert problems == [], [str(p) for p in problems[:5]]
    return roster


def cloudformation():
    return boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def assert_botocore_accepts(requests):
    """Each request through the client's parameter validation (botocore's service model); no network."""
    client = cloudformation()
    with Stubber(client) as stub:
        for request in requests:
            stub.add_response("create_stack_refactor", {"StackRefactorId": "arn:refactor"}, request)
            client.create_stack_refactor(**request)
        stub.assert_no_pending_responses()


def user_ids(roster, u):
    return set(rf.moved_resources(roster, u)[0])


@pytest.fixture(scope="module")
def growth():
    base, new = parsed(big_roster_data(5000, 40)), parsed(big_roster_data(5000, 100))
    plan = compare(base, new, refactor=True)
    deployed = deployed_templates(base)
    refactor, problems = rf.build(base, new, plan.moves, deployed, template_url=URL)
    assert problems == []
    return base, new, plan, deployed, refactor


def test_growing_5000_users_from_40_to_100_stacks_replaces_no_one(growth):
    base, new, plan, _, refactor = growth
    assert plan.safe and not [c for c in plan.changes if c.change == "replaced"]
    # 40 -> 100 also widens the stack number (IamUsers01 -> IamUsers001): every user changes stack name.
    assert len(plan.moves) == 5000
    assert sorted(refactor.new_stacks) == [user_stack_name(new, i) for i in range(100)]
    assert refactor.retired_stacks == [user_stack_name(base, i) for i in range(40)]
    assert all(len(r["StackDefinitions"]) <= rf.MAX_STACKS_PER_REFACTOR for r in refactor.requests)
    print(f"\n{len(plan.moves)} users moved by {len(refactor.requests)} refactors, "
          f"{len(refactor.mappings)} resource mappings")


def test_every_user_is_in_exactly_one_stack_after_each_refactor(growth):
    base, new, _, _, refactor = growth
    state = {**{s: copy.deepcopy(t) for s, t in refactor.prepare.items()}}
    user_id = {u.name: next(lid for lid, r in rf.user_resources(base, u).items() if r["Type"] == "AWS::IAM::User")
               for u in base.users}
    for snapshot in refactor.templates:
        state.update(snapshot)
        where = Counter(lid for t in state.values() for lid, r in t["Resources"].items() if r["Type"] == "AWS::IAM::User")
        assert set(where.values()) == {1} and set(where) == set(user_id.values())
    for u in new.users:
        stack = state[stack_name_of(new, u.name)]["Resources"]
        assert user_ids(base, u) <= set(stack)
    # Old stacks keep what is not a user's (the cleanup function) and nothing of any user.
    for s in refactor.retired_stacks:
        assert set(state[s]["Resources"]) <= {"IamConstructsUserCleanupHandlerEB86B9FA", rf.PLACEHOLDER}


def test_the_mapping_covers_every_moved_resource_and_nothing_else(growth):
    base, _, plan, deployed, refactor = growth
    pairs = [(m["Source"]["StackName"], m["Source"]["LogicalResourceId"], m["Destination"]["StackName"],
              m["Destination"]["LogicalResourceId"]) for m in refactor.mappings]
    assert len(pairs) == len(set(pairs))
    by_name = {u.name: u for u in base.users}
    expected = {(mv.source, lid, mv.destination, lid) for mv in plan.moves for lid in user_ids(base, by_name[mv.user])}
    assert set(pairs) == expected
    types = Counter(deployed[s]["Resources"][lid]["Type"] for s, lid, _, _ in pairs)
    assert set(types) == {"AWS::IAM::User", "AWS::IAM::AccessKey", "AWS::SecretsManager::Secret",
                          "AWS::SecretsManager::ResourcePolicy"}
    # The cleanup resource is stack-bound (its ServiceToken is its stack's function): taken out in
    # the prepare step, made again by the deployment, never mapped.
    cleanups = {lid for t in deployed.values() for lid, r in t["Resources"].items() if r["Type"] == "Custom::IamUserCleanup"}
    assert len(cleanups) == 5000 and not cleanups & {lid for _, lid, _, _ in pairs}
    assert not any(r["Type"] == "Custom::IamUserCleanup" for t in refactor.prepare.values() for r in t["Resources"].values())


def test_moved_resources_carry_no_stack_name_and_keep_their_values(growth):
    _, _, _, deployed, refactor = growth
    for s, template in refactor.prepare.items():
        for lid, res in template["Resources"].items():
            if res["Type"] == "AWS::IAM::User":
                assert "AWS::StackName" not in json.dumps(res)
                tags = res["Properties"]["Tags"]
                assert {"Key": "iam-constructs:stack", "Value": s} in tags  # the value the Ref gave
                assert res == json.loads(json.dumps(deployed[s]["Resources"][lid]).replace(
                    '{"Ref": "AWS::StackName"}', json.dumps(s)))


def test_botocore_accepts_every_refactor_request(growth):
    _, _, _, _, refactor = growth
    assert_botocore_accepts(refactor.requests)
    # One batch is at most 5 stacks whatever the number of mappings; the templates go through S3.
    assert all("TemplateURL" in d for r in refactor.requests for d in r["StackDefinitions"])


def test_a_small_move_is_inline_and_a_large_one_needs_a_template_url(load):
    base, new = load(base_data()), load(base_data(user_stacks=3))
    plan = compare(base, new, refactor=True)
    assert plan.moves
    refactor, problems = rf.build(base, new, plan.moves, deployed_templates(base))
    assert problems == [] and all("TemplateBody" in d for r in refactor.requests for d in r["StackDefinitions"])
    assert_botocore_accepts(refactor.requests)
    big_base, big_new = parsed(big_roster_data(600, 10)), parsed(big_roster_data(600, 11))
    moves = compare(big_base, big_new, refactor=True).moves
    refactor, problems = rf.build(big_base, big_new, moves, deployed_templates(big_base))
    assert refactor is None and any(p.field == "--template-url" and "51,200" in p.message for p in problems)


def test_fails_if_the_templates_are_not_the_deployed_ones(load):
    base, new = load(base_data()), load(base_data(user_stacks=3))
    moves = compare(base, new, refactor=True).moves
    templates = deployed_templates(base)
    missing = next(iter(templates))
    refactor, problems = rf.build(base, new, moves, {k: v for k, v in templates.items() if k != missing})
    assert refactor is None and "get-template" in problems[0].message
    stale = copy.deepcopy(templates)
    for t in stale.values():
        t["Resources"] = {k: v for k, v in t["Resources"].items() if "AccessKey" not in k}
    refactor, problems = rf.build(base, new, moves, stale)
    assert refactor is None and any("is not in the deployed template" in p.message for p in problems)


def test_plan_writes_the_refactor_files(write_roster, tmp_path, capsys):
    base_path, new_path = write_roster(base_data()), write_roster(base_data(user_stacks=3))
    from iam_constructs.roster import load_roster
    base = load_roster(base_path)[0]
    templates = tmp_path / "deployed"
    templates.mkdir()
    for s, t in deployed_templates(base).items():
        (templates / f"{s}.template.json").write_text(json.dumps(t))
    out = tmp_path / "refactor"
    assert main(["plan", base_path, new_path]) == 3
    assert main(["plan", base_path, new_path, "--refactor-out", str(out)]) == 2  # needs --templates
    capsys.readouterr()
    assert main(["plan", base_path, new_path, "--refactor-out", str(out), "--templates", str(templates)]) == 0
    out_text = capsys.readouterr().out
    assert "(stack refactor)" in out_text and f"stack refactor in {out}" in out_text
    assert main(["plan", base_path, new_path, "--refactor-out", str(out), "--templates", str(templates),
                 "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)["refactor"]
    assert summary["refactors"] >= 1 and summary["new_stacks"] == ["IamUsers3"] and summary["retired_stacks"] == []
    requests = [json.loads(p.read_text()) for p in sorted(out.glob("refactor-*/request.json"))]
    assert requests and sorted(p.name for p in (out / "prepare").iterdir())
    assert_botocore_accepts(requests)
    steps = (out / "steps.sh").read_text()
    order = [steps.index(x) for x in ("aws cloudformation deploy", "create-stack-refactor", "execute-stack-refactor",
                                       "npx cdk deploy --all")]
    assert order == sorted(order)
    assert json.loads((out / "mappings.json").read_text()) == [m for r in requests for m in r["ResourceMappings"]]


def test_the_refactor_of_a_synthesized_roster(tmp_path):
    """The deployed templates as the app synthesizes them (one small app): the refactor finds every
    moved resource, and nothing that stays references one that moves."""
    import aws_cdk as cdk

    from iam_constructs.roster import build
    data = big_roster_data(40, 2)
    base, new = parsed(data), parsed({**data, "account": {"user_stacks": 3}})
    app = cdk.App(outdir=str(tmp_path / "out"))
    stacks = build(app, base)
    assembly = app.synth()
    deployed = {s.stack_name: assembly.get_stack_by_name(s.stack_name).template for s in stacks.users}
    plan = compare(base, new, refactor=True)
    refactor, problems = rf.build(base, new, plan.moves, deployed)
    assert problems == [], [str(p) for p in problems]
    assert_botocore_accepts(refactor.requests)
    moved = {m["Source"]["LogicalResourceId"] for m in refactor.mappings}
    assert moved and all(lid in deployed[m.source]["Resources"] for m in plan.moves
                         for lid in user_ids(base, next(u for u in base.users if u.name == m.user)))
    for template in refactor.prepare.values():
        for lid in moved & set(template["Resources"]):
            assert "AWS::StackName" not in json.dumps(template["Resources"][lid])


def test_doubling_user_stacks_keeps_half_the_users_and_pairs_each_stack_with_one_new_one():
    base, new = parsed(big_roster_data(400, 4)), parsed(big_roster_data(400, 8))
    plan = compare(base, new, refactor=True)
    moved = {m.user for m in plan.moves}
    assert 0.4 < len(moved) / 400 < 0.6
    assert {(m.source, m.destination) for m in plan.moves} == {(f"IamUsers{i}", f"IamUsers{i + 4}") for i in range(1, 5)}
    refactor, problems = rf.build(base, new, plan.moves, deployed_templates(base), template_url=URL)
    assert problems == [] and len(refactor.requests) == 2 and refactor.retired_stacks == []
    mapped = {m["Source"]["LogicalResourceId"] for m in refactor.mappings}
    stayed = [u for u in base.users if u.name not in moved]
    assert not mapped & set().union(*(user_ids(base, u) for u in stayed))
