"""The inline Lambda source of a custom-resource handler, made from its readable modules.

The parts are joined into one module (``index.py`` in the function), line by line as written:
docstrings, comments, blank lines and the relative imports between the parts are left out, and
nothing else is touched (no renaming, no re-layout; the text does not depend on the Python that
synthesizes). A traceback in CloudWatch names the function and shows the line as it is in the
module. The parts share one namespace, so each top-level name is defined by one part only, and they
import nothing but the standard library, boto3 and botocore (tests check both).

CloudFormation no longer caps ``ZipFile`` at 4,096 characters (the zip it makes may take 4 MB; the
AWS::Lambda::Function resource schema, and aws-cdk pull request 20624, which dropped the CDK's own
check in 2022). Each handler keeps to ``limits.INLINE_HANDLER_BUDGET_CHARS`` instead (a test checks):
small enough to read whole in review, and a small part of the template that carries it.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path


def _docstring_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in [tree, *ast.walk(tree)]:
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def code_lines(text: str) -> list[str]:
    """The lines of the module ``text`` that the function runs: without docstrings, comments, blank
    lines and relative imports. A docstring or a relative import stands on lines of its own in these
    modules (the parse of the result is checked against the module's in the tests)."""
    tree = ast.parse(text)
    drop = _docstring_lines(tree)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            drop.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    comments: dict[int, int] = {}
    inside_strings: set[int] = set()  # the second and later lines of a string: kept exactly
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.start[1]
        elif tok.end[0] > tok.start[0]:
            inside_strings.update(range(tok.start[0] + 1, tok.end[0] + 1))
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if number in drop:
            continue
        if number in inside_strings:
            out.append(line if number not in comments else line[:comments[number]].rstrip())
        elif (line := line[:comments.get(number, len(line))].rstrip()).strip():
            out.append(line)
    return out


def handler_source(folder: Path, parts: tuple[str, ...]) -> str:
    """The modules ``parts`` of ``folder`` (a part may be an absolute path) as one inline module."""
    return "".join(line + "\n" for name in parts for line in code_lines((folder / name).read_text(encoding="utf-8")))
