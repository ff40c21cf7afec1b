"""IamUser's props are defined once (UserProps): the constructor, IamUsers and the roster use it."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from iam_constructs import IamConstructsError, IamUser, IamUsers
from iam_constructs.user import UserProps, plan_user
from tests.support import TAGS, new_stack


def _keyword_params():
    params = inspect.signature(IamUser.__init__).parameters.values()
    return [p for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]


def test_the_constructor_and_the_props_definition_agree():
    """Same names, same order, same defaults, same annotations: a prop added or misspelt in one
    place only fails here."""
    fields = dataclasses.fields(UserProps)
    params = _keyword_params()
    assert [p.name for p in params] == [f.name for f in fields]
    for param, field in zip(params, fields):
        default = inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        assert param.default == default, param.name
        assert str(param.annotation) == str(field.type), param.name


def test_the_constructor_passes_every_prop_through():
    """Each keyword argument reaches the props plan_user sees (none silently dropped)."""
    seen = {}

    def spy(stack, where, props):
        seen.update(dataclasses.asdict(props))
        return plan_user(stack, where, props)

    import iam_constructs.user as user_module
    original = user_module.plan_user
    user_module.plan_user = spy
    try:
        marker = {name: f"<{name}>" for name in UserProps.names()}
        with pytest.raises(IamConstructsError):
            IamUser(new_stack(), "U", **marker)
    finally:
        user_module.plan_user = original
    assert seen == marker


def test_an_unknown_or_misspelt_prop_is_an_error():
    with pytest.raises(TypeError, match="nmae"):
        IamUser(new_stack(), "U", user_name="jane", tags=TAGS, nmae="x")
    with pytest.raises(TypeError):
        UserProps(user_name="jane", consoel_access=True)
    with pytest.raises(IamConstructsError, match=r"S/Users/jane: consoel_access: unknown prop; IamUser takes "):
        IamUsers(new_stack("S"), "Users", users=[{"user_name": "jane", "tags": TAGS, "consoel_access": True}])
    with pytest.raises(IamConstructsError, match=r"S/Users/users\[0\]: user_name: missing"):
        IamUsers(new_stack("S"), "Users", users=[{"tags": TAGS}])


def test_plan_user_is_pure_and_needs_no_stack():
    plan, problems = plan_user(None, "roster.yaml:3", UserProps(user_name="jane", tags=TAGS, console_access=True))
    assert problems == [] and plan.user_name == "jane" and plan.console is not None
    plan, problems = plan_user(None, "roster.yaml:3", UserProps(user_name="a b", tags={}))
    assert plan is None
    assert {p.field for p in problems} == {"user_name", "tags.Owner", "tags.Purpose"}
