"""An account as the synthesized templates would make it: every principal with the real documents
of every policy that applies to it, ready for the evaluator.

The templates are read, not interpreted by string matching: intrinsic functions are resolved the
way CloudFormation would in account ``ACCOUNT`` / region ``REGION`` (Ref, Fn::GetAtt, Fn::Join,
Fn::Sub, Fn::ImportValue through the exports of the other templates), AWS-managed policies are
fetched as their real documents, and a user's ARN carries its path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from tests.policy.evaluator import managed_policies

ACCOUNT = "111122223333"
REGION = "eu-west-1"
PARTITION = "aws"
_AWS_MANAGED = re.compile(r"^arn:aws:iam::aws:policy/(.+)$")


@dataclass
class Principal:
    """A user or role with everything IAM would evaluate for it."""

    kind: str  # "user" or "role"
    name: str
    path: str
    arn: str
    stack: str
    logical_id: str
    groups: tuple[str, ...] = ()
    policies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    boundary: dict[str, Any] | None = None
    console: bool = False
    access_keys: int = 0


class Account:
    """Resolved view of a set of templates (one app, or one exported roster)."""

    def __init__(self, templates: Mapping[str, dict[str, Any]]) -> None:
        self.templates = dict(templates)
        self.exports: dict[str, Any] = {}
        for stack, body in self.templates.items():
            for output in (body.get("Outputs") or {}).values():
                export = output.get("Export", {}).get("Name")
                if export is not None:
                    self.exports[self._resolve(export, stack)] = (output["Value"], stack)

    @classmethod
    def from_dir(cls, directory: Path) -> "Account":
        return cls({p.name.split(".")[0]: json.loads(p.read_text()) for p in sorted(directory.glob("*.template.json"))})

    # -- resolution ------------------------------------------------------------------------------

    def resources(self, *types: str) -> Iterable[tuple[str, str, dict[str, Any]]]:
        for stack, body in self.templates.items():
            for logical_id, res in (body.get("Resources") or {}).items():
                if not types or res.get("Type") in types:
                    yield stack, logical_id, res

    def _resource(self, stack: str, logical_id: str) -> dict[str, Any]:
        return self.templates[stack]["Resources"][logical_id]

    def props(self, stack: str, logical_id: str) -> dict[str, Any]:
        return self._resource(stack, logical_id).get("Properties") or {}

    def _name(self, stack: str, logical_id: str, prop: str) -> str:
        value = self.props(stack, logical_id).get(prop)
        return self._resolve(value, stack) if value is not None else f"{stack}-{logical_id}"

    def _ref(self, target: str, stack: str) -> Any:
        pseudo = {"AWS::Partition": PARTITION, "AWS::AccountId": ACCOUNT, "AWS::Region": REGION,
                  "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": stack, "AWS::NoValue": None,
                  "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/{stack}/"
                                  "6c5a2f50-0000-4000-8000-000000000000"}
        if target in pseudo:
            return pseudo[target]
        body = self.templates[stack]
        if target in (body.get("Parameters") or {}):
            return body["Parameters"][target].get("Default", f"<parameter {target}>")
        kind = self._resource(stack, target)["Type"]
        if kind == "AWS::IAM::User":
            return self._name(stack, target, "UserName")
        if kind == "AWS::IAM::Group":
            return self._name(stack, target, "GroupName")
        if kind == "AWS::IAM::Role":
            return self._name(stack, target, "RoleName")
        if kind == "AWS::IAM::ManagedPolicy":
            path = self.props(stack, target).get("Path", "/")
            return f"arn:{PARTITION}:iam::{ACCOUNT}:policy{path}{self._name(stack, target, 'ManagedPolicyName')}"
        if kind == "AWS::KMS::Key":
            return f"key-{target.lower()}"
        if kind == "AWS::SecretsManager::Secret":
            return self.secret_arn(stack, target)
        if kind == "AWS::SNS::Topic":
            return f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{self._name(stack, target, 'TopicName')}"
        if kind == "AWS::IAM::AccessKey":
            return f"AKIA{target.upper()[:16]}"
        return f"{stack}-{target}"

    def secret_arn(self, stack: str, logical_id: str) -> str:
        return (f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT}:secret:"
                f"{self._name(stack, logical_id, 'Name')}-AbC123")

    def _get_att(self, target: str, attribute: str, stack: str) -> Any:
        kind = self._resource(stack, target)["Type"]
        if attribute == "Arn":
            if kind == "AWS::IAM::Role":
                path = self.props(stack, target).get("Path", "/")
                return f"arn:{PARTITION}:iam::{ACCOUNT}:role{path}{self._ref(target, stack)}"
            if kind == "AWS::IAM::User":
                path = self.props(stack, target).get("Path", "/")
                return f"arn:{PARTITION}:iam::{ACCOUNT}:user{path}{self._ref(target, stack)}"
            if kind == "AWS::KMS::Key":
                return f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{self._ref(target, stack)}"
            if kind == "AWS::Logs::LogGroup":
                return f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{self._name(stack, target, 'LogGroupName')}:*"
            if kind == "AWS::Lambda::Function":
                return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{self._name(stack, target, 'FunctionName')}"
        return f"<{target}.{attribute}>"

    def _resolve(self, value: Any, stack: str) -> Any:
        if isinstance(value, list):
            return [self._resolve(v, stack) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self._ref(arg, stack)
            if key == "Fn::GetAtt":
                target, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self._get_att(target, attribute, stack)
            if key == "Fn::Join":
                sep, parts = arg
                return sep.join(str(self._resolve(p, stack)) for p in self._resolve(parts, stack))
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else arg

                def sub(m: re.Match) -> str:
                    name = m.group(1)
                    if name in variables:
                        return str(self._resolve(variables[name], stack))
                    if "." in name and not name.startswith("AWS::"):
                        return str(self._get_att(*name.split(".", 1), stack))
                    return str(self._ref(name, stack))
                return re.sub(r"\$\{(?!!)([^}]+)\}", sub, text)
            if key == "Fn::ImportValue":
                value, origin = self.exports[self._resolve(arg, stack)]
                return self._resolve(value, origin)
        return {k: self._resolve(v, stack) for k, v in value.items()}

    def resolved(self, stack: str, value: Any) -> Any:
        """``value`` (taken from ``stack``'s template) with every intrinsic resolved."""
        return self._resolve(value, stack)

    # -- principals ------------------------------------------------------------------------------

    def _policy_docs(self, arns: Iterable[Any], stack: str) -> list[tuple[str, Any]]:
        out = []
        for arn in arns:
            arn = self._resolve(arn, stack)
            m = _AWS_MANAGED.match(arn)
            if m:
                out.append((m.group(1), ("aws-managed", m.group(1))))
                continue
            for s, lid, res in self.resources("AWS::IAM::ManagedPolicy"):
                if self._ref(lid, s) == arn:
                    out.append((f"{s}/{lid}", self._resolve(res["Properties"]["PolicyDocument"], s)))
                    break
            else:
                raise KeyError(f"policy {arn} is neither AWS-managed nor in the templates")
        return out

    def _attached(self, kind: str, name: str) -> list[tuple[str, Any]]:
        """Policies that name the principal in their Users / Groups / Roles list."""
        key = {"user": "Users", "group": "Groups", "role": "Roles"}[kind]
        out = []
        for s, lid, res in self.resources("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            if name in (self._resolve(res["Properties"].get(key) or [], s)):
                out.append((f"{s}/{lid}", self._resolve(res["Properties"]["PolicyDocument"], s)))
        return out

    def _group(self, name: str) -> tuple[str, str]:
        for s, lid, _ in self.resources("AWS::IAM::Group"):
            if self._ref(lid, s) == name:
                return s, lid
        raise KeyError(f"group {name} is in no template")

    def _group_policies(self, name: str) -> list[tuple[str, Any]]:
        s, lid = self._group(name)
        props = self.props(s, lid)
        docs = self._policy_docs(props.get("ManagedPolicyArns") or [], s)
        docs += [(f"{s}/{lid}/{p['PolicyName']}", self._resolve(p["PolicyDocument"], s))
                 for p in props.get("Policies") or []]
        return docs + self._attached("group", name)

    def principals(self) -> list[Principal]:
        out: list[Principal] = []
        for stack, lid, res in self.resources("AWS::IAM::User", "AWS::IAM::Role"):
            props = res.get("Properties") or {}
            kind = "user" if res["Type"] == "AWS::IAM::User" else "role"
            name = self._ref(lid, stack)
            path = props.get("Path", "/")
            groups = tuple(self._resolve(props.get("Groups") or [], stack))
            for s, l2, r2 in self.resources("AWS::IAM::UserToGroupAddition"):
                if name in self._resolve(r2["Properties"]["Users"], s):
                    groups += (self._resolve(r2["Properties"]["GroupName"], s),)
            docs = self._policy_docs(props.get("ManagedPolicyArns") or [], stack)
            docs += [(f"{stack}/{lid}/{p['PolicyName']}", self._resolve(p["PolicyDocument"], stack))
                     for p in props.get("Policies") or []]
            docs += self._attached(kind, name)
            for g in groups:
                docs += self._group_policies(g)
            # A policy attached through two groups is still one policy to IAM.
            docs = list({name: (name, doc) for name, doc in docs}.values())
            boundary = None
            if props.get("PermissionsBoundary"):
                (_, boundary), = self._policy_docs([props["PermissionsBoundary"]], stack)
            keys = sum(1 for s, _, r in self.resources("AWS::IAM::AccessKey")
                       if s == stack and r["Properties"].get("UserName") == {"Ref": lid})
            out.append(Principal(
                kind=kind, name=name, path=path, arn=f"arn:{PARTITION}:iam::{ACCOUNT}:{kind}{path}{name}",
                stack=stack, logical_id=lid, groups=groups, policies=docs, boundary=boundary,
                console="LoginProfile" in props, access_keys=keys))
        _fill_managed(out)
        return out


def _fill_managed(principals: list[Principal]) -> None:
    """Replaces ("aws-managed", name) placeholders by the real documents, fetched in one call."""
    names = {doc[1] for p in principals for _, doc in p.policies + [("", p.boundary)]
             if isinstance(doc, tuple) and doc[0] == "aws-managed"}
    real = managed_policies(sorted(names)) if names else {}
    for p in principals:
        p.policies = [(n, real[d[1]] if isinstance(d, tuple) else d) for n, d in p.policies]
        if isinstance(p.boundary, tuple):
            p.boundary = real[p.boundary[1]]
