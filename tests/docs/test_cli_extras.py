"""A subcommand whose package is not installed says what to install and exits 2 (1 means findings),
with no traceback; the other subcommands and every --help keep working."""

from __future__ import annotations

import importlib.util
import sys
import types

import pytest

from iam_constructs import cli


def test_audit_without_boto3_names_the_extra(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "boto3" else real(name, *a))
    assert cli.main(["audit"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("iam-constructs audit: needs the Python package 'boto3', which is not installed; "
                   "pip install 'iam-constructs[aws]'")


def test_a_command_module_that_cannot_import_still_has_help_and_exits_2(monkeypatch, capsys):
    broken = types.ModuleType("iam_constructs_test_broken")

    def add_arguments(parser):
        import boto3_not_here  # noqa: F401

    broken.add_arguments = add_arguments
    monkeypatch.setitem(sys.modules, broken.__name__, broken)
    monkeypatch.setattr(cli, "MODULE_COMMANDS", (*cli.MODULE_COMMANDS, ("broken", broken.__name__, "test")))
    with pytest.raises(SystemExit) as e:
        cli.main(["--help"])
    assert e.value.code == 0 and "broken" in capsys.readouterr().out
    assert cli.main(["broken", "--anything"]) == 2
    err = capsys.readouterr().err
    assert "needs the Python package 'boto3_not_here'" in err and "reinstall iam-constructs" in err


def test_a_missing_package_raised_while_running_is_exit_2(monkeypatch, capsys):
    failing = types.ModuleType("iam_constructs_test_failing")
    failing.add_arguments = lambda parser: None

    def run_cli(args):
        raise ModuleNotFoundError("No module named 'botocore'", name="botocore")

    failing.run_cli = run_cli
    monkeypatch.setitem(sys.modules, failing.__name__, failing)
    monkeypatch.setattr(cli, "MODULE_COMMANDS", (*cli.MODULE_COMMANDS, ("failing", failing.__name__, "test")))
    assert cli.main(["failing"]) == 2
    assert "pip install 'iam-constructs[aws]'" in capsys.readouterr().err
