#!/usr/bin/env python3
"""Example app: a small organisation's IAM users and groups, checked by three rule packs."""

import iam_constructs as ic  # first: silences jsii's Node banner before aws_cdk loads

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from iam_constructs.nag import IamConstructsChecks

app = cdk.App()
account = cdk.Stack(app, "IamAccount", synthesizer=cdk.CliCredentialsStackSynthesizer(), analytics_reporting=False,
                    description="IAM password policy, groups and policies (iam-constructs example)")
users = cdk.Stack(app, "IamUsers", synthesizer=cdk.CliCredentialsStackSynthesizer(), analytics_reporting=False,
                  description="IAM users and their credentials (iam-constructs example)")

ic.AccountPasswordPolicy(account, "PasswordPolicy")
key = ic.CredentialsKey(account, "CredentialsKey", alias="iam-credentials")
ECR_LOGIN = {"AwsSolutions::AwsSolutions-IAM5[Resource::*]":
             "ecr:GetAuthorizationToken has no resource-level permissions; '*' is its only Resource."}
developers = ic.IamGroup(
    account, "developers", group_name="developers", path="/teams/", managed_policies=["ReadOnlyAccess"],
    enforce_mfa=True, statements=[{"actions": ["ecr:GetAuthorizationToken"], "resources": ["*"]}],
    acknowledgements={**ECR_LOGIN, "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                      "ReadOnlyAccess]": "Developers read the whole account by design; writes go through CI."})
ci = ic.IamGroup(account, "ci", group_name="ci", path="/bots/",
                 statements=[{"actions": ["ecr:GetAuthorizationToken"], "resources": ["*"]}],
                 acknowledgements=ECR_LOGIN)

ic.IamUser(users, "jane.smith", user_name="jane.smith", path="/developers/", groups=[developers],
           console_access=True, expires="2027-06-30", credentials_key=key,
           tags={"Owner": "platform", "Purpose": "human"})
ic.IamUser(users, "ci-bot", user_name="ci-bot", groups=[ci], programmatic_access=[ic.AccessKeySlot(serial=1)],
           credentials_key=key, tags={"Owner": "platform", "Purpose": "ci"})
ic.IamUser(users, "former.employee", user_name="former.employee", groups=[developers], console_access=True,
           disabled=True, credentials_key=key, tags={"Owner": "platform", "Purpose": "human"})

cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), NIST80053R5Checks(app), IamConstructsChecks())
app.synth()
