"""Adopting an existing account: read its IAM users and groups, write a roster and the CloudFormation
resource-import documents that bring them under the roster's stacks without replacing anything.

``iam-constructs adopt --out DIR`` writes:

- ``DIR/roster.yaml``: version 1; users with paths, tags, groups and permissions boundary; groups
  with their AWS-managed policies, and their customer-managed and inline policies merged into
  ``statements``; ``account.password_policy`` as the account has it (``false`` when it has none).
- ``DIR/import/<Stack>.json``: the ``ResourcesToImport`` of each stack (``AWS::IAM::User`` by
  ``UserName``, ``AWS::IAM::Group`` by ``GroupName``, ``AWS::IAM::ManagedPolicy`` by ``PolicyArn``),
  keyed by the logical ids read from the roster's own synthesized templates, and
  ``DIR/import/<Stack>.template.json``: that stack's template cut to the resources imported, each
  with ``DeletionPolicy: Retain``, their properties as the account has them.
- ``DIR/import/commands.sh``: the IMPORT change sets, stack by stack, then the deployment that
  adds everything else (secrets, the cleanup, the password policy, the key, new policies).
- ``DIR/adoption.json``: per user and group what exists outside the roster and what to do.

Credentials are never recreated nor deleted by the first deployment: a login profile or access
key that exists is left out of the roster (``console`` false, no ``access_keys``), so CloudFormation
neither resets the password nor replaces the key; each is reported with the way to bring it into
the roster. MFA devices, SSH keys, signing certificates and service-specific credentials have no
place in the roster and are left as they are.
"""

from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_BAD_INPUT = 0, 2
ROSTER_FILE = "roster.yaml"
REPORT_FILE = "adoption.json"
IMPORT_DIR = "import"
COMMANDS_FILE = "commands.sh"
CHANGE_SET_NAME = "iam-constructs-adopt"
# CloudFormation's resource type schemas: the primary identifier of each type imported here.
IDENTIFIERS = {"AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName", "AWS::IAM::ManagedPolicy": "PolicyArn"}
STACK_TAG = "iam-constructs:stack"   # defaults.STACK_TAG: written by the stack, never adopted
USERS_PER_STACK = 50                 # README: about one user stack per 50 users with the cleanup on
DEFAULT_USER_STACKS = 4              # the roster's own default (schema.DEFAULT_USER_STACKS): room to grow
MAX_USER_STACKS = 200                # schema.MAX_USER_STACKS
PERMISSIONS = {
    "GetAccountAuthorizationDetails": "iam:GetAccountAuthorizationDetails",
    "GetAccountPasswordPolicy": "iam:GetAccountPasswordPolicy",
    "GetLoginProfile": "iam:GetLoginProfile", "ListAccessKeys": "iam:ListAccessKeys",
    "ListMFADevices": "iam:ListMFADevices", "ListSSHPublicKeys": "iam:ListSSHPublicKeys",
    "ListSigningCertificates": "iam:ListSigningCertificates",
    "ListServiceSpecificCredentials": "iam:ListServiceSpecificCredentials",
}
ACCESS_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
_SID = re.compile(r"^[A-Za-z0-9]+$")
_POLICY_FIELDS = (("MinimumPasswordLength", "minimum_length"), ("RequireUppercaseCharacters", "require_uppercase"),
                  ("RequireLowercaseCharacters", "require_lowercase"), ("RequireNumbers", "require_numbers"),
                  ("RequireSymbols", "require_symbols"), ("AllowUsersToChangePassword", "allow_users_to_change"),
                  ("HardExpiry", "hard_expiry"))


# -- reading the account -----------------------------------------------------------------------

@dataclass
class Holdings:
    """What a user has that the roster does not create on adoption."""
    login_profile: bool = False
    access_keys: list[dict] = field(default_factory=list)      # id, status (never a secret)
    mfa_devices: list[str] = field(default_factory=list)
    ssh_keys: list[str] = field(default_factory=list)
    signing_certificates: list[str] = field(default_factory=list)
    service_credentials: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)


@dataclass
class Account:
    password_policy: dict | None
    users: list[dict]                       # GetAccountAuthorizationDetails UserDetailList entries
    groups: list[dict]                      # GroupDetailList entries
    policies: dict[str, dict]               # customer-managed policies by ARN (Policies entries)
    holdings: dict[str, Holdings]


def _pages(method, key: str, **kwargs) -> list:
    out: list = []
    marker = None
    while True:
        page = method(**kwargs, **({"Marker": marker} if marker else {}))
        out += page.get(key) or []
        if not page.get("IsTruncated"):
            return out
        marker = page.get("Marker")


def _code(e: Exception) -> str:
    response = getattr(e, "response", None)
    return str(((response or {}).get("Error") or {}).get("Code") or "") if isinstance(response, dict) else ""


def read_account(iam, *, path_prefix: str | None = None) -> Account:
    """Everything adoption needs, in one GetAccountAuthorizationDetails pass plus a few reads per user.
    ClientErrors pass through (the CLI names the missing permission); a credential listing the
    endpoint does not offer is named in the user's ``unread``."""
    from botocore.exceptions import ClientError
    try:
        policy = iam.get_account_password_policy()["PasswordPolicy"]
    except ClientError as e:
        if _code(e) != "NoSuchEntity":
            raise
        policy = None
    users: list[dict] = []
    groups: list[dict] = []
    policies: list[dict] = []
    marker = None
    while True:
        page = iam.get_account_authorization_details(
            Filter=["User", "Group", "LocalManagedPolicy"], **({"Marker": marker} if marker else {}))
        users += page.get("UserDetailList") or []
        groups += page.get("GroupDetailList") or []
        policies += page.get("Policies") or []
        if not page.get("IsTruncated"):
            break
        marker = page.get("Marker")
    if path_prefix:
        users = [u for u in users if u.get("Path", "/").startswith(path_prefix)]
        wanted = {g.lower() for u in users for g in u.get("GroupList") or []}
        groups = [g for g in groups if g["GroupName"].lower() in wanted]
    holdings: dict[str, Holdings] = {}
    unsupported: dict[str, str] = {}   # operation -> why, once the endpoint showed it does not offer it
    for u in users:
        name, h = u["UserName"], Holdings()
        holdings[name] = h
        try:
            iam.get_login_profile(UserName=name)
            h.login_profile = True
        except ClientError as e:
            if _code(e) != "NoSuchEntity":
                raise
        reads = (("ListAccessKeys", lambda name=name: _pages(iam.list_access_keys, "AccessKeyMetadata", UserName=name),
                  lambda items: [{"id": k["AccessKeyId"], "status": k.get("Status", "?")} for k in items], "access_keys"),
                 ("ListMFADevices", lambda name=name: _pages(iam.list_mfa_devices, "MFADevices", UserName=name),
                  lambda items: [d["SerialNumber"] for d in items], "mfa_devices"),
                 ("ListSSHPublicKeys", lambda name=name: _pages(iam.list_ssh_public_keys, "SSHPublicKeys", UserName=name),
                  lambda items: [k["SSHPublicKeyId"] for k in items], "ssh_keys"),
                 ("ListSigningCertificates",
                  lambda name=name: _pages(iam.list_signing_certificates, "Certificates", UserName=name),
                  lambda items: [c["CertificateId"] for c in items], "signing_certificates"),
                 ("ListServiceSpecificCredentials",
                  lambda name=name: iam.list_service_specific_credentials(UserName=name).get("ServiceSpecificCredentials") or [],
                  lambda items: [f"{c.get('ServiceName')}:{c.get('ServiceSpecificCredentialId')}" for c in items],
                  "service_credentials"))
        for operation, read, shape, attribute in reads:
            if operation in unsupported:
                h.unread.append(f"{operation}: {unsupported[operation]}")
                continue
            try:
                setattr(h, attribute, shape(read()))
            except ClientError as e:
                if _code(e) in ACCESS_DENIED:
                    raise
                h.unread.append(f"{operation}: {_code(e) or 'error'}")
            except Exception as e:  # noqa: BLE001 - an endpoint that does not offer the call (an emulator)
                unsupported[operation] = f"the endpoint could not answer ({type(e).__name__})"
                h.unread.append(f"{operation}: {unsupported[operation]}")
    return Account(password_policy=policy, users=users, groups=groups,
                   policies={p["Arn"]: p for p in policies}, holdings=holdings)


# -- the roster --------------------------------------------------------------------------------

def _aws_managed_name(arn: str) -> str | None:
    """``ReadOnlyAccess`` for ``arn:aws:iam::aws:policy/ReadOnlyAccess`` (and paths such as
    ``job-function/ViewOnlyAccess``); None for a customer-managed policy."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[4] == "aws" and parts[5].startswith("policy/"):
        return parts[5][len("policy/"):]
    return None


def _parsed(document: Any) -> Any:
    """A policy document as data: botocore decodes IAM's URL-encoded JSON; a raw answer may not be."""
    if isinstance(document, str):
        from urllib.parse import unquote
        return json.loads(document if document.lstrip().startswith("{") else unquote(document))
    return document


def _default_document(policy: dict) -> dict | None:
    for version in policy.get("PolicyVersionList") or []:
        if version.get("IsDefaultVersion"):
            return _parsed(version.get("Document"))
    return None


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def to_statements(document: Any, sids: set[str]) -> tuple[list[dict], list[str]]:
    """A policy document's statements in the roster's form, and what could not be carried over.
    A Sid is kept when it is letters and digits and not already used (IAM refuses a Sid twice in
    one policy); the roster's merged policy would otherwise be refused."""
    out, lost = [], []
    document = _parsed(document)
    statements = (document or {}).get("Statement") or []
    for s in _as_list(statements):
        if not isinstance(s, dict):
            lost.append(f"a statement that is not a mapping: {s!r:.80}")
            continue
        if "Principal" in s or "NotPrincipal" in s:
            lost.append("a statement with a Principal (not an identity-policy statement)")
            continue
        item: dict[str, Any] = {}
        sid = s.get("Sid")
        if isinstance(sid, str) and _SID.match(sid) and sid not in sids:
            sids.add(sid)
            item["sid"] = sid
        if s.get("Effect", "Allow") != "Allow":
            item["effect"] = s["Effect"]
        for key, name in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"),
                          ("NotResource", "not_resources")):
            if key in s:
                item[name] = _as_list(s[key])
        if "Condition" in s:
            item["conditions"] = s["Condition"]
        out.append(item)
    return out, lost


@dataclass
class Plan:
    """The adopted roster as data, and what the report says about each user and group."""
    roster: dict
    user_notes: dict[str, list[str]]
    group_notes: dict[str, list[str]]
    imported_policies: dict[str, str]      # group name -> the customer-managed policy ARN imported as its own
    user_kept: dict[str, list[str]] = field(default_factory=dict)   # short labels for the summary


def plan_roster(account: Account, *, stack_prefix: str = "Iam", user_stacks: int | None = None) -> Plan:
    groups: list[dict] = []
    group_notes: dict[str, list[str]] = {}
    imported: dict[str, str] = {}
    known_groups = {g["GroupName"].lower() for g in account.groups}
    for g in sorted(account.groups, key=lambda g: g["GroupName"].lower()):
        name, notes = g["GroupName"], []
        entry: dict[str, Any] = {"name": name}
        if g.get("Path", "/") != "/":
            entry["path"] = g["Path"]
        managed, local = [], []
        for p in g.get("AttachedManagedPolicies") or []:
            aws_name = _aws_managed_name(p["PolicyArn"])
            (managed.append(aws_name) if aws_name else local.append(p["PolicyArn"]))
        if managed:
            entry["managed_policies"] = managed
        statements: list[dict] = []
        sids: set[str] = set()
        for arn in local:
            policy = account.policies.get(arn)
            document = _default_document(policy) if policy else None
            if document is None:
                notes.append(f"customer-managed policy {arn}: its document could not be read; add its statements "
                             "by hand")
                continue
            converted, lost = to_statements(document, sids)
            statements += converted
            notes += [f"customer-managed policy {arn}: left out {what}" for what in lost]
        inline = g.get("GroupPolicyList") or []
        for p in inline:
            converted, lost = to_statements(p.get("PolicyDocument"), sids)
            statements += converted
            notes += [f"inline policy {p.get('PolicyName')}: left out {what}" for what in lost]
        if statements:
            entry["statements"] = statements
        only = local[0] if len(local) == 1 and not inline else None
        policy = account.policies.get(only) if only else None
        if only and policy and policy.get("AttachmentCount", 1) == 1 and policy.get("Path", "/") == "/":
            imported[name] = only
            notes.append(f"customer-managed policy {only} is imported as the group's own policy (its statements "
                         "are the group's statements)")
        else:
            for arn in local:
                notes.append(f"customer-managed policy {arn}: its statements are now the group's statements; after "
                             f"the deployment, detach it if it is still attached: aws iam detach-group-policy "
                             f"--group-name {name} --policy-arn {arn}")
        for p in inline:
            notes.append(f"inline policy {p.get('PolicyName')}: its statements are now the group's statements; "
                         f"after the deployment, delete it: aws iam delete-group-policy --group-name {name} "
                         f"--policy-name {p.get('PolicyName')}")
        groups.append(entry)
        group_notes[name] = notes
    users, user_notes, user_kept = [], {}, {}
    for u in sorted(account.users, key=lambda u: u["UserName"].lower()):
        name, notes, h = u["UserName"], [], account.holdings.get(u["UserName"], Holdings())
        entry = {"name": name}
        if u.get("Path", "/") != "/":
            entry["path"] = u["Path"]
        member = [g for g in u.get("GroupList") or [] if g.lower() in known_groups]
        if member:
            entry["groups"] = member
        tags = {t["Key"]: t["Value"] for t in u.get("Tags") or [] if t["Key"] != STACK_TAG}
        if tags:
            entry["tags"] = tags
        boundary = (u.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if boundary:
            entry["permissions_boundary"] = boundary
        if h.login_profile:
            notes.append("console password (login profile) made outside CloudFormation: kept as it is (console "
                         "stays false, so the deployment neither resets nor deletes it). To manage it: set "
                         "console: true and deploy; CloudFormation then sets a generated password (Secrets "
                         f"Manager /iam-users/{name}/console-password) to be changed at the next sign-in")
        first = "" if len(h.access_keys) < 2 else "delete one of the two old keys first (IAM allows 2 per user), "
        for key in h.access_keys:
            notes.append(f"access key {key['id']} ({key['status']}) made outside CloudFormation: kept as it is "
                         f"(no access_keys slot, so the deployment neither replaces nor deletes it). Rotate into a "
                         f"slot: {first}add access_keys: [{{serial: 1}}], deploy, switch the client to the secret "
                         f"/iam-users/{name}/access-key-1, then delete the old key by hand: aws iam delete-access-key "
                         f"--user-name {name} --access-key-id {key['id']}")
        kept = [label for label, count in (("console password", int(h.login_profile)),
                                           ("access key", len(h.access_keys)), ("MFA device", len(h.mfa_devices)),
                                           ("SSH key", len(h.ssh_keys)),
                                           ("signing certificate", len(h.signing_certificates)),
                                           ("service credential", len(h.service_credentials)),
                                           ("user policy", len(u.get("AttachedManagedPolicies") or [])
                                            + len(u.get("UserPolicyList") or []))) for _ in range(count)]
        kept = [f"{kept.count(k)} {k}{'s' if kept.count(k) > 1 else ''}" for k in dict.fromkeys(kept)]
        kept += [f"unread: {item.split(':')[0]}" for item in h.unread]
        user_kept[name] = kept
        for what, items in (("MFA device", h.mfa_devices), ("SSH public key", h.ssh_keys),
                            ("signing certificate", h.signing_certificates),
                            ("service-specific credential", h.service_credentials)):
            for item in items:
                notes.append(f"{what} {item}: kept; the roster does not manage it (the cleanup removes it when the "
                             "user leaves the roster)")
        for item in h.unread:
            notes.append(f"could not be read ({item}): check by hand")
        for p in u.get("AttachedManagedPolicies") or []:
            notes.append(f"managed policy {p['PolicyArn']} attached to the user: kept, not in the roster (permissions "
                         "come from groups); move it to a group, then detach it")
        for p in u.get("UserPolicyList") or []:
            notes.append(f"inline policy {p.get('PolicyName')} on the user: kept, not in the roster; move its "
                         "statements to a group, then delete it")
        other = [g for g in u.get("GroupList") or [] if g.lower() not in known_groups]
        for g in other:
            notes.append(f"member of group {g}, which this adoption left out (--path-prefix): not in the roster, "
                         "so the deployment may take the user out of it; adopt the group too to keep it")
        users.append(entry)
        user_notes[name] = notes
    if user_stacks is None:
        user_stacks = max(DEFAULT_USER_STACKS, -(-len(users) // USERS_PER_STACK))
    account_entry: dict[str, Any] = {}
    pp = account.password_policy
    if pp is None:
        account_entry["password_policy"] = False
    else:
        policy = {key: pp[api] for api, key in _POLICY_FIELDS if api in pp}
        policy["max_age_days"] = pp.get("MaxPasswordAge") if pp.get("ExpirePasswords", "MaxPasswordAge" in pp) else None
        policy["reuse_prevention"] = pp.get("PasswordReusePrevention")
        account_entry["password_policy"] = policy
    missing_tags = any(not {"owner", "purpose"} <= {k.lower() for k, v in (e.get("tags") or {}).items() if v}
                       for e in users)
    if missing_tags:
        account_entry["required_tags"] = []
    if stack_prefix != "Iam":
        account_entry["stack_prefix"] = stack_prefix
    account_entry["user_stacks"] = user_stacks
    roster = {"version": 1, "account": account_entry, "groups": groups, "users": users}
    return Plan(roster=roster, user_notes=user_notes, group_notes=group_notes, imported_policies=imported,
                user_kept=user_kept)


def roster_yaml(plan: Plan) -> str:
    """The roster as YAML, each user's and group's report notes as comments above it."""
    import yaml

    def block(value: Any, indent: int) -> list[str]:
        text = yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True, width=110)
        return [" " * indent + line if line else line for line in text.rstrip("\n").split("\n")]

    def comments(notes: list[str]) -> list[str]:
        import textwrap
        return [line for n in notes for line in textwrap.wrap(
            " ".join(n.split()), 104, initial_indent="  # ", subsequent_indent="  #   ", break_long_words=False,
            break_on_hyphens=False)]

    r = plan.roster
    lines = ["# Adopted by `iam-constructs adopt`: what the account had, as a roster.",
             "# Credentials that exist are kept out of the roster so the first deployment neither",
             "# recreates nor deletes them; see the notes above each user and adoption.json.",
             "version: 1", "account:"]
    lines += block(r["account"], 2)
    if "required_tags" in r["account"]:
        lines.insert(lines.index("account:") + 1,
                     "  # some users lack Owner/Purpose tags: tag them, then remove required_tags: []")
    lines.append("groups:" if r["groups"] else "groups: []")
    for g in r["groups"]:
        lines += comments(plan.group_notes.get(g["name"], []))
        lines += block([g], 2)
    lines.append("users:" if r["users"] else "users: []")
    for u in r["users"]:
        lines += comments(plan.user_notes.get(u["name"], []))
        lines += block([u], 2)
    return "\n".join(lines) + "\n"


# -- the import documents ------------------------------------------------------------------------

def _references(value: Any) -> set[str]:
    """Logical ids and parameters a template value names (Ref, Fn::GetAtt, Fn::Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) and inner else str(inner).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                if isinstance(text, str):
                    found |= {v.split(".")[0] for v in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                found |= _references(inner[1] if isinstance(inner, list) and len(inner) > 1 else {})
            else:
                found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return {f for f in found if not f.startswith("AWS::")}


def import_template(template: dict, keep: set[str], actual: dict[str, dict]) -> dict:
    """``template`` cut to the resources in ``keep``: DeletionPolicy Retain, no reference to what is not
    kept (a list item naming it is dropped, any other property naming it is dropped whole), no outputs,
    parameters or conditions, and the properties in ``actual[logical id]`` as the account has them (so
    the deployment after the import sees, and makes, every difference)."""
    out: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
    if template.get("Description"):
        out["Description"] = template["Description"]
    resources = {}
    for logical_id in sorted(keep):
        source = template["Resources"][logical_id]
        properties = {}
        for name, value in (source.get("Properties") or {}).items():
            if isinstance(value, list):
                value = [item for item in value if _references(item) <= keep]
            elif not _references(value) <= keep:
                continue
            properties[name] = value
        properties.update(actual.get(logical_id, {}))
        properties = {k: v for k, v in properties.items() if v not in (None, [])}
        resource: dict[str, Any] = {"Type": source["Type"], "DeletionPolicy": "Retain",
                                    "UpdateReplacePolicy": "Retain"}
        if properties:
            resource["Properties"] = properties
        resources[logical_id] = resource
    out["Resources"] = resources
    return out


@dataclass
class StackImport:
    stack: str
    resources: list[dict]          # ResourcesToImport
    template: dict                 # the import template
    deploy_resources: int          # resources the full template has


def synthesize(roster_path: str) -> tuple[Any, list[tuple[str, dict]]]:
    """The roster's templates as ``export`` writes them (no rule packs: logical ids do not depend on
    them), in deployment order."""
    import tempfile

    import aws_cdk as cdk

    from .errors import IamConstructsError
    from .export import clean_template
    from .roster import Progress, build, load_roster
    roster, problems = load_roster(roster_path)
    if problems or roster is None:
        raise IamConstructsError(problems)
    with tempfile.TemporaryDirectory(prefix="iam-constructs-adopt-") as tmp:
        app = cdk.App(outdir=tmp)
        stacks = build(app, roster, progress=Progress(io.StringIO()))  # quiet: adopt prints its own summary
        assembly = app.synth()
        return roster, [(s.stack_name, clean_template(assembly.get_stack_by_name(s.stack_name).template))
                        for s in stacks.in_deployment_order]


def import_plan(templates: list[tuple[str, dict]], account: Account, plan: Plan) -> list[StackImport]:
    """For each stack: which of its resources exist in the account (by the name or ARN the template
    gives them), and the template to import them with."""
    users = {u["UserName"]: u for u in account.users}
    groups = {g["GroupName"]: g for g in account.groups}
    out = []
    for stack, template in templates:
        resources = template.get("Resources", {})
        found: list[dict] = []
        actual: dict[str, dict] = {}
        for logical_id, r in resources.items():
            props = r.get("Properties") or {}
            if r.get("Type") == "AWS::IAM::User" and props.get("UserName") in users:
                u = users[props["UserName"]]
                found.append(_to_import(r["Type"], logical_id, u["UserName"]))
                actual[logical_id] = {"Tags": [t for t in props.get("Tags") or []
                                               if {"Key": t.get("Key"), "Value": t.get("Value")}
                                               in (u.get("Tags") or [])]}
            elif r.get("Type") == "AWS::IAM::Group" and props.get("GroupName") in groups:
                found.append(_to_import(r["Type"], logical_id, props["GroupName"]))
                arn = plan.imported_policies.get(props["GroupName"])
                own = _own_policy(resources, props, props["GroupName"]) if arn else None
                if own and arn:
                    policy = account.policies[arn]
                    found.append(_to_import("AWS::IAM::ManagedPolicy", own, arn))
                    actual[own] = {"PolicyDocument": _default_document(policy)}
        if not found:
            out.append(StackImport(stack, [], {}, len(resources)))
            continue
        keep = {f["LogicalResourceId"] for f in found}
        out.append(StackImport(stack, found, import_template(template, keep, actual), len(resources)))
    return out


def _to_import(resource_type: str, logical_id: str, identifier: str) -> dict:
    return {"ResourceType": resource_type, "LogicalResourceId": logical_id,
            "ResourceIdentifier": {IDENTIFIERS[resource_type]: identifier}}


def _own_policy(resources: dict, group_props: dict, group_name: str) -> str | None:
    """The logical id of the group's own customer-managed policy (the one its statements make), read
    from the template: a policy the group references whose description names the group."""
    for arn in group_props.get("ManagedPolicyArns") or []:
        target = arn.get("Ref") if isinstance(arn, dict) else None
        r = resources.get(target) if isinstance(target, str) else None
        if r and r.get("Type") == "AWS::IAM::ManagedPolicy" and \
                (r.get("Properties") or {}).get("Description", "").endswith(f"IAM group {group_name}"):
            return target
    return None


def commands(out_dir: str, imports: list[StackImport]) -> str:
    d = out_dir.rstrip("/") or "."
    lines = ["#!/bin/sh", "# Adopting the account: review every change set before executing it.", "set -eu", "",
             "# 1. Import what exists (only importable resources, DeletionPolicy Retain), stack by stack."]
    for s in imports:
        if not s.resources:
            lines.append(f"# {s.stack}: nothing to import; the deployment below creates it.")
            continue
        base = f"{d}/{IMPORT_DIR}/{s.stack}"
        lines += [
            (f"aws cloudformation create-change-set --stack-name {s.stack} --change-set-name {CHANGE_SET_NAME} "
             f"--change-set-type IMPORT --resources-to-import file://{base}.json --template-body "
             f"file://{base}.template.json --capabilities CAPABILITY_NAMED_IAM"),
            (f"aws cloudformation wait change-set-create-complete --stack-name {s.stack} --change-set-name "
             f"{CHANGE_SET_NAME}"),
            f"aws cloudformation describe-change-set --stack-name {s.stack} --change-set-name {CHANGE_SET_NAME}",
            f"aws cloudformation execute-change-set --stack-name {s.stack} --change-set-name {CHANGE_SET_NAME}",
            f"aws cloudformation wait stack-import-complete --stack-name {s.stack}", ""]
    lines += ["", "# 2. Deploy the roster: adds the secrets, cleanup, password policy, key and group policies,",
              "#    and the stack tag on each user. Templates over 51,200 bytes need --s3-bucket.",
              "#    export stops on rule findings: they describe the account as it was found (AWS-managed",
              "#    policies, wildcards, a password policy below CIS...). Fix them in the roster or acknowledge",
              "#    them with a reason (acknowledge:); --no-rule-packs deploys the account as found.",
              "#    Add --no-execute-changeset to review each stack's change set before it runs.",
              f"iam-constructs export {d}/{ROSTER_FILE} --out {d}/cfn"]
    lines += [f"aws cloudformation deploy --stack-name {s.stack} --template-file {d}/cfn/{s.stack}.template.json "
              "--capabilities CAPABILITY_NAMED_IAM" for s in imports]
    lines += ["", "# 3. Check: no drift between the roster and the account.",
              f"iam-constructs audit --roster {d}/{ROSTER_FILE}", ""]
    return "\n".join(lines)


# -- the whole run -------------------------------------------------------------------------------

def adopt(iam, out_dir: str, *, path_prefix: str | None = None, stack_prefix: str = "Iam",
          user_stacks: int | None = None) -> dict:
    """Reads the account through ``iam`` and writes the roster, the import documents, the commands and
    the report into ``out_dir``. Returns the report."""
    account = read_account(iam, path_prefix=path_prefix)
    plan = plan_roster(account, stack_prefix=stack_prefix, user_stacks=user_stacks)
    out = Path(out_dir)
    (out / IMPORT_DIR).mkdir(parents=True, exist_ok=True)
    roster_path = out / ROSTER_FILE
    roster_path.write_text(roster_yaml(plan), encoding="utf-8")
    _, templates = synthesize(str(roster_path))
    imports = import_plan(templates, account, plan)
    for s in imports:
        if s.resources:
            (out / IMPORT_DIR / f"{s.stack}.json").write_text(json.dumps(s.resources, indent=1) + "\n")
            (out / IMPORT_DIR / f"{s.stack}.template.json").write_text(json.dumps(s.template, indent=1) + "\n")
    (out / IMPORT_DIR / COMMANDS_FILE).write_text(commands(out_dir, imports))
    report = {
        "roster": str(roster_path),
        "stacks": [{"name": s.stack, "import": len(s.resources), "resources": s.deploy_resources,
                    "resources_to_import": f"{IMPORT_DIR}/{s.stack}.json" if s.resources else None,
                    "import_template": f"{IMPORT_DIR}/{s.stack}.template.json" if s.resources else None}
                   for s in imports],
        "users": {u["name"]: {"stack": next((s.stack for s in imports for r in s.resources
                                             if r["ResourceIdentifier"].get("UserName") == u["name"]), "-"),
                              "kept": plan.user_kept.get(u["name"], []),
                              "notes": plan.user_notes.get(u["name"], [])} for u in plan.roster["users"]},
        "groups": {g["name"]: {"notes": plan.group_notes.get(g["name"], [])} for g in plan.roster["groups"]},
        "password_policy": account.password_policy is not None,
    }
    (out / REPORT_FILE).write_text(json.dumps(report, indent=1) + "\n")
    return report


def summary(report: dict) -> str:
    rows = [("stack", "import", "resources after deploy")]
    rows += [(s["name"], str(s["import"]), str(s["resources"])) for s in report["stacks"]]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    rows = [("user", "stack", "kept outside the roster")]
    for name, u in report["users"].items():
        rows.append((name, u["stack"], ", ".join(u["kept"]) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    lines += ["  ".join([r[0].ljust(widths[0]), r[1].ljust(widths[1]), r[2]]) for r in rows]
    lines.insert(len(lines) - len(rows) + 1, "  ".join(["-" * widths[0], "-" * widths[1], "-" * 23]))
    return "\n".join(lines)


# -- CLI -----------------------------------------------------------------------------------------

def add_arguments(p) -> None:
    p.add_argument("--out", required=True, help="directory for roster.yaml, import/ and adoption.json")
    p.add_argument("--endpoint-url", help="IAM endpoint (e.g. an emulator's http://127.0.0.1:5000)")
    p.add_argument("--region", help="AWS region for the client; default: boto3's configuration")
    p.add_argument("--profile", help="AWS profile; default: boto3's credential chain")
    p.add_argument("--path-prefix", help="adopt only users whose path starts with this (e.g. /developers/), and "
                                         "their groups")
    p.add_argument("--stack-prefix", default="Iam", help="the roster's account.stack_prefix (default Iam)")
    p.add_argument("--user-stacks", type=int, default=None,
                   help=f"the roster's account.user_stacks, fixed for the roster's life: choose it for the size you "
                        f"expect to reach (default: {DEFAULT_USER_STACKS}, or one per {USERS_PER_STACK} users if more)")


def _say(line: str) -> None:
    print(line, file=sys.stderr)


def _denied_or_failed(e, endpoint: str | None) -> str:
    op = getattr(e, "operation_name", None) or "an IAM call"
    code = _code(e)
    if code in ACCESS_DENIED:
        return f"adopt: access denied: the caller needs {PERMISSIONS.get(op, op)} ({code})"
    message = " ".join(str(((e.response or {}).get("Error") or {}).get("Message") or "").split())[:200]
    return f"adopt: {op} failed: {code or 'no error code'}{': ' + message if message else ''}"


def run_cli(args) -> int:
    """`iam-constructs adopt`: 0 written, 2 bad input or the account could not be read (an unexpected
    error is reported as a bug by the CLI, in one line)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from .errors import IamConstructsError, print_problems
    from .export import check_out_dir
    problems = check_out_dir(args.out)
    if problems:
        print_problems(problems)
        return EXIT_BAD_INPUT
    if args.path_prefix is not None and not re.fullmatch(r"/([\x21-\x7e]*/)?", args.path_prefix):
        _say(f"adopt: --path-prefix {args.path_prefix!r} is not an IAM path (/ or /name/.../)")
        return EXIT_BAD_INPUT
    if not (args.stack_prefix.isalnum() and args.stack_prefix[:1].isalpha() and len(args.stack_prefix) <= 40):
        _say(f"adopt: --stack-prefix {args.stack_prefix!r} must be 1-40 letters and digits, starting with a letter")
        return EXIT_BAD_INPUT
    if args.user_stacks is not None and not 1 <= args.user_stacks <= MAX_USER_STACKS:
        _say(f"adopt: --user-stacks {args.user_stacks} must be from 1 to {MAX_USER_STACKS}")
        return EXIT_BAD_INPUT
    try:
        session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
        iam = session.client("iam", endpoint_url=args.endpoint_url,
                             config=Config(connect_timeout=10, read_timeout=60))
        report = adopt(iam, args.out, path_prefix=args.path_prefix, stack_prefix=args.stack_prefix,
                       user_stacks=args.user_stacks)
    except ClientError as e:
        _say(_denied_or_failed(e, args.endpoint_url))
        return EXIT_BAD_INPUT
    except NoCredentialsError:
        _say("adopt: no AWS credentials found (environment, profile or instance role)")
        return EXIT_BAD_INPUT
    except IamConstructsError as e:  # the adopted roster is refused: say where, keep the file for review
        print_problems(e.problems)
        _say(f"adopt: the adopted roster {args.out}/{ROSTER_FILE} has the problems above; fix them and run "
             f"iam-constructs validate, then adopt again")
        return EXIT_BAD_INPUT
    except (BotoCoreError, ValueError, OSError) as e:
        _say(f"adopt: {type(e).__name__}: {' '.join(str(e).split())[:300]}")
        return EXIT_BAD_INPUT
    print(summary(report))
    print(f"\nwrote {args.out}/{ROSTER_FILE}, {args.out}/{IMPORT_DIR}/ and {args.out}/{REPORT_FILE}; run the steps of "
          f"{args.out}/{IMPORT_DIR}/{COMMANDS_FILE} in order")
    return EXIT_OK


__all__ = ["Account", "Holdings", "Plan", "StackImport", "add_arguments", "adopt", "import_plan",
           "import_template", "plan_roster", "read_account", "roster_yaml", "run_cli", "to_statements"]
