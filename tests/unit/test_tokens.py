"""Token recognition agrees with the CDK's own (cdk.Token.is_unresolved) and asks it only where the
answer can be yes."""

import math

import aws_cdk as cdk
import jsii
import pytest

from iam_constructs import IamUser
from iam_constructs._tokens import is_unresolved
from iam_constructs.errors import IamConstructsError


@jsii.implements(cdk.IStringProducer)
class _Producer:
    def produce(self, context):
        return "x"


def _tokens():
    stack = cdk.Stack(cdk.App(), "S")
    param = cdk.CfnParameter(stack, "P", type="Number")
    return {"string": param.value_as_string, "number": param.value_as_number,
            "list": cdk.Fn.split(",", param.value_as_string), "lazy": cdk.Lazy.string(_Producer()),
            "intrinsic": cdk.Token.as_any("abc"), "embedded": f"arn:aws:iam::{cdk.Aws.ACCOUNT_ID}:root"}


@pytest.mark.parametrize("name", ["string", "number", "list", "lazy", "intrinsic", "embedded"])
def test_tokens_of_every_kind_are_recognised(name):
    value = _tokens()[name]
    assert is_unresolved(value) and cdk.Token.is_unresolved(value)


@pytest.mark.parametrize("value", [
    float("-inf"), float("nan"), float("inf"), -1e300, -1.7976931348623157e308, -1e289, 0.5, 3, True, None,
    "", "/teams/", "${Token[", "#{Token[", "${Token[not a token", {"a": "${Token[TOKEN.1]}"}, ["a", -1e300]])
def test_plain_values_are_no_tokens(value):
    assert not is_unresolved(value)


def test_plain_values_agree_with_the_cdk_where_jsii_can_carry_them():
    for value in [-1e300, -1.7976931348623157e308, -1e289, 0.5, 3, "", "/teams/", "${Token[not a token"]:
        assert is_unresolved(value) == cdk.Token.is_unresolved(value), value


@pytest.mark.parametrize("path", [float("-inf"), float("nan"), -1e300])
def test_a_huge_or_non_finite_float_is_refused_not_taken_for_a_token(path):
    with pytest.raises(IamConstructsError, match="path"):
        IamUser(cdk.Stack(cdk.App(), "S"), "U", user_name="jane", path=path,
                tags={"Owner": "platform", "Purpose": "test"})
    assert not math.isfinite(path) or path < -1e288


def test_plain_strings_never_cross_to_jsii(monkeypatch):
    asked = []
    monkeypatch.setattr(cdk.Token, "is_unresolved", lambda v: asked.append(v) or False)
    for n in range(5000):
        is_unresolved(f"user.{n}")
        is_unresolved(float(n))
    assert asked == []
