"""A custom-resource handler as an ``AWS::Lambda::Function`` with inline code.

Inline (``ZipFile``) code deploys with the template alone: no bootstrap, no asset bucket, so
exported templates stay standalone. The function enters the stack through ``CfnInclude``: the CDK
makes it an ``aws_lambda.CfnFunction``, so rule packs check it as a Lambda function, while Python
never loads ``aws_cdk.aws_lambda`` (measured: ~210 MB more peak memory to import it, for one L1).
"""

from __future__ import annotations

import json
import os
import tempfile

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import cloudformation_include as cfi
from constructs import Construct

HANDLER_TIMEOUT_SECONDS = 120
# A Python runtime aws-cdk-lib offers and has not deprecated (a test checks that on every upgrade).
PYTHON_RUNTIME = "python3.14"
# CloudFormation gives up on a custom resource after this long even if no answer ever came
# (default would be one hour). Longer than the handler's own timeout, so its guard answers first.
SERVICE_TIMEOUT_SECONDS = 300


def retry_environment(max_attempts: int) -> dict[str, str]:
    """botocore's standard retry mode with ``max_attempts`` calls in all (the first one included)."""
    return {"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": str(max_attempts)}


def inline_function(scope: Construct, id: str, *, source: str, role: iam.CfnRole, log_group: logs.CfnLogGroup,
                    description: str, timeout: int = HANDLER_TIMEOUT_SECONDS,
                    max_attempts: int = 7) -> tuple[str, cfi.CfnInclude]:
    """(logical id, the CfnInclude holding the function). The role and the log group reach the
    included template as parameters. The handler's AWS clients retry in botocore's standard mode,
    up to ``max_attempts`` calls in all, set through the environment (``retry_environment``) rather
    than in the inline code, so the code is the same for every retry setting.

    The logical id is the one a plain construct at ``scope/id`` gets, so it never changes with how
    the function is emitted (a new id would change every ServiceToken, which CloudFormation refuses).
    """
    probe = cdk.CfnResource(scope, id, type="AWS::Lambda::Function")
    logical_id = cdk.Stack.of(scope).get_logical_id(probe)
    scope.node.try_remove_child(id)
    function = {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": PYTHON_RUNTIME, "Handler": "index.handler", "Code": {"ZipFile": source},
        "Role": {"Ref": "Role"}, "Timeout": timeout, "MemorySize": 128, "Description": description,
        "Environment": {"Variables": retry_environment(max_attempts)},
        "LoggingConfig": {"LogGroup": {"Ref": "LogGroup"}, "LogFormat": "Text"}}}
    template = {"Parameters": {"Role": {"Type": "String"}, "LogGroup": {"Type": "String"}},
                "Resources": {logical_id: function}}
    fd, path = tempfile.mkstemp(prefix="iam-constructs-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(template, f)
        return logical_id, cfi.CfnInclude(scope, id, template_file=path, parameters={
            "Role": role.attr_arn, "LogGroup": log_group.ref})
    finally:
        os.remove(path)
