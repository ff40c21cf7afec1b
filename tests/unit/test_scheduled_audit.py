import json
from pathlib import Path

import aws_cdk as cdk
import boto3
import pytest

import iam_constructs as ic
from iam_constructs import IamConstructsError
from iam_constructs import audit as au
from tests.support import new_stack, resources_of_type, template
from tests.unit.test_password_policy import acknowledgements_matching_nothing, synth_with_packs, unacknowledged


def test_credential_audit_runs_the_cli_code_daily_with_a_least_privilege_role(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "S")
    ic.CredentialAudit(stack, "Audit", max_key_age_days=60, roster_users=["jane", "bot"])
    t = template(stack)
    fn = next(iter(resources_of_type(t, "AWS::Lambda::Function").values()))["Properties"]
    assert fn["Handler"] == "audit.lambda_handler" and fn["Runtime"] == "python3.14"
    env = fn["Environment"]["Variables"]
    assert env["MAX_KEY_AGE_DAYS"] == "60" and json.loads(env["ROSTER_USERS"]) == ["jane", "bot"]
    t.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(1 day)"})
    topic = next(iter(resources_of_type(t, "AWS::SNS::Topic").values()))["Properties"]
    assert ":alias/aws/sns" in json.dumps(topic["KmsMasterKeyId"])  # encrypted by default
    role = next(iter(resources_of_type(t, "AWS::IAM::Role").values()))["Properties"]
    assert "ManagedPolicyArns" not in role  # no AWS-managed execution policy
    statements = next(iter(resources_of_type(t, "AWS::IAM::Policy").values()))["Properties"]["PolicyDocument"]["Statement"]
    actions = sorted(a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
    assert actions == ["iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListUserTags",
                       "logs:CreateLogStream", "logs:PutLogEvents", "sns:Publish"]
    # the function's code is the CLI's audit.py itself, and nothing else of the package
    asset = Path(tmp_path) / f"asset.{fn['Code']['S3Key'].split('.')[0]}"
    assert sorted(p.name for p in asset.iterdir()) == ["audit.py"]
    assert (asset / "audit.py").read_bytes() == Path(au.__file__).read_bytes()


@pytest.mark.parametrize("kwargs,fragment", [({"max_key_age_days": 0}, "max_key_age_days: 0 must be"),
                                             ({"log_retention_days": 100}, "log_retention_days: 100 is not"),
                                             ({"roster_users": "jane"}, "roster_users: 'jane' must be a list")])
def test_fails_if_audit_props_invalid(kwargs, fragment):
    with pytest.raises(IamConstructsError, match=fragment):
        ic.CredentialAudit(new_stack(), "Audit", **kwargs)


def test_lambda_entry_point_publishes_findings(moto_aws, monkeypatch):
    iam, sns, sqs = boto3.client("iam"), boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="findings")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    iam.create_user(UserName="jane")
    iam.create_login_profile(UserName="jane", Password="not-a-real-password-Aa1!")
    monkeypatch.setenv("TOPIC_ARN", topic)
    monkeypatch.setenv("ROSTER_USERS", json.dumps(["jane", "ghost"]))
    monkeypatch.setattr(au.time, "sleep", lambda s: None)
    assert au.lambda_handler({}, None) == {"count": 2}
    (message,) = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    body = json.loads(json.loads(message["Body"])["Message"].split("\n\n", 1)[1])
    assert sorted((f["user"], f["kind"]) for f in body["findings"]) == [
        ("ghost", "missing-from-account"), ("jane", "console-without-mfa")]


def test_the_library_does_not_load_the_audit_construct_until_asked():
    import subprocess
    import sys
    code = "import sys, iam_constructs; print('aws_cdk.aws_lambda' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


@pytest.mark.parametrize("topic_key", ["aws/sns", "own key", "imported key"])
def test_credential_audit_is_clean_under_the_three_packs_and_each_acknowledgement_matches(tmp_path, topic_key):
    """0 unacknowledged findings under AwsSolutions, NIST 800-53 R5 and IamConstructs; every
    acknowledgement suppresses a real finding where it is made, and says why."""
    from aws_cdk import aws_kms as kms

    def build(app):
        stack = cdk.Stack(app, "Audit")
        key = None
        if topic_key == "own key":
            key = kms.Key(stack, "TopicKey", enable_key_rotation=True)
        elif topic_key == "imported key":
            key = kms.Key.from_key_arn(stack, "TopicKey",
                                       "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
        ic.CredentialAudit(stack, "CredentialAudit", roster_users=["jane"], topic_key=key)

    app, report = synth_with_packs(tmp_path, build)
    assert unacknowledged(report) == []
    assert acknowledgements_matching_nothing(app, report) == []
    reasons = {v["acknowledgedId"]: v["reason"] for p in report["pluginReports"]
               for v in p.get("suppressedViolations", [])}
    assert set(reasons) >= {"NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ", "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                            "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy"}
    assert ("AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]" in reasons) == (topic_key != "aws/sns")
    assert all(len(reason) > 40 for reason in reasons.values())
