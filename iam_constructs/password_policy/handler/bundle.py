"""Builds the inline Lambda source from diff.py, external.py and index.py.

CloudFormation's ``ZipFile`` takes at most 4,096 characters, so the three readable modules are
joined and minified: docstrings, comments and relative imports go, indentation becomes one space
a level, and every name the bundle itself defines (functions, parameters, locals, module
constants) gets a short one. Attributes, imported names, builtins and ``handler`` keep theirs.
The tests run this output, not only the readable modules.
"""

import ast
import builtins
import functools
import itertools
import re
import string
from pathlib import Path

_PARTS = ("diff.py", "external.py", "index.py")
ENTRY_POINT = "handler"


def _strip_docstring(node):
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        node.body = body[1:] or [ast.Pass()]


def _defined_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _imported_names(tree: ast.Module) -> set[str]:
    return {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
            if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}


def _short_names(taken: set[str]):
    letters = string.ascii_letters
    for size in (1, 2):
        for combo in itertools.product(letters, repeat=size):
            name = "".join(combo)
            if name not in taken:
                yield name


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        node.id = self.mapping.get(node.id, node.id)
        return node

    def visit_arg(self, node):
        node.arg = self.mapping.get(node.arg, node.arg)
        return node

    def visit_FunctionDef(self, node):
        node.name = self.mapping.get(node.name, node.name)
        self.generic_visit(node)
        return node

    def visit_ExceptHandler(self, node):
        if node.name:
            node.name = self.mapping.get(node.name, node.name)
        self.generic_visit(node)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in self.mapping.values():
            for kw in node.keywords:  # keyword arguments to the bundle's own functions
                if kw.arg:
                    kw.arg = self.mapping.get(kw.arg, kw.arg)
        return node


@functools.cache
def inline_source() -> str:
    here = Path(__file__).parent
    body: list[ast.stmt] = []
    for name in _PARTS:
        tree = ast.parse((here / name).read_text())
        _strip_docstring(tree)
        body += [n for n in tree.body if not (isinstance(n, ast.ImportFrom) and n.level > 0)]
    module = ast.Module(body=body, type_ignores=[])
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef):
            _strip_docstring(node)
    keep = _imported_names(module) | set(dir(builtins)) | {ENTRY_POINT}
    renamable = sorted(_defined_names(module) - keep, key=lambda n: (-len(n), n))
    taken = {n.id for n in ast.walk(module) if isinstance(n, ast.Name)} | _defined_names(module) | keep \
        | {n.attr for n in ast.walk(module) if isinstance(n, ast.Attribute)}
    module = _Rename(dict(zip(renamable, _short_names(taken)))).visit(module)
    text = ast.unparse(ast.fix_missing_locations(module))
    return re.sub(r"^((?:    )+)", lambda m: " " * (len(m.group(1)) // 4), text, flags=re.M) + "\n"
