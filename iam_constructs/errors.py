"""One error type that collects every problem, then raises once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input.

    ``where`` is a construct path (``Stack/Users/jane``) or a file position (``roster.yaml:12``);
    ``field`` is the prop or roster key; ``message`` says what is wrong and how to fix it.
    """

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}"


class IamConstructsError(ValueError):
    """Raised once with every problem found; ``problems`` holds them, one line each."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def show(value: Any) -> str:
    """A short, unambiguous rendering of a bad value for a message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def print_problems(problems: Iterable[Problem]) -> None:
    """One line per problem on stderr: what the CLI and the app print for bad input."""
    import sys
    for problem in problems:
        print(problem, file=sys.stderr)


class ProblemCollector:
    """Gathers problems for one subject (a construct path or a file) and raises once."""

    def __init__(self, where: str):
        self.where = where
        self.problems: list[Problem] = []

    def add(self, field: str, message: str, *, where: str | None = None) -> None:
        self.problems.append(Problem(where or self.where, field, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise IamConstructsError(self.problems)


def check_scope_and_id(scope: Any, id: Any) -> None:
    """Raises unless ``scope`` is a construct and ``id`` a non-empty string: checked before anything
    is claimed or built."""
    from constructs import Construct
    problems = []
    where = getattr(getattr(scope, "node", None), "path", None) or "?"
    if not isinstance(scope, Construct):
        problems.append(Problem(where, "scope", f"{show(scope)} is not a construct; give a Stack or a construct in one"))
    if not isinstance(id, str) or not id:
        problems.append(Problem(where, "id", f"{show(id)} must be a non-empty string"))
    if problems:
        raise IamConstructsError(problems)
