"""Hostile events, generated: wrong types at every key, huge and escape-heavy strings, missing keys,
unknown request types, events that are not mappings. Run against the readable modules and the inline
bundle alike, with recording clients: every event that carries CloudFormation's ResponseURL gets
exactly one answer of at most 4,096 bytes (FAILED, with a reason naming the field when the field is
malformed), every other event none, and no event changes the account."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import NOT_EVENTS, assert_neither_answered_nor_acted_on, examples

from iam_constructs import limits
from iam_constructs.password_policy.handler import diff
from tests.handler.conftest import LOGICAL_ID, STACK_ID, Context, cfn_props, event

MUTATING = {"update_account_password_policy", "delete_account_password_policy"}
# Escape-heavy and long: control characters and non-ASCII take 6 (or 12) bytes each in JSON.
HUGE = st.sampled_from(["\x00" * 5000, "\u00e9\"\\" * 3000, "\U0001F600" * 2000, "\u2028" * 4096, "x" * 70000])
HOSTILE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), HUGE,
                    st.text(max_size=30), st.lists(st.integers(), max_size=3),
                    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
EVENT_KEYS = ["RequestType", "StackId", "RequestId", "LogicalResourceId", "PhysicalResourceId",
              "ResourceProperties", "ResourceType", "ResponseURL", "ServiceToken"]
PROPERTY_KEYS = [*diff.FIELDS, "OnDelete"]
CHECKED = {"RequestType", "StackId", "LogicalResourceId", "PhysicalResourceId", "ResourceProperties"}


class Recorder:
    """A client that records every call; IAM reads answer, CloudFormation refuses every request (so no
    event, however well formed, is verified as CloudFormation's: nothing may change)."""

    def __init__(self, service, calls):
        self.service, self.calls = service, calls

    def __getattr__(self, name):
        def call(**kwargs):
            self.calls.append(name)
            if self.service == "cloudformation":
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not this stack"}}, name)
            if name == "get_account_password_policy":
                return {"PasswordPolicy": {"MinimumPasswordLength": 8}}
            return {}
        return call


@pytest.fixture
def recorded(clients):
    calls: list[str] = []
    clients["iam"] = Recorder("iam", calls)
    clients["cloudformation"] = Recorder("cloudformation", calls)
    return calls


def _genuine(server, kind):
    physical_id = None if kind == "Create" else diff.encode({"MinimumPasswordLength": 10})
    return event(server, kind, cfn_props(), physical_id=physical_id)


def _mutations():
    at_event = st.tuples(st.just("event"), st.sampled_from(EVENT_KEYS), st.one_of(st.just("missing"), HOSTILE))
    at_props = st.tuples(st.just("props"), st.sampled_from(PROPERTY_KEYS), st.one_of(st.just("missing"), HOSTILE))
    return st.tuples(st.sampled_from(["Create", "Update", "Delete"]), st.one_of(at_event, at_props))


def _apply(e, where, key, value):
    target = e if where == "event" else e["ResourceProperties"]
    if value == "missing":
        target.pop(key, None)
    else:
        target[key] = value
    return e


def _answers(server, before):
    return server.bodies[before:]


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_mutations())
def test_every_hostile_event_gets_one_bounded_answer_and_changes_nothing(recorded, response_server, handler_module,
                                                                          case):
    kind, (where, key, value) = case
    e = _apply(_genuine(response_server, kind), where, key, value)
    before, raw_before = len(response_server.bodies), response_server.attempts
    recorded.clear()
    handler_module.handler(e, Context(seconds=30))
    answers = _answers(response_server, before)
    assert not MUTATING & set(recorded), repr(case)[:300]
    if where == "event" and key == "ResponseURL":  # no URL of CloudFormation's: no answer at all
        assert answers == [] and response_server.attempts == raw_before
        return
    assert len(answers) == 1 and response_server.attempts == raw_before + 1
    assert len(response_server.raw) <= limits.CUSTOM_RESOURCE_RESPONSE_MAX_BYTES
    answer = answers[0]
    assert isinstance(answer["PhysicalResourceId"], str) and isinstance(answer["Reason"], str)
    if answer["Status"] == "SUCCESS":  # only a Delete with nothing to undo may succeed, touching nothing
        assert kind == "Delete" and recorded == []
        return
    reason = answer["Reason"]
    for crash in ("object has no attribute", "not subscriptable", "KeyError", "TypeError", "AttributeError"):
        assert crash not in reason, (repr(case)[:300], reason[:300])
    if where == "props" and key in diff.FIELDS and kind != "Delete" and recorded == []:
        assert reason.startswith(f"ValueError: {key}: "), (repr(case)[:300], reason[:300])  # refused before any call, naming it
    if where == "event" and key in CHECKED and recorded == [] and not isinstance(value, dict):
        assert key in reason, (repr(case)[:300], reason[:300])


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(thing=NOT_EVENTS)
def test_what_is_not_an_event_is_neither_answered_nor_acted_on(recorded, response_server, handler_module, thing):
    assert_neither_answered_nor_acted_on(handler_module.handler, thing, Context(seconds=30), response_server, recorded)


@pytest.mark.parametrize("field,value", [
    ("RequestId", "\x01" * 5000), ("LogicalResourceId", "\u00e9" * 5000), ("StackId", "\U0001F600" * 3000),
    ("PhysicalResourceId", "\"" * 9000)])
def test_escape_heavy_fields_are_cut_after_json_encoding(recorded, response_server, handler_module, field, value):
    e = _genuine(response_server, "Update")
    e[field] = value
    handler_module.handler(e, Context(seconds=30))
    assert len(response_server.raw) <= limits.CUSTOM_RESOURCE_RESPONSE_MAX_BYTES
    assert response_server.last["Status"] == "FAILED"
    assert json.loads(response_server.raw) == response_server.last


def test_update_without_physical_id_fails_before_any_call(clients, response_server, handler_module):
    """CloudFormation's record would match (it shows no physical id either): before the event was
    checked as a whole, this Update passed verification and changed the account, then failed."""
    calls: list[str] = []

    class Genuine(Recorder):
        def __getattr__(self, name):
            def call(**kwargs):
                calls.append(name)
                return {"StackResourceDetail": {"StackId": STACK_ID, "LogicalResourceId": LOGICAL_ID,
                                                "ResourceType": diff.RESOURCE_TYPE,
                                                "ResourceStatus": "UPDATE_IN_PROGRESS"}}
            return call

    clients["iam"] = Recorder("iam", calls)
    clients["cloudformation"] = Genuine("cloudformation", calls)
    e = event(response_server, "Update", cfn_props(MinimumPasswordLength=6))
    handler_module.handler(e, Context())
    assert calls == []
    assert response_server.last["Status"] == "FAILED"
    assert response_server.last["Reason"] == "ValueError: PhysicalResourceId: must be a string"
