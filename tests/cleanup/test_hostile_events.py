"""Hostile events to the user-cleanup handler, generated: wrong types at every key, huge and
escape-heavy strings, missing keys, unknown request types, events that are not mappings. Readable
modules and inline bundle alike, with recording clients (CloudFormation refuses to confirm anything):
an event from this stack's CloudFormation gets exactly one answer of at most 4,096 bytes, FAILED with
a reason naming the malformed field, any other event none; IAM is never called."""

from __future__ import annotations

import json
import types

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iam_constructs import limits
from tests.fuzzing import NOT_EVENTS, assert_neither_answered_nor_acted_on, examples

from tests.cleanup.conftest import Context, event, props

PHYSICAL_ID = "IamUserCleanup/jane.smith"
HUGE = st.sampled_from(["\x00" * 5000, "\u00e9\"\\" * 3000, "\U0001F600" * 2000, "\u2028" * 4096, "x" * 70000])
HOSTILE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), HUGE,
                    st.text(max_size=30), st.lists(st.integers(), max_size=3),
                    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
EVENT_KEYS = ["RequestType", "StackId", "RequestId", "LogicalResourceId", "PhysicalResourceId",
              "ResourceProperties", "ResourceType", "ResponseURL"]
PROPERTY_KEYS = ["UserName", "UserLogicalId", "StackLoginProfile", "StackAccessKeys", "StackGroups",
                 "StackManagedPolicies"]
UNANSWERED = {"StackId", "ResponseURL", "ResourceType"}  # not provably CloudFormation's: no answer


class Recorder:
    """Any client: records each call; CloudFormation refuses every request."""

    exceptions = types.SimpleNamespace(ClientError=ClientError)

    def __init__(self, service, calls):
        self.service, self.calls = service, calls

    def __getattr__(self, name):
        def call(**kwargs):
            self.calls.append((self.service, name))
            if self.service == "cloudformation":
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not this stack"}}, name)
            return {}
        return call


@pytest.fixture
def recorded(monkeypatch):
    calls: list = []
    monkeypatch.setattr(boto3, "client", lambda service, *a, **kw: Recorder(service, calls))
    return calls


def _mutations():
    at_event = st.tuples(st.just("event"), st.sampled_from(EVENT_KEYS), st.one_of(st.just("missing"), HOSTILE))
    at_props = st.tuples(st.just("props"), st.sampled_from(PROPERTY_KEYS), st.one_of(st.just("missing"), HOSTILE))
    return st.tuples(st.sampled_from(["Create", "Update", "Delete"]), st.one_of(at_event, at_props))


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_mutations())
def test_every_hostile_event_gets_at_most_one_bounded_answer_and_iam_is_untouched(recorded, response_server,
                                                                                   handler_module, case):
    kind, (where, key, value) = case
    e = event(response_server, kind, props(), physical_id=None if kind == "Create" else PHYSICAL_ID)
    target = e if where == "event" else e["ResourceProperties"]
    if value == "missing":
        target.pop(key, None)
    else:
        target[key] = value
    before, attempts = len(response_server.bodies), response_server.attempts
    recorded.clear()
    handler_module.handler(e, Context(seconds=30))
    assert [c for c in recorded if c[0] != "cloudformation"] == [], repr(case)[:300]
    if where == "event" and key in UNANSWERED:
        assert response_server.attempts == attempts, repr(case)[:300]
        return
    answers = response_server.bodies[before:]
    assert len(answers) == 1 and response_server.attempts == attempts + 1, repr(case)[:300]
    assert len(response_server.raw) <= limits.CUSTOM_RESOURCE_RESPONSE_MAX_BYTES
    answer = answers[0]
    assert isinstance(answer["PhysicalResourceId"], str) and isinstance(answer["Reason"], str)
    reason = answer["Reason"]
    for crash in ("object has no attribute", "not subscriptable", "KeyError", "TypeError", "AttributeError"):
        assert crash not in reason, (repr(case)[:300], reason[:300])
    if answer["Status"] == "SUCCESS":
        assert recorded == [] or kind != "Delete", repr(case)[:300]
        return
    checked = {"RequestType"} | ({"PhysicalResourceId"} if kind == "Delete" else set()) | \
        (set() if isinstance(value, dict) else {"ResourceProperties"})
    if where == "event" and key in checked:
        assert reason.startswith(f"ValueError: {key}: "), (repr(case)[:300], reason[:300])
    if where == "props" and key in ("UserName", "UserLogicalId", "StackLoginProfile") and kind != "Delete":
        assert reason.startswith(f"ValueError: {key}: "), (repr(case)[:300], reason[:300])


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(thing=NOT_EVENTS)
def test_what_is_not_an_event_is_neither_answered_nor_acted_on(recorded, response_server, handler_module, thing):
    assert_neither_answered_nor_acted_on(handler_module.handler, thing, Context(seconds=30), response_server, recorded)


@pytest.mark.parametrize("field,value", [
    ("RequestId", "\x01" * 5000), ("LogicalResourceId", "\u00e9" * 5000), ("PhysicalResourceId", "\"" * 9000)])
def test_escape_heavy_fields_are_cut_after_json_encoding(recorded, response_server, handler_module, field, value):
    e = event(response_server, "Delete", props(), physical_id=PHYSICAL_ID)
    e[field] = value
    handler_module.handler(e, Context(seconds=30))
    assert len(response_server.raw) <= limits.CUSTOM_RESOURCE_RESPONSE_MAX_BYTES
    assert json.loads(response_server.raw) == response_server.last
