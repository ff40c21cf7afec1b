"""jsii's Node end-of-life banner, silenced by the programs that start jsii (``app.py`` and the
``iam-constructs`` CLI), never by importing the library: a library does not write its importer's
environment, and import order is no contract.

jsii prints the banner from the Node process it starts at the first ``import aws_cdk``, unless
JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION lists the running Node major (comma-separated), so
the call must come before that import. Listing the majors is enough; no ``node --version`` is run.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

# Node majors past end of life (or reaching it within this release's life): 14-20 are, 22 will be
# in April 2027. A major that is not end-of-life is never warned about, listed or not.
END_OF_LIFE_MAJORS = "14,16,18,20,22"


def silence_node_banner(environ: MutableMapping[str, str] | None = None) -> None:
    """Silences jsii's Node version banners in ``environ`` (the process environment), keeping any
    value already set. Call it before the first ``import aws_cdk``."""
    env = os.environ if environ is None else environ
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", END_OF_LIFE_MAJORS)
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    env.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
