"""Rosters for the plan tests: YAML text in temporary folders, and deployed templates made from
the same code that emits users (no synth)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from iam_constructs.plan import stack_name_of, user_stack_name
from iam_constructs.refactor import user_resources
from iam_constructs.roster import load_roster

TAGS = {"Owner": "platform", "Purpose": "test"}


def base_data(**account: Any) -> dict[str, Any]:
    return {"version": 1, "account": {"user_stacks": 2, **account},
            "groups": [{"name": "people"}, {"name": "bots"}, {"name": "ops"}],
            "users": [
                {"name": "jane.smith", "console": True, "groups": ["people"], "tags": dict(TAGS)},
                {"name": "omar.haddad", "console": True, "groups": ["people"], "tags": dict(TAGS)},
                {"name": "ci-bot", "groups": ["bots"], "tags": dict(TAGS),
                 "access_keys": [{"serial": 1, "active": True}]},
                {"name": "deploy-bot", "groups": ["bots"], "tags": dict(TAGS),
                 "access_keys": [{"serial": 1, "active": True}, {"serial": 1, "active": True}]},
            ]}


def user(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(u for u in data["users"] if u["name"] == name)


@pytest.fixture
def write_roster(tmp_path: Path):
    counter = [0]

    def write(data: dict[str, Any], name: str | None = None) -> str:
        counter[0] += 1
        path = tmp_path / (name or f"roster{counter[0]}.yaml")
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return str(path)
    return write


@pytest.fixture
def load(write_roster):
    def load_(data: dict[str, Any]):
        roster, problems = load_roster(write_roster(copy.deepcopy(data)))
        assert problems == [], [str(p) for p in problems]
        return roster
    return load_


HANDLER = "IamConstructsUserCleanupHandlerEB86B9FA"


def deployed_templates(roster) -> dict[str, dict[str, Any]]:
    """Each user stack's template as the roster deploys it: every user's resources from the
    library's own emitter (with the stack tag as ``Ref AWS::StackName``), each cleanup resource calling
    its stack's function: the parts a refactor has to deal with."""
    out = {user_stack_name(roster, i): {"Resources": {}} for i in range(roster.user_stacks)}
    for u in roster.users:
        resources = out[stack_name_of(roster, u.name)]["Resources"]
        for lid, res in user_resources(roster, u).items():
            res = copy.deepcopy(res)
            props = res["Properties"]
            if "ServiceToken" in props:
                props["ServiceToken"] = {"Fn::GetAtt": [HANDLER, "Arn"]}
            resources[lid] = res
    for template in out.values():
        if any("ServiceToken" in r["Properties"] for r in template["Resources"].values()):
            template["Resources"][HANDLER] = {"Type": "AWS::Lambda::Function", "Properties": {"Handler": "index.handler"}}
        if not template["Resources"]:
            template["Resources"]["EmptyStackPlaceholder"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    return out
