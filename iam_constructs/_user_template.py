"""A user's CloudFormation resources as plain data, and their emission through CfnInclude.

Both ``IamUser`` (one user) and ``IamUsers`` (a stack's worth) build their resources here, so the
two produce identical resources. Each user's logical ids are a function of its name alone
(``User<letters and digits of the name><8 hex digits of sha256(name)>`` plus a suffix), so adding,
removing, reordering or regrouping other users never changes them.

Values may hold CDK token strings (a group's Ref, a key's ARN, the partition): the CDK resolves
them at synth like any other property, including cross-stack references.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import tempfile
from typing import Any

from aws_cdk import cloudformation_include as cfi
from constructs import Construct

from . import defaults, limits

# CloudFormation stops waiting for a cleanup answer after this long (default: one hour); longer
# than the handler's own timeout, so its guard answers first.
CLEANUP_SERVICE_TIMEOUT_SECONDS = 300
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]")
_TMP: list[str] = []


def logical_id(user_name: str) -> str:
    """The user's logical id; its other resources append a suffix to it."""
    digest = hashlib.sha256(user_name.encode("utf-8")).hexdigest()[:8].upper()
    return f"User{_NON_ALNUM.sub('', user_name)}{digest}"


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def _reader_policy(secret_id: str, readers) -> dict[str, Any]:
    return {"Type": "AWS::SecretsManager::ResourcePolicy", "Properties": {
        "SecretId": {"Ref": secret_id}, "BlockPublicPolicy": True, "ResourcePolicy": {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "DeclaredReaders", "Effect": "Allow", "Principal": {"AWS": list(readers)},
                           "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                           # This secret (its ARN), rather than "*", which means the same here.
                           "Resource": {"Ref": secret_id}}]}}}


def _secret(properties: dict[str, Any], plan, tags: list) -> dict[str, Any]:
    """A credential secret: encrypted with the plan's key (if any) and tagged like its user."""
    if plan.key_id:
        properties["KmsKeyId"] = plan.key_id
    if tags:
        properties["Tags"] = tags
    return {"Type": "AWS::SecretsManager::Secret", "Properties": properties}


def user_resources(plan) -> tuple[dict[str, Any], dict[str, Any]]:
    """(parameters, resources) for one planned user (see ``user.UserPlan``)."""
    from . import credentials as cr  # the plan's types; no cycle at import time

    uid = logical_id(plan.user_name)
    parameters: dict[str, Any] = {}
    resources: dict[str, Any] = {}
    tags = tag_list(plan.tags)
    user: dict[str, Any] = {"UserName": plan.user_name, "Path": plan.path}
    user_tags = tags + [{"Key": defaults.STACK_TAG, "Value": {"Ref": "AWS::StackName"}}] if plan.cleanup_token else tags
    if user_tags:
        user["Tags"] = user_tags
    if plan.group_refs:
        user["Groups"] = list(plan.group_refs)
    if plan.boundary:
        user["PermissionsBoundary"] = plan.boundary
    if plan.direct_policies:
        user["ManagedPolicyArns"] = list(plan.direct_policies)
    metadata = None
    console = plan.console
    if console is not None:
        password: Any
        if plan.password_reference is not None:  # a SecretValue the caller gave (checked: a reference)
            password = plan.password_reference
            if plan.password_from_parameter:
                metadata = {"cfn-lint": {"config": {"ignore_checks": ["W1011"]}}}
        elif console.initial_password == cr.PARAMETER:
            pid = f"{uid}InitialPassword"
            parameters[pid] = {
                "Type": "String", "NoEcho": True, "MinLength": plan.password_policy.minimum_length,
                "MaxLength": limits.PASSWORD_MAX, "AllowedPattern": cr.password_pattern(plan.password_policy),
                "ConstraintDescription": cr.pattern_description(plan.password_policy),
                "Description": f"Initial console password of IAM user {plan.user_name} (NoEcho, never stored)"}
            password = {"Ref": pid}
            # cfn-lint W1011 prefers dynamic references to parameters for secrets. A NoEcho
            # parameter is the deployer's explicit choice here (AWS's documented alternative for
            # passwords handed out of band): the value is typed at deploy time and never stored.
            metadata = {"cfn-lint": {"config": {"ignore_checks": ["W1011"]}}}
        else:
            sid = f"{uid}ConsolePassword"
            resources[sid] = _secret({
                "Name": cr.console_secret_name(plan.user_name),
                "Description": f"Initial console password of IAM user {plan.user_name}",
                "GenerateSecretString": {
                    "SecretStringTemplate": json.dumps({"username": plan.user_name}),
                    "GenerateStringKey": "password", "PasswordLength": plan.password_length,
                    "RequireEachIncludedType": True, "ExcludeCharacters": cr.EXCLUDED_PASSWORD_CHARACTERS}},
                plan, tags)
            if console.password_readers:
                resources[f"{sid}Readers"] = _reader_policy(sid, console.password_readers)
            password = {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": sid}, ":SecretString:password}}"]]}
        if not plan.disabled:
            user["LoginProfile"] = {"Password": password, "PasswordResetRequired": console.password_reset_required}
    resources[uid] = {"Type": "AWS::IAM::User", "Properties": user}
    if metadata and "LoginProfile" in user:
        resources[uid]["Metadata"] = metadata
    for number, slot in plan.slots:
        kid, ksid = f"{uid}AccessKey{number}", f"{uid}AccessKey{number}Secret"
        resources[kid] = {"Type": "AWS::IAM::AccessKey", "Properties": {
            "UserName": {"Ref": uid}, "Serial": slot.serial,
            "Status": "Active" if slot.active and not plan.disabled else "Inactive"}}
        resources[ksid] = _secret({
            "Name": cr.access_key_secret_name(plan.user_name, number),
            "Description": f"Access key in slot {number} of IAM user {plan.user_name}",
            "SecretString": {"Fn::Join": ["", ['{"AccessKeyId":"', {"Ref": kid}, '","SecretAccessKey":"',
                                               {"Fn::GetAtt": [kid, "SecretAccessKey"]}, '"}']]}},
            plan, tags)
        if slot.readers:
            resources[f"{ksid}Readers"] = _reader_policy(ksid, slot.readers)
    if plan.cleanup_token:
        resources[f"{uid}Cleanup"] = {"Type": "Custom::IamUserCleanup", "Properties": {
            "ServiceToken": plan.cleanup_token, "ServiceTimeout": CLEANUP_SERVICE_TIMEOUT_SECONDS,
            "UserName": {"Ref": uid},
            "StackAccessKeys": [{"Ref": f"{uid}AccessKey{number}"} for number, _ in plan.slots],
            "StackLoginProfile": "true" if "LoginProfile" in user else "false",
            "StackGroups": list(plan.group_refs), "StackManagedPolicies": list(plan.direct_policies),
            "UserLogicalId": uid}}
    return parameters, resources


def _scratch_dir() -> str:
    if not _TMP:
        _TMP.append(tempfile.mkdtemp(prefix="iam-constructs-"))
        atexit.register(shutil.rmtree, _TMP[0], True)
    return _TMP[0]


_counter = [0]


def include(scope: Construct, id: str, plans) -> cfi.CfnInclude:
    """Emits the planned users' resources into ``scope`` with one CfnInclude (one call to the CDK)."""
    parameters: dict[str, Any] = {}
    resources: dict[str, Any] = {}
    for plan in plans:
        p, r = user_resources(plan)
        parameters.update(p)
        resources.update(r)
    body: dict[str, Any] = {"Resources": resources}
    if parameters:
        body["Parameters"] = parameters
    _counter[0] += 1
    path = os.path.join(_scratch_dir(), f"users-{os.getpid()}-{_counter[0]}.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(body))  # the C encoder; json.dump streams through the Python one
    try:
        return cfi.CfnInclude(scope, id, template_file=path)
    finally:
        os.remove(path)
