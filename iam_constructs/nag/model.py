"""The synthesized app as plain data, for rules that are pure functions of a resource.

Templates are read once, in Python; intrinsic functions are flattened to text so rules can match
ARNs (``arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess``) and references
(``<Ref:LogicalId>``) without calling into the CDK.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Iterator

from .. import defaults


class Compliance(Enum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Level(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Result:
    """A rule's verdict on one resource; ``detail`` says what is wrong and how to fix it."""

    compliance: Compliance
    detail: str = ""


COMPLIANT = Result(Compliance.COMPLIANT)
NOT_APPLICABLE = Result(Compliance.NOT_APPLICABLE)


def non_compliant(detail: str) -> Result:
    return Result(Compliance.NON_COMPLIANT, detail)


@dataclass(frozen=True)
class TemplateResource:
    template_path: str
    logical_id: str
    type: str
    properties: dict[str, Any]
    template: "StackTemplate"

    @property
    def path(self) -> str:
        """Construct path when the template carries it, else the logical id."""
        meta = self.template.resources.get(self.logical_id, {}).get("Metadata", {})
        return meta.get("aws:cdk:path", self.logical_id)


@dataclass
class StackTemplate:
    path: str
    body: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.body.get("Resources", {}) or {}

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        return self.body.get("Parameters", {}) or {}


def flatten(value: Any) -> Any:
    """Intrinsics to text: Fn::Join / Fn::Sub joined, Ref -> <Ref:X>, GetAtt -> <GetAtt:X.Y>,
    ImportValue -> <Import:...>. Lists and dicts are walked; other values pass through."""
    if isinstance(value, list):
        return [flatten(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return f"<{arg}>" if isinstance(arg, str) and arg.startswith("AWS::") else f"<Ref:{arg}>"
        if key == "Fn::GetAtt":
            return "<GetAtt:" + (".".join(arg) if isinstance(arg, list) else str(arg)) + ">"
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return str(arg[0]).join(str(flatten(v)) for v in arg[1])
        if key == "Fn::Sub":
            return str(arg[0] if isinstance(arg, list) else arg)
        if key == "Fn::ImportValue":
            return f"<Import:{flatten(arg)}>"
    return {k: flatten(v) for k, v in value.items()}


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


@dataclass
class Assembly:
    """Every template of the synthesized app, with the cross-references rules need."""

    templates: list[StackTemplate]
    today: _dt.date = field(default_factory=_dt.date.today)
    required_tags: tuple[str, ...] = defaults.REQUIRED_USER_TAGS

    def __post_init__(self) -> None:
        self.groups_by_name: dict[str, TemplateResource] = {}
        self.users_by_name: dict[str, TemplateResource] = {}
        for r in self.resources():
            name_prop = {"AWS::IAM::Group": "GroupName", "AWS::IAM::User": "UserName"}.get(r.type)
            if name_prop and isinstance(r.properties.get(name_prop), str):
                target = self.groups_by_name if r.type == "AWS::IAM::Group" else self.users_by_name
                target[r.properties[name_prop].lower()] = r

    @functools.cached_property
    def _by_type(self) -> dict[str, list[TemplateResource]]:
        index: dict[str, list[TemplateResource]] = {}
        for t in self.templates:
            for logical_id, res in t.resources.items():
                if isinstance(res, dict):
                    r = TemplateResource(t.path, logical_id, res.get("Type", ""), res.get("Properties") or {}, t)
                    index.setdefault(r.type, []).append(r)
        return index

    def resources(self, *types: str) -> Iterator[TemplateResource]:
        """Every resource of the given types (all resources when none given), template order."""
        for kind in (types or tuple(self._by_type)):
            yield from self._by_type.get(kind, ())

    def resolve(self, origin: TemplateResource, ref: Any, by_name: dict[str, TemplateResource]) -> TemplateResource | None:
        """A referenced resource: ``{"Ref": X}`` in the same template, or a literal name."""
        if isinstance(ref, dict) and set(ref) == {"Ref"}:
            res = origin.template.resources.get(ref["Ref"])
            if isinstance(res, dict):
                return TemplateResource(origin.template_path, ref["Ref"], res.get("Type", ""), res.get("Properties") or {},
                                origin.template)
            return None
        if isinstance(ref, str):
            return by_name.get(ref.lower())
        return None

    def refers_to(self, origin: TemplateResource, value: Any, target: TemplateResource, name_prop: str) -> bool:
        """True when ``value`` (found on ``origin``) names ``target`` by Ref or by literal name."""
        if isinstance(value, dict) and set(value) == {"Ref"}:
            return origin.template_path == target.template_path and value["Ref"] == target.logical_id
        name = target.properties.get(name_prop)
        return isinstance(value, str) and isinstance(name, str) and value.lower() == name.lower()

    def policy_documents_of(self, principal: TemplateResource) -> list[tuple[TemplateResource, Any]]:
        """Every policy document attached to a user or group: inline, managed by Ref, and policy
        resources that name it in Users / Groups (as the template holds it: usually a dict)."""
        docs: list[tuple[TemplateResource, Any]] = []
        for inline in as_list(principal.properties.get("Policies")):
            if isinstance(inline, dict):
                docs.append((principal, inline.get("PolicyDocument")))
        for arn in as_list(principal.properties.get("ManagedPolicyArns")):
            policy = self.resolve(principal, arn, {}) if isinstance(arn, dict) else None
            if policy is not None and policy.type == "AWS::IAM::ManagedPolicy":
                docs.append((policy, policy.properties.get("PolicyDocument")))
        key = "Groups" if principal.type == "AWS::IAM::Group" else "Users"
        name_prop = "GroupName" if principal.type == "AWS::IAM::Group" else "UserName"
        for policy in self.resources("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            if any(self.refers_to(policy, v, principal, name_prop) for v in as_list(policy.properties.get(key))):
                docs.append((policy, policy.properties.get("PolicyDocument")))
        return docs

    @functools.cached_property
    def _access_keys(self) -> dict[tuple, list[TemplateResource]]:
        index: dict[tuple, list[TemplateResource]] = {}
        for key in self.resources("AWS::IAM::AccessKey"):
            user = key.properties.get("UserName")
            if isinstance(user, dict) and set(user) == {"Ref"}:
                index.setdefault(("ref", key.template_path, user["Ref"]), []).append(key)
            elif isinstance(user, str):
                index.setdefault(("name", user.lower()), []).append(key)
        return index

    def access_keys_of(self, user: TemplateResource) -> list[TemplateResource]:
        """Access keys whose UserName is this user, by Ref or by name."""
        name = user.properties.get("UserName")
        keys = list(self._access_keys.get(("ref", user.template_path, user.logical_id), []))
        if isinstance(name, str):
            keys += self._access_keys.get(("name", name.lower()), [])
        return keys

    @functools.cached_property
    def login_profile_secrets(self) -> set[tuple[str, str]]:
        """(template path, logical id) of every secret a login profile's password references."""
        found = set()
        for user in self.resources("AWS::IAM::User"):
            profile = user.properties.get("LoginProfile")
            if isinstance(profile, dict):
                for logical_id in _SECRET_REF.findall(str(flatten(profile.get("Password")))):
                    found.add((user.template_path, logical_id))
        return found

    def groups_of(self, user: TemplateResource) -> list[TemplateResource | None]:
        """The user's groups; None for a group that no template of the app declares."""
        groups = [self.resolve(user, g, self.groups_by_name) for g in as_list(user.properties.get("Groups"))]
        for addition in self.resources("AWS::IAM::UserToGroupAddition"):
            if any(self.refers_to(addition, u, user, "UserName") for u in as_list(addition.properties.get("Users"))):
                groups.append(self.resolve(addition, addition.properties.get("GroupName"), self.groups_by_name))
        return groups


_SECRET_REF = re.compile(r"<Ref:([A-Za-z0-9]+)>")


RuleFunction = Callable[[TemplateResource, Assembly], Result]
