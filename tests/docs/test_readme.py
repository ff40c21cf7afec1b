"""The README is executable: what a reader pastes from it works as printed.

- Every ```python block is a whole program: it carries its imports and calls ``app.synth()``
  itself, and it synthesizes with 0 unacknowledged findings under AwsSolutions, NIST 800-53 R5 and
  IamConstructs (run_snippets.py attaches the three packs, the judge, and nothing else).
  A block marked ```python fragment is a piece shown alone that needs names from a larger app;
  it is compiled (so it is at least Python) but not run, and there may be at most one.
- Every roster (a ```yaml block starting with ``version:``) passes ``iam-constructs validate``.
- Every ``iam-constructs ...`` command line of a shell block parses, and every ``make`` target
  named exists in the Makefile.
- The versions the Install section states are the ones this checkout pins and runs.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shlex
import subprocess
import sys
import tomllib

import pytest

from tests.docs.readme import README, ROOT, describe, python_blocks, rosters, run_snippets, shell_lines

pytestmark = pytest.mark.xdist_group("readme")

RUNNABLE = [b for b in python_blocks() if not b.fragment]
FRAGMENTS = [b for b in python_blocks() if b.fragment]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = run_snippets(sys.executable, RUNNABLE, tmp_path_factory.mktemp("readme"))
    return {r["line"]: r for r in out}


def test_the_readme_has_python_blocks_and_fragments_are_rare():
    assert len(RUNNABLE) >= 10
    assert len(FRAGMENTS) <= 1, [f"README.md:{b.line}" for b in FRAGMENTS]


@pytest.mark.parametrize("block", RUNNABLE, ids=[f"line{b.line}" for b in RUNNABLE])
def test_python_block_is_a_whole_program(block):
    assert re.search(r"^(import|from) \S+", block.code, re.M), f"README.md:{block.line}: no import"
    assert re.search(r"^app\.synth\(\)", block.code, re.M), f"README.md:{block.line}: no app.synth()"
    assert "..." not in block.code, f"README.md:{block.line}: a placeholder a reader cannot run"


@pytest.mark.parametrize("block", RUNNABLE, ids=[f"line{b.line}" for b in RUNNABLE])
def test_python_block_synthesizes_with_no_unacknowledged_finding(block, results):
    assert describe(results[block.line]) == ""


def test_fragments_are_python():
    for block in FRAGMENTS:  # not run: a fragment needs names its surrounding app defines
        compile(block.code, f"README.md:{block.line}", "exec")


@pytest.mark.parametrize("block", rosters(), ids=[f"line{b.line}" for b in rosters()])
def test_roster_example_validates(block, tmp_path):
    roster = tmp_path / "roster.yaml"
    roster.write_text(block.code, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "iam_constructs.cli", "validate", str(roster)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, f"README.md:{block.line}: the roster example is refused:\n{proc.stderr}"


def test_the_readme_has_a_roster_example():
    assert rosters()


def _cli_lines():
    out = []
    for line, command in shell_lines():
        argv = shlex.split(command)
        if argv and re.fullmatch(r"(\S*/)?iam-constructs", argv[0]):
            out.append((line, argv[1:]))
    return out


@pytest.mark.parametrize("line,argv", _cli_lines(), ids=[f"line{n}" for n, _ in _cli_lines()])
def test_cli_command_line_parses(line, argv):
    from iam_constructs.cli import parser
    try:
        parser().parse_args(argv)
    except SystemExit as e:
        pytest.fail(f"README.md:{line}: iam-constructs {' '.join(argv)}: argparse refuses it (exit {e.code})")


def test_the_readme_names_every_subcommand():
    from iam_constructs.cli import MODULE_COMMANDS
    named = {argv[0] for _, argv in _cli_lines() if argv}
    for command in ("validate", "export", *(name for name, _, _ in MODULE_COMMANDS)):
        assert command in named or f"iam-constructs {command}" in README.read_text(), command


def test_make_targets_named_exist():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([A-Za-z0-9_.-]+):", makefile, re.M))
    named = [(line, t) for line, command in shell_lines() if command.split()[:1] == ["make"]
             for t in command.split()[1:] if not t.startswith("-") and "=" not in t]
    assert named
    for line, target in named:
        assert target in targets, f"README.md:{line}: make {target}: no such target in the Makefile"


def test_install_section_states_the_versions_this_checkout_runs():
    text = README.read_text()
    cli = json.loads((ROOT / "node_modules" / "aws-cdk" / "package.json").read_text())["version"]
    assert f"{cli} pinned" in text, f"the README must name the pinned CDK CLI {cli}"
    schema = importlib.metadata.version("aws-cdk.cloud-assembly-schema").split(".")[0]
    assert f"schema {schema}" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lib_floor = next(d for d in project["dependencies"] if d.startswith("aws-cdk-lib"))
    floor = re.search(r">=\s*(\d+\.\d+)", lib_floor).group(1)
    assert f"aws-cdk-lib | {floor} " in text
    assert f"Python ≥ {project['requires-python'].lstrip('>=')}" in text
    assert "boto3" in str(project["optional-dependencies"]["aws"]) and "iam-constructs[aws]" in text


def test_the_licence_ships():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text() and "Version 2.0" in (ROOT / "LICENSE").read_text()


def test_what_the_readme_says_cdk_deploy_needs_is_what_the_assembly_asks(tmp_path):
    """The roster app's assembly: a template URL in the CDK asset bucket means `cdk deploy`
    uploads there (the README must say bootstrap is needed); no other asset than the templates."""
    import aws_cdk as cdk

    from iam_constructs.roster import build, load_roster
    roster_file = tmp_path / "roster.yaml"
    roster_file.write_text(rosters()[0].code, encoding="utf-8")
    roster, problems = load_roster(str(roster_file))
    assert not problems
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    build(app, roster)
    app.synth()
    out = tmp_path / "cdk.out"
    manifest = json.loads((out / "manifest.json").read_text())
    stacks = {k: v for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack"}
    uploads = [k for k, v in stacks.items() if "stackTemplateAssetObjectUrl" in v.get("properties", {})]
    text = " ".join(README.read_text().split())
    if uploads:
        assert "cdk-hnb659fds-assets-<account>-<region>" in text and "`cdk bootstrap` creates" in text
    else:
        assert "need no CDK bootstrap" in text, "the assembly no longer needs the asset bucket: say so"
    for assets in out.glob("*.assets.json"):
        files = json.loads(assets.read_text()).get("files", {})
        sources = [f["source"].get("path", "") for f in files.values()]
        assert all(s.endswith(".template.json") for s in sources), (assets.name, sources)
    for template in out.glob("*.template.json"):
        assert template.stat().st_size < 51_200, template.name
