#!/usr/bin/env python3
"""Example app: a small organisation's IAM users and groups."""

import iam_constructs as ic  # first: silences jsii's Node banner before aws_cdk loads

import aws_cdk as cdk

app = cdk.App()
synth = cdk.CliCredentialsStackSynthesizer()
account = cdk.Stack(app, "IamAccount", synthesizer=synth, analytics_reporting=False,
                    description="IAM groups and policies (iam-constructs example)")
users = cdk.Stack(app, "IamUsers", synthesizer=cdk.CliCredentialsStackSynthesizer(), analytics_reporting=False,
                  description="IAM users and their credentials (iam-constructs example)")

developers = ic.IamGroup(account, "developers", group_name="developers", path="/teams/",
                         managed_policies=["ReadOnlyAccess"], enforce_mfa=True,
                         statements=[{"actions": ["ecr:GetAuthorizationToken"], "resources": ["*"]}])
ci = ic.IamGroup(account, "ci", group_name="ci", path="/bots/",
                 statements=[{"actions": ["ecr:GetAuthorizationToken"], "resources": ["*"]}])

ic.IamUser(users, "jane.smith", user_name="jane.smith", path="/developers/", groups=[developers],
           console_access=True, expires="2027-06-30", tags={"Owner": "platform", "Purpose": "human"})
ic.IamUser(users, "ci-bot", user_name="ci-bot", groups=[ci], programmatic_access=[ic.AccessKeySlot(serial=1)],
           tags={"Owner": "platform", "Purpose": "ci"})
ic.IamUser(users, "former.employee", user_name="former.employee", groups=[developers], console_access=True,
           disabled=True, tags={"Owner": "platform", "Purpose": "human"})

app.synth()
