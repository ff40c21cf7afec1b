"""Policy documents into the roster's statements, and import templates cut from a synthesized one."""

from __future__ import annotations

import json
from urllib.parse import quote

from iam_constructs.adopt import import_template, to_statements


def test_statements_keep_what_the_roster_can_say():
    sids: set[str] = set()
    document = {"Version": "2012-10-17", "Statement": {
        "Sid": "Read", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}}
    (s,), lost = to_statements(document, sids)
    assert lost == []
    assert s == {"sid": "Read", "effect": "Deny", "not_actions": ["iam:*"], "resources": ["*"],
                 "conditions": {"Bool": {"aws:SecureTransport": "false"}}}


def test_a_sid_used_twice_or_not_alphanumeric_is_dropped():
    sids = {"Read"}
    document = {"Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                              {"Sid": "with-dash", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    statements, _ = to_statements(document, sids)
    assert all("sid" not in s for s in statements)


def test_a_resource_policy_statement_is_left_out_and_said():
    statements, lost = to_statements({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                                      "Resource": "*"}]}, set())
    assert statements == [] and "Principal" in lost[0]


def test_a_url_encoded_document_reads():
    text = quote(json.dumps({"Statement": [{"Effect": "Allow", "Action": ["sqs:*"], "Resource": "*"}]}))
    assert to_statements(text, set())[0] == [{"actions": ["sqs:*"], "resources": ["*"]}]


def test_import_template_keeps_only_the_imported_and_what_they_may_name():
    template = {"Description": "d", "Parameters": {"P": {"Type": "String"}}, "Outputs": {"O": {"Value": "x"}},
                "Resources": {
                    "G": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "g", "ManagedPolicyArns": [
                        "arn:aws:iam::aws:policy/ReadOnlyAccess", {"Ref": "NewPolicy"}, {"Ref": "Kept"}]}},
                    "Kept": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"a": 1}}},
                    "NewPolicy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {}},
                    "U": {"Type": "AWS::IAM::User", "Properties": {
                        "UserName": "u", "LoginProfile": {"Password": {"Fn::Join": ["", [{"Ref": "Secret"}]]}},
                        "PermissionsBoundary": {"Ref": "P"},
                        "Tags": [{"Key": "a", "Value": "b"}, {"Key": "s", "Value": {"Ref": "AWS::StackName"}}]}},
                    "Secret": {"Type": "AWS::SecretsManager::Secret"}}}
    out = import_template(template, {"G", "Kept", "U"}, {"U": {"Tags": [{"Key": "a", "Value": "b"}]},
                                                         "Kept": {"PolicyDocument": {"b": 2}}})
    assert set(out) == {"AWSTemplateFormatVersion", "Description", "Resources"}
    assert set(out["Resources"]) == {"G", "Kept", "U"}
    assert all(r["DeletionPolicy"] == "Retain" for r in out["Resources"].values())
    assert out["Resources"]["G"]["Properties"]["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/ReadOnlyAccess", {"Ref": "Kept"}]
    assert out["Resources"]["U"]["Properties"] == {"UserName": "u", "Tags": [{"Key": "a", "Value": "b"}]}
    assert out["Resources"]["Kept"]["Properties"] == {"PolicyDocument": {"b": 2}}
