"""The roster: a YAML file of groups and users, turned into stacks."""

from __future__ import annotations

from ..errors import Problem
from . import loader, schema
from .builder import Progress, RosterStacks, build, default_stack
from .schema import GroupSpec, Roster, UserSpec, stack_index


def load_roster(path: str) -> tuple[Roster | None, list[Problem]]:
    """Reads and checks a roster file: (roster, []) or (None, every problem, in line order)."""
    data, problems = loader.read(path)
    if problems:
        return None, problems
    return schema.parse(data, path)


__all__ = ["GroupSpec", "Problem", "Progress", "Roster", "RosterStacks", "UserSpec", "build", "default_stack",
           "load_roster", "stack_index"]
