"""iam-constructs: validate a roster, export it as plain CloudFormation, audit an account.

Exit codes: 0 fine, 1 findings, 2 bad input (one line per problem: PATH:LINE: FIELD: message).
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


# A problem is one line whatever the roster holds: line breaks and other control characters that
# reach a field or a message (a key such as "a\nb") are printed as escapes.
_ESCAPES = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


def one_line(problem) -> str:
    """``PATH:LINE: FIELD: message`` on one line."""
    return str(problem).translate(_ESCAPES)


def _printable(path: str) -> str:
    """A path as it can be printed: bytes that were not UTF-8 in argv shown as escapes."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _validate(args: argparse.Namespace) -> int:
    from .roster import load_roster
    try:
        roster, problems = load_roster(args.roster)
    except Exception as e:  # noqa: BLE001 - a bug of ours: one line that says so, never a traceback
        print(f"{_printable(args.roster)}:0: roster: could not be checked ({type(e).__name__}: "
              f"{' '.join(str(e).split())[:200]}); this is a bug in iam-constructs, please report it with the roster",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if problems or roster is None:  # None comes with its problems
        for problem in problems:
            print(one_line(problem), file=sys.stderr)
        return EXIT_BAD_INPUT
    stacks = 1 + roster.user_stacks
    print(f"{_printable(args.roster)}: valid: {len(roster.users)} users, {len(roster.groups)} groups, {stacks} stacks")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from .export import export
    return export(args.roster, args.out, rule_packs=not args.no_rule_packs)


# Subcommands that live in their own module: (name, module, help). Each module has
# ``add_arguments(parser)`` and ``run_cli(args) -> exit code``, imported only when its command runs
# or its help is shown, so ``validate`` never loads the AWS SDK.
MODULE_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("audit", "iam_constructs.audit", "credential-report findings for a live account; exit 1 on findings"),
    ("plan", "iam_constructs.plan", "what deploying NEW over BASE changes; exit 3 on a replacing or failing change"),
    ("adopt", "iam_constructs.adopt", "read an existing account into a roster and CloudFormation import documents"),
)


# What a subcommand needs beyond the base install, and the extra that brings it: the CDK app never
# needs the AWS SDK (about 100 MB), so only the commands that call AWS ask for it.
EXTRAS = {"boto3": "aws", "botocore": "aws"}
COMMAND_NEEDS: dict[str, tuple[str, ...]] = {"audit": ("boto3",), "adopt": ("boto3",)}


def _missing(command: str, module: str) -> int:
    """One line naming what to install, exit 2 (1 would read as "findings")."""
    extra = EXTRAS.get(module.split(".")[0])
    fix = (f"pip install 'iam-constructs[{extra}]'" if extra
           else "reinstall iam-constructs (pip install --force-reinstall iam-constructs)")
    print(f"iam-constructs {command}: needs the Python package {module.split('.')[0]!r}, which is not "
          f"installed; {fix}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _module_command(name: str, module: str):
    def run(args: argparse.Namespace) -> int:
        import importlib
        import importlib.util
        for needed in COMMAND_NEEDS.get(name, ()):
            if importlib.util.find_spec(needed) is None:
                return _missing(name, needed)
        try:
            return importlib.import_module(module).run_cli(args)
        except ModuleNotFoundError as e:
            return _missing(name, e.name or "?")
        except Exception as e:  # noqa: BLE001 - a bug of ours: one line that says so, never a traceback
            print(one_line(f"{name}: could not finish ({type(e).__name__}: {' '.join(str(e).split())[:200]}); this "
                           "is a bug in iam-constructs, please report it"), file=sys.stderr)
            return EXIT_BAD_INPUT
    return run


def parser() -> argparse.ArgumentParser:
    import importlib
    names = ["validate", "export", *(name for name, _, _ in MODULE_COMMANDS)]
    top = argparse.ArgumentParser(prog="iam-constructs", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True, metavar="{" + ",".join(names) + "}")
    v = sub.add_parser("validate", help="check a roster file; exit 0 valid, 2 problems")
    v.add_argument("roster", help="path to the roster YAML")
    v.set_defaults(run=_validate)
    e = sub.add_parser("export", help="write standalone CloudFormation templates and a manifest")
    e.add_argument("roster", help="path to the roster YAML")
    e.add_argument("--out", required=True, help="directory for the templates and manifest.json")
    e.add_argument("--no-rule-packs", action="store_true", help="skip AwsSolutions, NIST 800-53 R5 and IamConstructs")
    e.set_defaults(run=_export)
    for name, module, help_text in MODULE_COMMANDS:
        a = sub.add_parser(name, help=help_text)
        try:
            importlib.import_module(module).add_arguments(a)
        except ModuleNotFoundError as e:  # its options need what is missing: say so when it runs
            a.set_defaults(run=lambda args, n=name, m=e.name or "?": _missing(n, m), any_arguments=True)
            continue
        a.set_defaults(run=_module_command(name, module))
    return top


def main(argv: Sequence[str] | None = None) -> int:
    from ._jsii_env import silence_node_banner
    silence_node_banner()  # before any command starts jsii: no Node end-of-life banner in our output
    top = parser()
    args, unknown = top.parse_known_args(argv)
    if unknown and not getattr(args, "any_arguments", False):
        top.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
