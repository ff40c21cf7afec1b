"""iam-constructs: validate a roster, export it as plain CloudFormation, audit an account.

Exit codes: 0 fine, 1 findings, 2 bad input (one line per problem: PATH:LINE: FIELD: message).
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def _validate(args: argparse.Namespace) -> int:
    from .errors import print_problems
    from .roster import load_roster
    roster, problems = load_roster(args.roster)
    if problems:
        print_problems(problems)
        return EXIT_BAD_INPUT
    stacks = 1 + roster.user_stacks
    print(f"{args.roster}: valid: {len(roster.users)} users, {len(roster.groups)} groups, {stacks} stacks")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from .export import export
    return export(args.roster, args.out, rule_packs=not args.no_rule_packs)


def _audit(args: argparse.Namespace) -> int:
    from .audit import run_cli
    return run_cli(args)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="iam-constructs", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True, metavar="{validate,export,audit}")
    v = sub.add_parser("validate", help="check a roster file; exit 0 valid, 2 problems")
    v.add_argument("roster", help="path to the roster YAML")
    v.set_defaults(run=_validate)
    e = sub.add_parser("export", help="write standalone CloudFormation templates and a manifest")
    e.add_argument("roster", help="path to the roster YAML")
    e.add_argument("--out", required=True, help="directory for the templates and manifest.json")
    e.add_argument("--no-rule-packs", action="store_true", help="skip AwsSolutions, NIST 800-53 R5 and IamConstructs")
    e.set_defaults(run=_export)
    try:
        from .audit import add_arguments
    except ImportError:  # pragma: no cover - audit ships with the package
        add_arguments = None
    if add_arguments is not None:
        a = sub.add_parser("audit", help="credential-report findings for a live account; exit 1 on findings")
        add_arguments(a)
        a.set_defaults(run=_audit)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
