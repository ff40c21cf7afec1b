"""Runs README snippets as pasted, each in a fresh namespace and its own working directory.

    python run_snippets.py SNIPPETS.json RESULTS.json

SNIPPETS.json is a list of ``{"line": N, "code": "..."}``. This script imports nothing from the
repository: the wheel test runs it with a venv's python outside the checkout, so the snippets
import the installed package.

What it adds around a snippet is only the judge, never something a reader needs: every
``aws_cdk.App.synth`` also attaches the three rule packs (AwsSolutions, NIST 800-53 R5,
IamConstructs), and the cloud assembly it writes is read afterwards for unacknowledged findings.
A snippet that never calls ``app.synth()`` fails.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback


def main(snippets_path: str, results_path: str) -> int:
    import iam_constructs
    iam_constructs.silence_node_banner()
    import aws_cdk as cdk
    from iam_constructs.synth import add_rule_packs, unacknowledged

    synthesized: list[str] = []
    original_synth = cdk.App.synth

    attaches_own_packs = False

    def judged_synth(self, *args, **kwargs):
        if not attaches_own_packs:  # a snippet that shows how to attach the packs is judged by its own
            add_rule_packs(self)
        synthesized.append(self.outdir)
        return original_synth(self, *args, **kwargs)

    cdk.App.synth = judged_synth

    snippets = json.loads(open(snippets_path, encoding="utf-8").read())
    results = []
    for snippet in snippets:
        synthesized.clear()
        attaches_own_packs = all(pack in snippet["code"] for pack in
                                 ("AwsSolutionsChecks(app)", "NIST80053R5Checks(app)", "IamConstructsChecks()"))
        result = {"line": snippet["line"], "error": None, "findings": [], "synthesized": 0,
                  "module": iam_constructs.__file__}
        with tempfile.TemporaryDirectory(prefix="readme-snippet-") as cwd:
            os.chdir(cwd)
            try:
                code = compile(snippet["code"], f"README.md:{snippet['line']}", "exec")
                exec(code, {"__name__": "__main__"})  # noqa: S102 - the README's own code
            except BaseException:  # noqa: BLE001 - reported per snippet, the others still run
                result["error"] = traceback.format_exc(limit=8)
            finally:
                os.chdir(os.path.dirname(os.path.abspath(results_path)))
            result["synthesized"] = len(synthesized)
            for outdir in synthesized:
                result["findings"].extend(unacknowledged(outdir))
        results.append(result)
    with open(results_path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
