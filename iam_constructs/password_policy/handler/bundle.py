"""Builds the inline Lambda source from diff.py, external.py and index.py.

CloudFormation's ``ZipFile`` takes at most 4,096 characters, so the three readable modules are
joined and minified, in steps that each keep the program's behaviour (the last is checked):

1. docstrings, comments and relative imports go; the plain imports become one, at the top; a
   module constant read only once is written in place (``GUARD_SECONDS`` becomes ``5``);
2. every name the bundle itself defines (functions, parameters, locals, module constants) gets a
   short one, the most used names the shortest; attributes, imported names and ``handler`` keep
   theirs; a builtin read often (``isinstance``) is read through a short module-level alias;
3. a string literal written several times (``"PhysicalResourceId"``) becomes one module constant,
   when that is shorter;
4. the text is laid out tightly: no space a token does not need, one space per indentation level,
   a block of simple statements on its header's line (``if x:return y``), runs of simple
   statements joined with ``;``, no brackets around a returned tuple. The result must parse to
   the same tree as step 3's output, or the build fails.

The tests run this output, not only the readable modules.
"""

import ast
import builtins
import collections
import functools
import io
import itertools
import keyword
import string
import tokenize
from pathlib import Path

_PARTS = ("diff.py", "external.py", "response.py", "index.py")
ENTRY_POINT = "handler"
_WORD = frozenset(string.ascii_letters + string.digits + "_")


def _strip_docstring(node):
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        node.body = body[1:] or [ast.Pass()]


def _merge_imports(module: ast.Module) -> None:
    """``import a`` statements at module level become one ``import a, b, ...`` at the top, each module
    once however many parts import it (the handler's parts import nothing whose order matters)."""
    imports = [n for n in module.body if isinstance(n, ast.Import)]
    if imports:
        seen: dict[tuple[str, str | None], ast.alias] = {}
        for n in imports:
            for alias in n.names:
                seen.setdefault((alias.name, alias.asname), alias)
        names = list(seen.values())
        module.body = [ast.Import(names=names)] + [n for n in module.body if not isinstance(n, ast.Import)]


def _inline_constants(module: ast.Module) -> None:
    """A module constant (``NAME = <literal>``) that is bound nowhere else and read once is written
    in place."""
    bound: collections.Counter = collections.Counter()
    for node in ast.walk(module):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound[node.id] += 1
        elif isinstance(node, (ast.arg, ast.FunctionDef, ast.ExceptHandler, ast.alias)):
            bound[getattr(node, "arg", None) or getattr(node, "asname", None) or getattr(node, "name", None)] += 1
    loads = collections.Counter(n.id for n in ast.walk(module) if isinstance(n, ast.Name) and
                                isinstance(n.ctx, ast.Load))
    values = {}
    for node in module.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            try:
                ast.literal_eval(node.value)
            except ValueError:
                continue
            if bound[name] == 1 and loads[name] == 1 and name != ENTRY_POINT:
                values[name] = node
    module.body = [n for n in module.body if not any(n is v for v in values.values())]

    class Inline(ast.NodeTransformer):
        def visit_Name(self, node):
            return values[node.id].value if node.id in values and isinstance(node.ctx, ast.Load) else node

    Inline().visit(module)


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


def _name_uses(tree: ast.Module, names: set[str]) -> collections.Counter:
    """How often each of ``names`` is written in the tree (definitions, uses, keyword arguments)."""
    uses: collections.Counter = collections.Counter()
    for node in ast.walk(tree):
        for written in (getattr(node, "id", None), getattr(node, "arg", None), getattr(node, "name", None)):
            if isinstance(written, str) and written in names:
                uses[written] += 1
    return uses


def _plain_strings(tree: ast.Module) -> list[ast.Constant]:
    """String literals outside f-strings (an f-string's literal parts cannot become names)."""
    inside = {id(c) for j in ast.walk(tree) if isinstance(j, ast.JoinedStr) for c in ast.walk(j)}
    return [n for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in inside]


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping, strings=None):
        self.mapping, self.strings = mapping, strings or {}

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

    def visit_JoinedStr(self, node):
        for value in node.values:  # literal parts stay strings; replacement fields are code
            if isinstance(value, ast.FormattedValue):
                self.visit(value)
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, str) and node.value in self.strings:
            return ast.Name(id=self.strings[node.value], ctx=ast.Load())
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in self.mapping.values():
            for kw in node.keywords:  # keyword arguments to the bundle's own functions
                if kw.arg:
                    kw.arg = self.mapping.get(kw.arg, kw.arg)
        return node


def _builtin_uses(tree: ast.Module, keep: set[str]) -> collections.Counter:
    """How often each builtin the bundle does not define is read (``isinstance``, ``ValueError``)."""
    shadowed = _defined_names(tree) | _imported_names(tree)
    return collections.Counter(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and
                               isinstance(n.ctx, ast.Load) and n.id in dir(builtins) and n.id not in shadowed)


class _Alias(ast.NodeTransformer):
    """Reads of builtins become reads of their module-level aliases (nothing else is touched)."""

    def __init__(self, aliases):
        self.aliases = aliases

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.aliases:
            node.id = self.aliases[node.id]
        return node


def _shorten(module: ast.Module, names: dict[str, str] | None = None) -> ast.Module:
    """Steps 2 and 3. Names, repeated strings and builtins read often are ranked together by how
    often they are written, and take the short names in that order; a string becomes a constant,
    and a builtin an alias (``a=isinstance``), only where that is shorter."""
    keep = _imported_names(module) | set(dir(builtins)) | {ENTRY_POINT}
    renamable = _defined_names(module) - keep
    taken = set(keyword.kwlist) | keep | _defined_names(module) \
        | {n.id for n in ast.walk(module) if isinstance(n, ast.Name)} \
        | {n.attr for n in ast.walk(module) if isinstance(n, ast.Attribute)}
    uses = _name_uses(module, renamable)
    strings = collections.Counter(n.value for n in _plain_strings(module))
    builtin_reads = _builtin_uses(module, keep)
    ranked = sorted([(-count, 0, name) for name, count in uses.items()] +
                    [(-count, 1, value) for value, count in strings.items() if count > 1] +
                    [(-count, 2, name) for name, count in builtin_reads.items() if count > 1])
    short = _short_names(taken)
    mapping: dict[str, str] = {}
    constants: dict[str, str] = {}
    aliases: dict[str, str] = {}
    name = next(short)
    for minus_count, kind, original in ranked:
        written = len(repr(original)) if kind == 1 else len(original)
        if kind and -minus_count * (written - len(name)) <= len(name) + written + 2:  # "n='...';" / "n=str;"
            continue
        (mapping, constants, aliases)[kind][original] = name
        name = next(short)
    if names is not None:  # short name -> what it stands for, for reading the function's tracebacks
        names.update({short: original for original, short in mapping.items()})
        names.update({short: repr(value) for value, short in constants.items()})
        names.update({short: original for original, short in aliases.items()})
    module = _Rename(mapping, constants).visit(module)
    module = _Alias(aliases).visit(module)
    module.body = [ast.Assign(targets=[ast.Name(id=n, ctx=ast.Store())], value=ast.Constant(v))
                   for v, n in constants.items()] + \
                  [ast.Assign(targets=[ast.Name(id=n, ctx=ast.Store())], value=ast.Name(id=b, ctx=ast.Load()))
                   for b, n in aliases.items()] + module.body
    return module


_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+ splits f-strings into tokens
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
_LAYOUT = {tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.COMMENT, tokenize.ENCODING, tokenize.ENDMARKER}


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(depth, tight text) per logical line of ``ast.unparse`` output (one physical line each)."""
    lines = text.splitlines()
    out: list[tuple[int, str]] = []
    depth, nested = 0, 0
    chunks: list[tuple[int, str]] = []
    fstring_from: tuple[int, int] = (0, 0)
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.INDENT:
            depth += 1
        elif tok.type == tokenize.DEDENT:
            depth -= 1
        if tok.type in _LAYOUT:
            continue
        if tok.type == tokenize.NEWLINE:
            out.append((depth, _join(_unwrap(chunks))))
            chunks = []
        elif tok.type == _FSTRING_START:
            nested += 1
            fstring_from = tok.start if nested == 1 else fstring_from
        elif tok.type == _FSTRING_END:
            nested -= 1
            if not nested:  # the whole f-string, exactly as written
                chunks.append((tokenize.STRING, lines[tok.end[0] - 1][fstring_from[1]:tok.end[1]]))
        elif not nested:
            chunks.append((tok.type, tok.string))
    return out


def _closing(chunks: list[tuple[int, str]], start: int) -> int:
    """Index of the bracket that closes the one at ``start``."""
    depth = 0
    for n in range(start, len(chunks)):
        if chunks[n][0] == tokenize.OP and chunks[n][1] in "([{":
            depth += 1
        elif chunks[n][0] == tokenize.OP and chunks[n][1] in ")]}":
            depth -= 1
            if not depth:
                return n
    raise ValueError("unbalanced brackets")


def _top_level(chunks: list[tuple[int, str]], start: int, end: int, text: str) -> bool:
    """True when ``text`` occurs between the brackets at ``start`` and ``end``, outside inner ones."""
    n = start + 1
    while n < end:
        if chunks[n][0] == tokenize.OP and chunks[n][1] in "([{":
            n = _closing(chunks, n)
        elif chunks[n][1] == text:
            return True
        n += 1
    return False


def _unwrap(chunks: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Drops the brackets ``ast.unparse`` puts around a returned or assigned tuple
    (``return (a, b)``) and around a generator that is a call's only argument (``f((x for x in y))``)."""
    drop = set()
    for n, (kind, text) in enumerate(chunks):
        if kind != tokenize.OP or text != "(" or n == 0:
            continue
        end = _closing(chunks, n)
        if chunks[n - 1][1] in ("return", "=") and end == len(chunks) - 1 and _top_level(chunks, n, end, ","):
            drop |= {n, end}
        elif chunks[n - 1][1] == "(" and _closing(chunks, n - 1) == end + 1 and _top_level(chunks, n, end, "for"):
            drop |= {n, end}
    return [c for n, c in enumerate(chunks) if n not in drop]


def _join(chunks: list[tuple[int, str]]) -> str:
    """Tokens with a space only where two would otherwise merge (``not x``, ``1 .real``)."""
    out = ""
    for n, (kind, text) in enumerate(chunks):
        if n:
            before_kind, before = chunks[n - 1]
            if (before[-1] in _WORD and text[0] in _WORD) or (before_kind == tokenize.NUMBER and text[0] == "."):
                out += " "
        out += text
    return out


def _layout(lines: list[tuple[int, str]]) -> str:
    """Step 4 on logical lines: headers (ending in ':') take a block of simple statements on their
    own line; consecutive simple statements at one depth share a line."""
    tree: list = []
    stack = [(-1, tree)]
    for depth, text in lines:
        while stack[-1][0] >= depth:
            stack.pop()
        node: tuple[str, list] = (text, [])
        stack[-1][1].append(node)
        if text.endswith(":"):
            stack.append((depth, node[1]))

    def emit(nodes, depth, out):
        run: list[str] = []
        for text, block in nodes:
            simple = not text.endswith(":") and not text.startswith("@")
            if simple:
                run.append(text)
                continue
            if run:
                out.append(" " * depth + ";".join(run))
                run = []
            if all(not b.endswith(":") and not b.startswith("@") for b, _ in block):
                out.append(" " * depth + text + ";".join(b for b, _ in block))
            else:
                out.append(" " * depth + text)
                emit(block, depth + 1, out)
        if run:
            out.append(" " * depth + ";".join(run))
        return out

    return "\n".join(emit(tree, 0, [])) + "\n"


def minify(folder: Path, parts, names: dict[str, str] | None = None) -> str:
    """The modules ``parts`` of ``folder``, joined (relative imports dropped) and minified. ``names``,
    if given, receives each short name and what it stands for."""
    body: list[ast.stmt] = []
    for name in parts:
        tree = ast.parse((folder / name).read_text())
        _strip_docstring(tree)
        body += [n for n in tree.body if not (isinstance(n, ast.ImportFrom) and n.level > 0)]
    module = ast.Module(body=body, type_ignores=[])
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef):
            _strip_docstring(node)
    _merge_imports(module)
    _inline_constants(module)
    module = ast.fix_missing_locations(_shorten(module, names))
    readable = ast.unparse(module)
    text = _layout(_logical_lines(readable))
    if ast.dump(ast.parse(text)) != ast.dump(ast.parse(readable)):
        raise RuntimeError("the laid-out handler does not parse to the program it was laid out from")
    return text


@functools.cache
def inline_source() -> str:
    """The password-policy handler as inline code."""
    return minify(Path(__file__).parent, _PARTS)


def readable_names(folder: Path = Path(__file__).parent, parts=_PARTS) -> dict[str, str]:
    """Short name -> original name (or string) in the inline code: a traceback from CloudWatch
    (``File "/var/task/index.py", line 14, in aq``) reads with it (``aq``: ``refusal``).

        python -m iam_constructs.password_policy.handler.bundle
    """
    names: dict[str, str] = {}
    minify(folder, parts, names)
    return names


if __name__ == "__main__":
    for short, original in sorted(readable_names().items()):
        print(f"{short}\t{original}")
