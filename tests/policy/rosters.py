"""Every test roster, exported once per test session and read back as an Account."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from iam_constructs.export import export
from tests.policy.account import Account

ROOT = Path(__file__).resolve().parents[2]
_TMP = tempfile.TemporaryDirectory(prefix="iam-constructs-policy-")


def _lifecycle_roster() -> Path:
    """The roster the LocalStack tier deploys, as its first version."""
    import yaml

    from tests.integration.test_deploy_lifecycle import bots, people, roster
    path = Path(_TMP.name) / "lifecycle.yaml"
    path.write_text(yaml.safe_dump(roster("policy", people("policy") + bots("policy"))))
    return path


ROSTERS = {
    "example": ROOT / "examples" / "roster.yaml",
    "features": ROOT / "tests" / "judges" / "features.yaml",
    "paths": Path(__file__).with_name("rosters") / "paths.yaml",
    "lifecycle": _lifecycle_roster(),
}


@functools.cache
def account(name: str) -> Account:
    """The roster ``name`` exported (with the rule packs, so it is also clean under them) and read."""
    out = Path(_TMP.name) / name
    code = export(str(ROSTERS[name]), str(out))
    assert code == 0, f"exporting {ROSTERS[name]} failed with exit {code}"
    return Account.from_dir(out)
