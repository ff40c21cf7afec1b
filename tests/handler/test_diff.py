import pytest

from iam_constructs import PasswordPolicy
from iam_constructs.password_policy.handler import diff
from tests.handler.conftest import cfn_props


def test_parse_maps_cloudformation_strings_to_api_values():
    assert diff.parse(cfn_props()) == {
        "MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True, "HardExpiry": False, "MaxPasswordAge": 90,
        "PasswordReusePrevention": 24}


def test_parse_agrees_with_the_construct_properties():
    spec = PasswordPolicy(minimum_length=20, max_age_days=None, reuse_prevention=5, require_symbols=False)
    props = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in spec.to_api().items()}
    assert diff.parse(props) == spec.to_api()


def test_parse_leaves_out_optional_numbers_when_absent():
    out = diff.parse(cfn_props(MaxPasswordAge=None, PasswordReusePrevention=None))
    assert "MaxPasswordAge" not in out and "PasswordReusePrevention" not in out


@pytest.mark.parametrize("override,message", [
    ({"MinimumPasswordLength": "fourteen"}, "MinimumPasswordLength: 'fourteen' is not a whole number in 6-128"),
    ({"MinimumPasswordLength": "5"}, "MinimumPasswordLength: '5' is not a whole number in 6-128"),
    ({"MinimumPasswordLength": None}, "MinimumPasswordLength: None is not a whole number in 6-128"),
    ({"MaxPasswordAge": "1096"}, "MaxPasswordAge: '1096' is not a whole number in 1-1095"),
    ({"PasswordReusePrevention": "-1"}, "PasswordReusePrevention: '-1' is not a whole number in 1-24"),
    ({"RequireSymbols": "yes"}, "RequireSymbols: 'yes' is not true or false"),
    ({"HardExpiry": None}, "HardExpiry: None is not true or false"),
    ({"OnDelete": "keep"}, "OnDelete: 'keep' is not in ('restore', 'delete', 'retain')"),
    ({"MinimumPasswordLength": "\u00b2"}, "MinimumPasswordLength: '\u00b2' is not a whole number in 6-128"),
    ({"MinimumPasswordLength": "1" * 5000}, "MinimumPasswordLength: '" + "1" * 79 + " is not a whole number in 6-128"),
    ({"MinimumPasswordLength": ["14"]}, "MinimumPasswordLength: ['14'] is not a whole number in 6-128"),
    ({"RequireSymbols": {"a": 1}}, "RequireSymbols: {'a': 1} is not true or false"),
])
def test_parse_rejects_malformed_properties_naming_the_field(override, message):
    with pytest.raises(ValueError) as err:
        diff.parse(dict(cfn_props(), **override))  # values as given, not made strings
    assert str(err.value) == message


@pytest.mark.parametrize("previous", [
    None,
    {"MinimumPasswordLength": 8, "RequireSymbols": False, "RequireNumbers": True, "RequireUppercaseCharacters": False,
     "RequireLowercaseCharacters": True, "AllowUsersToChangePassword": False, "HardExpiry": True,
     "MaxPasswordAge": 30, "PasswordReusePrevention": 3},
    {"MinimumPasswordLength": 6, "RequireSymbols": True, "RequireNumbers": False, "RequireUppercaseCharacters": True,
     "RequireLowercaseCharacters": False, "AllowUsersToChangePassword": True, "HardExpiry": False},
])
def test_physical_id_round_trips_the_previous_policy(previous):
    physical_id = diff.encode(previous)
    assert len(physical_id) < 300
    assert physical_id.startswith("IamPasswordPolicy/v1:")
    assert diff.decode(physical_id) == previous


def test_encode_keeps_only_what_the_update_call_takes():
    """GetAccountPasswordPolicy also returns ExpirePasswords; UpdateAccountPasswordPolicy takes no such field."""
    current = {"MinimumPasswordLength": 8, "ExpirePasswords": True, "MaxPasswordAge": 30, "RequireSymbols": True}
    assert diff.decode(diff.encode(current)) == {
        "MinimumPasswordLength": 8, "MaxPasswordAge": 30, "RequireSymbols": True, "RequireNumbers": False,
        "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False, "HardExpiry": False}


@pytest.mark.parametrize("physical_id", [
    "IamPasswordPolicy/failed-req-1", "", "IamPasswordPolicy/previous=1.2", "IamPasswordPolicy/previous=a.b.c.d.e.f.g.h.i",
    "IamPasswordPolicy/previous=\u00b2.1.1.1.1.1.0.90.24", "IamPasswordPolicy/previous=" + "9" * 5000 + ".1.1.1.1.1.0.90.24",
    "IamPasswordPolicy/v1:", "IamPasswordPolicy/v1:garbage", "IamPasswordPolicy/v1:RequireSymbols=1",
    "IamPasswordPolicy/v1:MinimumPasswordLength=x", "IamPasswordPolicy/v1:MinimumPasswordLength=14,RequireSymbols=",
    "IamPasswordPolicy/v2:MinimumPasswordLength=14"])
def test_foreign_or_broken_physical_ids_mean_nothing_to_undo(physical_id):
    assert diff.decode(physical_id) is False
    for mode in diff.ON_DELETE:
        assert _delete(mode, physical_id) == ("nothing", None)


def _delete(mode, physical_id):
    return diff.plan({"RequestType": "Delete", "StackId": "s", "LogicalResourceId": "l", "RequestId": "r",
                      "PhysicalResourceId": physical_id, "ResourceProperties": {"OnDelete": mode}})


def test_a_field_a_later_version_adds_is_skipped_not_fatal():
    assert diff.decode("IamPasswordPolicy/v1:MinimumPasswordLength=9,RequireSymbols=1,PasswordsSmell=1") == {
        "MinimumPasswordLength": 9, "RequireSymbols": True}


def test_delete_action_matrix():
    prev = {"MinimumPasswordLength": 8, "RequireSymbols": False, "RequireNumbers": False,
            "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
            "AllowUsersToChangePassword": True, "HardExpiry": False}
    had = diff.encode(prev)
    had_none = diff.encode(None)
    assert _delete("restore", had) == ("apply", prev)
    assert _delete("restore", had_none) == ("delete", None)
    assert _delete("delete", had) == ("delete", None)
    assert _delete("retain", had) == ("nothing", None)
    assert _delete("retain", had_none) == ("nothing", None)
    assert _delete(None, had) == ("apply", prev)  # OnDelete left out: restore


@pytest.mark.parametrize("url,region", [
    # The forms CloudFormation sends: bucket named after the region without dashes, virtual-host style.
    ("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3A...%7Creq?X-Amz-Signature=a",
     "us-east-1"),
    ("https://cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com/k?sig=a", "us-east-1"),
    ("https://cloudformation-custom-resource-response-useast1.s3-us-east-1.amazonaws.com/k", "us-east-1"),
    ("https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/k?AWSAccessKeyId=A",
     "eu-west-1"),
    ("https://cloudformation-custom-resource-response-apnortheast1.s3-ap-northeast-1.amazonaws.com/k",
     "ap-northeast-1"),
    ("https://cloudformation-custom-resource-response-apsoutheast2.s3.ap-southeast-2.amazonaws.com/k",
     "ap-southeast-2"),
    ("https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/k", "cn-north-1"),
    ("https://cloudformation-custom-resource-response-usgovwest1.s3-us-gov-west-1.amazonaws.com/k", "us-gov-west-1"),
])
def test_trusted_url_accepts_cloudformations_response_bucket_of_the_own_region(url, region):
    assert diff.trusted_url(url, region)


@pytest.mark.parametrize("url", [
    "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/k",  # not https
    "https://attacker.example/k",
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.attacker.example/k",
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com@attacker.example/k",
    "https://x@cloudformation-custom-resource-response-useast1.s3.amazonaws.com/k",
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/k",
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com",  # no path: not a pre-signed key
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/k\nHost: attacker.example",
    "https://cloudformation-custom-resource-response-us-east-1.s3.amazonaws.com/k",  # any account could own that name
    "https://cloudformation-custom-resource-response-useast1x.s3.amazonaws.com/k",
    "https://my-cloudformation-custom-resource-response-useast1.s3.amazonaws.com/k",
    "https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/k",  # another region's
    "https://cloudformation-custom-resource-response-useast1.s3.eu-west-1.amazonaws.com/k",
    "https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/k",  # path style: not CloudFormation's
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.cn.attacker.example/k",
    # The bucket's name in another partition (China, GovCloud) is not CloudFormation's there.
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.cn/k",
    "https://cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com.cn/k",
    "HTTPS://CLOUDFORMATION-CUSTOM-RESOURCE-RESPONSE-USEAST1.S3.AMAZONAWS.COM/k",
    "", None, 42,
])
def test_trusted_url_refuses_anything_else(url):
    assert not diff.trusted_url(url, "us-east-1")


@pytest.mark.parametrize("url,region", [
    # Only us-east-1's bucket is answered on S3's global endpoint: there, the name of another
    # partition's bucket (cnnorth1, usgovwest1) is the commercial partition's, and anyone's to take.
    ("https://cloudformation-custom-resource-response-cnnorth1.s3.amazonaws.com/k", "cn-north-1"),
    ("https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com/k", "cn-north-1"),
    ("https://cloudformation-custom-resource-response-usgovwest1.s3.amazonaws.com/k", "us-gov-west-1"),
    ("https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/k", "eu-west-1"),
])
def test_trusted_url_refuses_the_bucket_name_where_it_is_not_cloudformations(url, region):
    assert not diff.trusted_url(url, region)


FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:Account-Handler".split(":")
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/Account/6f1c2a40-a9d3-11f1-8e5b-0affd6a3b8e7"
PHYSICAL = diff.encode(None)


def _event(kind="Update", **fields):
    return dict({"RequestType": kind, "StackId": STACK, "LogicalResourceId": "PasswordPolicy4B0A08FE",
                 "PhysicalResourceId": PHYSICAL}, **fields)


def _describe(asked, record):
    """DescribeStackResource as the boto3 client offers it: keyword arguments, the record under StackResourceDetail."""
    return lambda **kw: asked.append(kw) or {"StackResourceDetail": record}


def _record(kind="Update", **fields):
    return dict({"StackId": STACK, "LogicalResourceId": "PasswordPolicy4B0A08FE", "PhysicalResourceId": PHYSICAL,
                 "ResourceType": diff.RESOURCE_TYPE, "ResourceStatus": f"{kind.upper()}_IN_PROGRESS"}, **fields)


@pytest.mark.parametrize("kind", ["Create", "Update", "Delete"])
def test_refusal_accepts_the_request_the_stack_is_waiting_for(kind):
    asked = []
    record = _record(kind, PhysicalResourceId=None) if kind == "Create" else _record(kind)
    assert diff.refusal(_event(kind), FUNCTION, _describe(asked, record)) == ""
    assert asked == [{"StackName": STACK, "LogicalResourceId": "PasswordPolicy4B0A08FE"}]


@pytest.mark.parametrize("event,record,fragment", [
    (_event(StackId=STACK.replace("123456789012", "999999999999")), None, "StackId: foreign"),
    (_event(StackId=STACK.replace("us-east-1", "eu-west-1")), None, "StackId: foreign"),
    (_event(StackId=STACK.replace("arn:aws:", "arn:aws-cn:")), None, "StackId: foreign"),
    (_event(StackId="Account"), None, "StackId: foreign"),
    (_event(StackId=STACK.replace(":stack/", ":stackset/")), None, "StackId: foreign"),
    (_event(), _record(ResourceStatus="UPDATE_COMPLETE"),
     "ResourceStatus is 'UPDATE_COMPLETE', not 'UPDATE_IN_PROGRESS'"),
    (_event(), _record(ResourceStatus="DELETE_IN_PROGRESS"), "not 'UPDATE_IN_PROGRESS'"),
    (_event("Delete"), _record(ResourceStatus="UPDATE_IN_PROGRESS"), "not 'DELETE_IN_PROGRESS'"),
    (_event("Create"), _record(ResourceStatus="CREATE_COMPLETE"), "not 'CREATE_IN_PROGRESS'"),
    (_event(), _record(ResourceType="AWS::IAM::Role"), "ResourceType is 'AWS::IAM::Role'"),
    (_event(), _record(PhysicalResourceId=diff.encode({"MinimumPasswordLength": 6})), "PhysicalResourceId is"),
    (_event("Delete"), _record("Delete", PhysicalResourceId=None), "PhysicalResourceId is None"),
    (_event(), _record(StackId=STACK[:-1] + "0"), "StackId is"),
])
def test_refusal_names_what_does_not_match(event, record, fragment):
    asked = []
    why = diff.refusal(event, FUNCTION, _describe(asked, record))
    assert fragment in why
    assert asked == ([] if record is None else [{"StackName": event["StackId"],
                                                  "LogicalResourceId": event["LogicalResourceId"]}])


def test_refusal_when_the_stack_cannot_be_read():
    def describe(**kw):
        raise RuntimeError("ValidationError: Resource Other does not exist for stack Account")
    assert "does not exist" in diff.refusal(_event(), FUNCTION, describe)


def test_plan_parses_before_anything_is_verified():
    ids = {"StackId": STACK, "LogicalResourceId": "L", "RequestId": "r"}
    assert diff.plan(dict(ids, RequestType="Create", ResourceProperties=cfn_props()))[0] == "create"
    assert diff.plan(dict(ids, RequestType="Update", ResourceProperties=cfn_props(), PhysicalResourceId=PHYSICAL))[0] == "apply"
    assert diff.plan(dict(ids, RequestType="Delete", ResourceProperties=cfn_props(),
                          PhysicalResourceId=PHYSICAL)) == ("delete", None)
    with pytest.raises(ValueError, match="RequestType: None"):
        diff.plan({})


@pytest.mark.parametrize("change,message", [
    ({"ResourceProperties": "MinimumPasswordLength=14"}, "ResourceProperties: must be a mapping"),
    ({"ResourceProperties": None}, "ResourceProperties: must be a mapping"),
    ({"StackId": 7}, "StackId: must be a string"),
    ({"LogicalResourceId": ["L"]}, "LogicalResourceId: must be a string"),
    ({"PhysicalResourceId": None}, "PhysicalResourceId: must be a string"),
    ({"RequestType": "Replace"}, "RequestType: 'Replace' is not in ('Create', 'Update', 'Delete')"),
    ({"RequestType": ["Create"]}, "RequestType: ['Create'] is not in"),
])
def test_plan_names_the_malformed_field(change, message):
    event = dict({"StackId": STACK, "LogicalResourceId": "L", "RequestId": "r", "RequestType": "Update",
                  "ResourceProperties": cfn_props(), "PhysicalResourceId": PHYSICAL}, **change)
    with pytest.raises(ValueError) as err:
        diff.plan(event)
    assert str(err.value).startswith(message)
