"""The inline Lambda source of a custom-resource handler, made from its readable modules.

The parts are joined into one module (``index.py`` in the function): their relative imports go
(the parts define what they import from each other), and so do docstrings, which are design notes
for the reader of this repository, not code. Nothing is renamed, hoisted or re-laid: what runs in
the function is what is written in the modules, as ``ast.unparse`` prints it, so a traceback in
CloudWatch names the function and shows the line as written (``in refusal``, ``found = describe(...)``).

CloudFormation no longer caps ``ZipFile`` at 4,096 characters (the zip it makes may take 4 MB; the
AWS::Lambda::Function resource schema, and aws-cdk pull request 20624, which dropped the CDK's own
check in 2022). Each handler keeps to ``limits.INLINE_HANDLER_BUDGET_CHARS`` instead (a test checks):
small enough to read whole in review, and a small part of the template that carries it.
"""

from __future__ import annotations

import ast
from pathlib import Path


def _without_docstring(node: ast.Module | ast.FunctionDef | ast.ClassDef) -> None:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        node.body = body[1:] or [ast.Pass()]


def joined(parts: list[ast.Module]) -> ast.Module:
    """One module holding ``parts`` in order, without relative imports or docstrings."""
    body: list[ast.stmt] = []
    for tree in parts:
        _without_docstring(tree)
        body += [n for n in tree.body if not (isinstance(n, ast.ImportFrom) and n.level > 0)]
    module = ast.Module(body=body, type_ignores=[])
    for node in ast.walk(module):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            _without_docstring(node)
    return module


def handler_source(folder: Path, parts: tuple[str, ...]) -> str:
    """The modules ``parts`` of ``folder`` (a part may be an absolute path) as one inline module."""
    return ast.unparse(joined([ast.parse((folder / name).read_text(encoding="utf-8")) for name in parts])) + "\n"
