"""The inline code of both handlers is the readable modules' lines as written (docstrings, comments,
blank lines and the relative imports between the parts go), its parts share one namespace without
clashes and import only what the Lambda runtime has, it stays within the library's budget, and a
failure leaves a traceback in the function's log that names the function and shows the line."""

import ast
import sys
from pathlib import Path

import pytest

from iam_constructs import limits
from iam_constructs.password_policy.handler import bundle as policy_bundle
from iam_constructs.user_cleanup.handler import bundle as cleanup_bundle
from tests.handler.conftest import Context, bundled_module, cfn_props, event
from tests.handler.test_protocol import FakeIam

BUNDLES = {"password-policy": policy_bundle, "user-cleanup": cleanup_bundle}


def _modules(bundle):
    folder = Path(bundle.__file__).parent
    return [ast.parse((folder / name).read_text(encoding="utf-8")) for name in bundle.PARTS]


def _is_docstring(node):
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _without_docstrings(statements):
    """``statements`` as the function would run them: every docstring (a string standing alone as the
    first statement of a module, class or function) left out."""
    module = ast.Module(body=list(statements), type_ignores=[])
    for node in ast.walk(module):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.body and _is_docstring(node.body[0]):
            node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(module)


@pytest.mark.parametrize("name", BUNDLES)
def test_inline_code_keeps_within_the_budget_with_room_to_grow(name):
    size = len(BUNDLES[name].inline_source())
    # a tenth of the budget left: a fix to a handler must not have to fight for characters
    assert size <= limits.INLINE_HANDLER_BUDGET_CHARS * 0.9, (size, limits.INLINE_HANDLER_BUDGET_CHARS)


@pytest.mark.parametrize("name", BUNDLES)
def test_inline_code_is_the_modules_as_written(name):
    bundle = BUNDLES[name]
    inline = ast.parse(bundle.inline_source())
    written = [n for tree in _modules(bundle) for k, n in enumerate(tree.body)
               if not (isinstance(n, ast.ImportFrom) and n.level > 0) and not (k == 0 and _is_docstring(n))]
    # the same statements, in the same order, with the same names and strings: nothing renamed or hoisted
    assert ast.dump(inline) == _without_docstrings(written)
    defined = {n.name for tree in _modules(bundle) for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert defined == {n.name for n in ast.walk(inline) if isinstance(n, ast.FunctionDef)}
    assert bundle.ENTRY_POINT in defined


@pytest.mark.parametrize("name", BUNDLES)
def test_every_inline_line_is_a_line_of_a_module_as_written(name):
    """Text, not a re-print of the tree: the source is the same whichever Python synthesizes it, and a
    traceback's line is the module's line."""
    bundle = BUNDLES[name]
    folder = Path(bundle.__file__).parent
    written = [set((folder / part).read_text(encoding="utf-8").splitlines()) for part in bundle.PARTS]
    lines = bundle.inline_source().splitlines()
    stray = [line for line in lines if not any(line in part or any(w.startswith(line + " ") for w in part)
                                               for part in written)]
    assert stray == []


@pytest.mark.parametrize("name", BUNDLES)
def test_the_parts_share_one_namespace_without_clashes_and_import_only_what_lambda_has(name):
    bundle = BUNDLES[name]
    defined: dict[str, str] = {}
    for part, tree in zip(bundle.PARTS, _modules(bundle)):
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                module = node.module if isinstance(node, ast.ImportFrom) else None
                roots = {(module or a.name).split(".")[0] for a in node.names}
                assert getattr(node, "level", 0) or roots <= sys.stdlib_module_names | {"boto3", "botocore"}, (part, roots)
                continue  # the same import in two parts binds the same thing
            for target in ast.walk(node) if isinstance(node, (ast.Assign, ast.AnnAssign)) else [node]:
                bound = getattr(target, "name", None) or (target.id if isinstance(target, ast.Name) else None)
                if bound:
                    assert defined.setdefault(bound, part) == part, f"{bound}: defined by {defined[bound]} and {part}"


def test_a_failure_logs_a_traceback_naming_the_function(clients, cloudformation, response_server, capfd):
    clients["iam"] = FakeIam(error_code="AccessDenied")
    e = event(response_server, "Create", cfn_props())
    cloudformation.shows(e)
    bundled_module().handler(e, Context())
    assert response_server.last["Status"] == "FAILED"
    log = capfd.readouterr()
    trace = log.err + log.out
    assert 'File "index.py"' in trace and ", in password_policy" in trace and ", in run" in trace, trace
    assert "AccessDenied" in trace
    assert e["ResponseURL"] not in trace  # the URL is a credential
