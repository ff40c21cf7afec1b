import json
import subprocess
import sys

import aws_cdk as cdk
import pytest

from iam_constructs import AccountPasswordPolicy, ConsoleAccess, IamConstructsError, IamUser, PasswordPolicy
from iam_constructs.password_policy.handler.bundle import inline_source
from tests.support import TAGS, assert_lint_clean, new_stack, resources_of_type, template


def _only(t, cfn_type):
    found = resources_of_type(t, cfn_type)
    assert len(found) == 1
    return next(iter(found.values()))


def test_cis_defaults_reach_the_custom_resource():
    stack = new_stack()
    AccountPasswordPolicy(stack, "PasswordPolicy")
    t = template(stack)
    props = _only(t, "Custom::AccountPasswordPolicy")["Properties"]
    assert {k: v for k, v in props.items() if k != "ServiceToken"} == {
        "ServiceTimeout": 300, "MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True, "AllowUsersToChangePassword": True,
        "HardExpiry": False, "MaxPasswordAge": 90, "PasswordReusePrevention": 24, "OnDelete": "restore"}


def test_no_expiry_and_no_reuse_prevention_are_left_out():
    stack = new_stack()
    AccountPasswordPolicy(stack, "P", policy=PasswordPolicy(max_age_days=None, reuse_prevention=None),
                          on_delete="retain")
    props = _only(template(stack), "Custom::AccountPasswordPolicy")["Properties"]
    assert "MaxPasswordAge" not in props and "PasswordReusePrevention" not in props
    assert props["OnDelete"] == "retain"


def test_handler_is_inline():
    stack = new_stack()
    AccountPasswordPolicy(stack, "P")
    t = template(stack)
    fn = _only(t, "AWS::Lambda::Function")["Properties"]
    assert fn["Code"] == {"ZipFile": inline_source()}
    assert fn["Runtime"].startswith("python3.") and fn["Handler"] == "index.handler"
    assert fn["Environment"] == {"Variables": {"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "7"}}
    assert fn["Timeout"] < _only(t, "Custom::AccountPasswordPolicy")["Properties"]["ServiceTimeout"]
    artifact = stack.node.root.synth().get_stack_by_name(stack.stack_name)
    assert artifact.assets == []  # deploys from the template alone: no asset bucket


def test_role_allows_the_three_actions_reading_its_own_stack_and_its_own_log_group():
    stack = new_stack()
    AccountPasswordPolicy(stack, "P", log_retention_days=90)
    t = template(stack)
    assert len(resources_of_type(t, "AWS::IAM::ManagedPolicy")) == 1
    log_id = next(iter(resources_of_type(t, "AWS::Logs::LogGroup")))
    t.has_resource("AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 90}, "DeletionPolicy": "Retain"})
    role_id, role = next(iter(resources_of_type(t, "AWS::IAM::Role").items()))
    role = role["Properties"]
    assert "ManagedPolicyArns" not in role and "Policies" not in role  # no AWS-managed, no inline
    policy_id, policy = next(iter(resources_of_type(t, "AWS::IAM::ManagedPolicy").items()))
    policy = policy["Properties"]
    assert policy["Roles"] == [{"Ref": role_id}]
    assert policy_id in _only(t, "Custom::AccountPasswordPolicy")["DependsOn"]  # attached before the handler runs
    assert policy["PolicyDocument"]["Statement"] == [
        {"Sid": "ManagePasswordPolicy", "Effect": "Allow", "Resource": "*",
         "Action": ["iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy",
                    "iam:DeleteAccountPasswordPolicy"]},
        # The handler verifies each event against its own stack's record, and may read no other stack.
        {"Sid": "VerifyRequests", "Effect": "Allow", "Resource": {"Ref": "AWS::StackId"},
         "Action": "cloudformation:DescribeStackResource"},
        {"Sid": "WriteOwnLogs", "Effect": "Allow", "Resource": {"Fn::GetAtt": [log_id, "Arn"]},
         "Action": ["logs:CreateLogStream", "logs:PutLogEvents"]}]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    fn = _only(t, "AWS::Lambda::Function")["Properties"]
    assert fn["LoggingConfig"]["LogGroup"] == {"Ref": log_id}


@pytest.mark.parametrize("kwargs,fragment", [
    ({"policy": PasswordPolicy(minimum_length=5)}, r"policy.minimum_length: 5 is out of range; IAM accepts 6-128"),
    ({"policy": PasswordPolicy(minimum_length=129)}, r"policy.minimum_length: 129 is out of range"),
    ({"policy": PasswordPolicy(reuse_prevention=25)}, r"policy.reuse_prevention: 25 is out of range; IAM accepts 1-24 or null"),
    ({"policy": PasswordPolicy(max_age_days=0)}, r"policy.max_age_days: 0 is out of range; IAM accepts 1-1095"),
    ({"policy": PasswordPolicy(max_age_days="90")}, r"policy.max_age_days: '90' must be a whole number"),
    ({"policy": PasswordPolicy(require_symbols="yes")}, r"policy.require_symbols: 'yes' must be true or false"),
    ({"on_delete": "keep"}, r"on_delete: 'keep' must be one of restore, delete, retain"),
    ({"log_retention_days": 100}, r"log_retention_days: 100 is not a CloudWatch Logs retention"),
])
def test_fails_if_out_of_range(kwargs, fragment):
    stack = new_stack()
    with pytest.raises(IamConstructsError, match=fragment):
        AccountPasswordPolicy(stack, "P", **kwargs)
    assert stack.node.try_find_child("P") is None


def test_fails_if_second_policy_for_the_same_account():
    app = cdk.App()
    AccountPasswordPolicy(cdk.Stack(app, "A"), "P")
    with pytest.raises(IamConstructsError, match=r"already declared at A/P; an account has exactly one"):
        AccountPasswordPolicy(cdk.Stack(app, "B"), "P")


def test_policy_per_account_in_a_multi_account_app():
    """One policy per account: two accounts may each declare one; a second in the same account is refused."""
    app = cdk.App()
    stacks = [cdk.Stack(app, f"S{account}", env=cdk.Environment(account=account, region="us-east-1"))
              for account in ("111111111111", "222222222222")]
    for stack in stacks:
        AccountPasswordPolicy(stack, "P")
    for stack in stacks:
        assert len(resources_of_type(template(stack), "Custom::AccountPasswordPolicy")) == 1
    again = cdk.Stack(app, "Again", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    with pytest.raises(IamConstructsError, match="S111111111111/P"):
        AccountPasswordPolicy(again, "P")


def test_declared_policy_drives_generated_password_length():
    stack = new_stack()
    AccountPasswordPolicy(stack, "P", policy=PasswordPolicy(minimum_length=48))
    user = IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True)
    assert user.password_policy.minimum_length == 48
    t = template(stack)
    assert _only(t, "AWS::SecretsManager::Secret")["Properties"]["GenerateSecretString"]["PasswordLength"] == 48


def test_declared_policy_conflict_fails_naming_which():
    stack = new_stack()
    AccountPasswordPolicy(stack, "P", policy=PasswordPolicy(minimum_length=20))
    with pytest.raises(IamConstructsError, match=r"password_length: 16 is shorter than the password policy's minimum_length 20"):
        IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=ConsoleAccess(password_length=16))


def test_policy_declared_after_users_is_checked_at_synth():
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    IamUser(stack, "Jane", user_name="jane", tags=TAGS, console_access=True)  # 32 characters
    AccountPasswordPolicy(stack, "P", policy=PasswordPolicy(minimum_length=40))
    with pytest.raises(Exception, match=r"S/Jane: console_access.password_length: generated passwords are 32 characters"):
        app.synth()


def _python_runtimes() -> dict[str, bool]:
    """Every Python runtime aws-cdk-lib offers -> whether its documentation marks it deprecated."""
    import inspect
    import re

    from aws_cdk import aws_lambda
    source = inspect.getsource(aws_lambda.Runtime)
    docs = dict(re.findall(r"def (PYTHON_\w+)\(cls\)[^\n]*\n\s+'{3}(.*?)'{3}", source, re.S))
    return {getattr(aws_lambda.Runtime, n).name: "(deprecated)" in doc for n, doc in docs.items()}


def test_runtime_is_a_python_that_aws_cdk_lib_offers_and_has_not_deprecated():
    """Holds across aws-cdk-lib upgrades: a newer Python appearing does not fail it; the one in use
    being deprecated (Lambda stops creating or updating functions on it) does."""
    from iam_constructs._inline_function import PYTHON_RUNTIME
    runtimes = _python_runtimes()
    assert runtimes.get("python3.9") is True  # the documentation marks deprecation where this looks
    assert runtimes.get(PYTHON_RUNTIME) is False, f"{PYTHON_RUNTIME}: {runtimes}"


def test_importing_the_library_stays_light():
    """aws_lambda / aws_secretsmanager / aws_ec2 cost ~170 MB of Python modules; the library needs none."""
    code = ("import sys, iam_constructs, iam_constructs.roster, iam_constructs.synth, iam_constructs.nag; "
            "print(sorted(m for m in sys.modules if m in ('aws_cdk.aws_lambda', 'aws_cdk.aws_secretsmanager', "
            "'aws_cdk.aws_ec2')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stderr[-2000:]


def synth_with_packs(tmp_path, build):
    """(app, validation report) of an app synthesized under AwsSolutions, NIST 800-53 R5 and
    IamConstructs; every template it writes is cfn-lint clean."""
    from iam_constructs.synth import add_rule_packs
    app = cdk.App(outdir=str(tmp_path))
    build(app)
    add_rule_packs(app)
    app.synth()  # raises on any unacknowledged error
    for path in tmp_path.glob("*.template.json"):
        assert_lint_clean(json.loads(path.read_text()))
    return app, json.loads((tmp_path / "validation-report.json").read_text())


def unacknowledged(report):
    return [(p["pluginName"], v["ruleName"], [c["constructPath"] for c in v["violatingConstructs"]])
            for p in report["pluginReports"] for v in p["violations"]]


def acknowledgements_matching_nothing(app, report):
    """Every rule id acknowledged anywhere in the app (the ``aws:cdk:acknowledged-rules`` metadata
    ``Validations.acknowledge`` writes) that suppressed no finding at that construct."""
    suppressed = {(v["acknowledgedId"], v["acknowledgedAt"]) for p in report["pluginReports"]
                  for v in p.get("suppressedViolations", [])}
    made = [(rule_id, c.node.path) for c in app.node.find_all() for m in c.node.metadata
            if m.type == "aws:cdk:acknowledged-rules" for rule_id in m.data]
    assert made, "nothing was acknowledged: the check would prove nothing"
    return [a for a in made if a not in suppressed]


def test_packs_check_the_handler_as_a_lambda_function_and_every_acknowledgement_matches(tmp_path):
    app, report = synth_with_packs(tmp_path, lambda app: AccountPasswordPolicy(cdk.Stack(app, "Account"),
                                                                               "PasswordPolicy"))
    assert unacknowledged(report) == []
    assert acknowledgements_matching_nothing(app, report) == []
    on_function = {v["acknowledgedId"]: v["reason"] for p in report["pluginReports"]
                   for v in p.get("suppressedViolations", [])
                   if v["violatingConstructs"][0]["constructFqn"] == "aws-cdk-lib.aws_lambda.CfnFunction"}
    assert set(on_function) == {"NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ",
                                "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC",
                                "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency"}
    assert all(len(reason) > 40 for reason in on_function.values())


def test_handler_function_keeps_its_logical_id_so_the_service_token_never_changes():
    """CloudFormation refuses to change a custom resource's ServiceToken: the function's logical id is
    the one every earlier version gave it (a construct at PasswordPolicy/Handler)."""
    stack = new_stack("Account")
    policy = AccountPasswordPolicy(stack, "PasswordPolicy")
    t = template(stack)
    assert policy.function_logical_id == "PasswordPolicyHandlerAA0765C2"
    assert list(resources_of_type(t, "AWS::Lambda::Function")) == ["PasswordPolicyHandlerAA0765C2"]
    assert _only(t, "Custom::AccountPasswordPolicy")["Properties"]["ServiceToken"] == {
        "Fn::GetAtt": ["PasswordPolicyHandlerAA0765C2", "Arn"]}
    assert not {"Role", "LogGroup"} & set(t.to_json().get("Parameters", {}))  # the include's, all replaced


def test_synthesizing_under_the_packs_never_loads_aws_lambda(tmp_path):
    """The function is an aws_lambda.CfnFunction to the CDK and the packs, made without Python's module."""
    code = ("import sys, iam_constructs as ic, aws_cdk as cdk\n"
            "from iam_constructs.synth import add_rule_packs\n"
            f"app = cdk.App(outdir={str(tmp_path)!r})\n"
            "ic.AccountPasswordPolicy(cdk.Stack(app, 'Account'), 'PasswordPolicy')\n"
            "add_rule_packs(app)\n"
            "app.synth()\n"
            "print('aws_cdk.aws_lambda' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().splitlines()[-1:] == ["False"], out.stderr[-2000:]
