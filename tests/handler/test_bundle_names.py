"""The inline code of both handlers fits CloudFormation's ZipFile limit, and every short name in it
reads back to the name in the readable modules (a CloudWatch traceback's ``in aq`` is ``refusal``)."""

import ast

import pytest

from iam_constructs.password_policy.handler import bundle as policy_bundle
from iam_constructs.user_cleanup.handler import bundle as cleanup_bundle

ZIPFILE_MAX_CHARS = 4096
BUNDLES = {"password-policy": (policy_bundle.inline_source, policy_bundle.readable_names),
           "user-cleanup": (cleanup_bundle.inline_source, cleanup_bundle.names)}


@pytest.mark.parametrize("name", BUNDLES)
def test_inline_code_fits_the_zipfile_limit(name):
    source, _ = BUNDLES[name]
    assert len(source()) <= ZIPFILE_MAX_CHARS, len(source())


@pytest.mark.parametrize("name", BUNDLES)
def test_every_function_in_a_traceback_reads_back(name):
    source, names = BUNDLES[name]
    table = names()
    functions = {n.name for n in ast.walk(ast.parse(source())) if isinstance(n, ast.FunctionDef)}
    assert functions - {"handler"} <= set(table)
    assert "handler" not in table  # the entry point keeps its name
    assert set(table.values()) >= ({"refusal", "plan", "parse"} if name == "password-policy"
                                   else {"well_formed", "checked", "removals"})
