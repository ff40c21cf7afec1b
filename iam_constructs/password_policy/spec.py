"""The account password policy as plain data: CIS defaults, IAM's ranges, the API mapping."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from .. import limits
from ..defaults import CIS_PASSWORD_POLICY
from ..errors import ProblemCollector, show

_D: Mapping[str, Any] = CIS_PASSWORD_POLICY  # ints and bools (read as dict[str, int]); each field states its type


@dataclass(frozen=True, kw_only=True)
class PasswordPolicy:
    """An IAM account password policy. Every default is the CIS benchmark value.

    :param minimum_length: 6-128. Default: 14.
    :param require_uppercase / require_lowercase / require_numbers / require_symbols: character
        classes every password must contain. Default: all True.
    :param max_age_days: 1-1095, or None for passwords that never expire. Default: 90.
    :param reuse_prevention: 1-24 previous passwords that may not be reused, or None. Default: 24.
    :param allow_users_to_change: users may change their own password. Default: True.
    :param hard_expiry: an expired password cannot be changed by its user (an admin must reset it).
        Default: False.
    """

    minimum_length: int = _D["minimum_length"]
    require_uppercase: bool = _D["require_uppercase"]
    require_lowercase: bool = _D["require_lowercase"]
    require_numbers: bool = _D["require_numbers"]
    require_symbols: bool = _D["require_symbols"]
    max_age_days: int | None = _D["max_age_days"]
    reuse_prevention: int | None = _D["reuse_prevention"]
    allow_users_to_change: bool = _D["allow_users_to_change"]
    hard_expiry: bool = _D["hard_expiry"]

    def problems(self, where: str, field_prefix: str = "") -> ProblemCollector:
        """Every value outside IAM's ranges, as problems (nothing raised)."""
        p = ProblemCollector(where)
        _int_in(p, field_prefix + "minimum_length", self.minimum_length, limits.PASSWORD_MIN_LENGTH_RANGE, False)
        _int_in(p, field_prefix + "max_age_days", self.max_age_days, limits.PASSWORD_MAX_AGE_RANGE, True)
        _int_in(p, field_prefix + "reuse_prevention", self.reuse_prevention,
                limits.PASSWORD_REUSE_PREVENTION_RANGE, True)
        for f in ("require_uppercase", "require_lowercase", "require_numbers", "require_symbols",
                  "allow_users_to_change", "hard_expiry"):
            value = getattr(self, f)
            if not isinstance(value, bool):
                p.add(field_prefix + f, f"{show(value)} must be true or false")
        return p

    def to_api(self) -> dict[str, Any]:
        """Keyword arguments for ``UpdateAccountPasswordPolicy``: every field, always (the API has
        no partial update; an omitted field reverts to IAM's default)."""
        out: dict[str, Any] = {
            "MinimumPasswordLength": self.minimum_length,
            "RequireSymbols": self.require_symbols,
            "RequireNumbers": self.require_numbers,
            "RequireUppercaseCharacters": self.require_uppercase,
            "RequireLowercaseCharacters": self.require_lowercase,
            "AllowUsersToChangePassword": self.allow_users_to_change,
            "HardExpiry": self.hard_expiry,
        }
        if self.max_age_days is not None:
            out["MaxPasswordAge"] = self.max_age_days
        if self.reuse_prevention is not None:
            out["PasswordReusePrevention"] = self.reuse_prevention
        return out

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "PasswordPolicy":
        """Builds from a mapping whose keys are already known to be field names."""
        return cls(**dict(values))


def _int_in(p: ProblemCollector, field: str, value: Any, bounds: tuple[int, int], nullable: bool) -> None:
    lo, hi = bounds
    if value is None and nullable:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        p.add(field, f"{show(value)} must be a whole number from {lo} to {hi}" + (" or null" if nullable else ""))
    elif not lo <= value <= hi:
        p.add(field, f"{value} is out of range; IAM accepts {lo}-{hi}" + (" or null" if nullable else ""))
