"""Pure logic: property parsing, the remembered previous policy, what a Delete must do."""

PREFIX = "IamPasswordPolicy/previous="
# UpdateAccountPasswordPolicy field -> (low, high) for numbers, None for booleans.
# The last two numbers are optional (absent: passwords never expire / may be reused).
FIELDS = {
    "MinimumPasswordLength": (6, 128),
    "RequireSymbols": None,
    "RequireNumbers": None,
    "RequireUppercaseCharacters": None,
    "RequireLowercaseCharacters": None,
    "AllowUsersToChangePassword": None,
    "HardExpiry": None,
    "MaxPasswordAge": (1, 1095),
    "PasswordReusePrevention": (1, 24),
}
REQUIRED_NUMBER = "MinimumPasswordLength"
ON_DELETE = ("restore", "delete", "retain")


def on_delete(props):
    """The OnDelete property: restore (default), delete or retain."""
    value = props.get("OnDelete", "restore")
    if value not in ON_DELETE:
        raise ValueError(f"OnDelete: {value!r} is not restore, delete or retain")
    return value


def parse(props):
    """ResourceProperties (CloudFormation sends every value as a string) to API arguments: every
    field, always, because the API has no partial update."""
    out = {}
    for name, bounds in FIELDS.items():
        raw = props.get(name)
        text = "" if raw is None else str(raw).strip().lower()
        if bounds is None:
            if text not in ("true", "false"):
                raise ValueError(f"{name}: {raw!r} is not true or false")
            out[name] = text == "true"
        elif text or name == REQUIRED_NUMBER:
            if not (text.isdigit() and bounds[0] <= int(text) <= bounds[1]):
                raise ValueError(f"{name}: {raw!r} is not a whole number in {bounds[0]}-{bounds[1]}")
            out[name] = int(text)
    on_delete(props)
    return out


def from_api(current):
    """GetAccountPasswordPolicy's PasswordPolicy (or None) as UpdateAccountPasswordPolicy arguments."""
    return None if current is None else {k: v for k, v in current.items() if k in FIELDS}


def encode(previous):
    """The physical resource id carries the policy to restore, so no other state is stored."""
    if previous is None:
        return PREFIX + "none"
    return PREFIX + ".".join(str(int(previous.get(name) or 0)) for name in FIELDS)


def decode(physical_id):
    """(found, policy); found is False for an id this handler did not make (a failed Create)."""
    body = physical_id[len(PREFIX):] if str(physical_id).startswith(PREFIX) else ""
    if body == "none":
        return True, None
    values = body.split(".")
    if len(values) != len(FIELDS) or not all(v.isdigit() for v in values):
        return False, None
    return True, {name: (v == "1" if bounds is None else int(v))
                  for (name, bounds), v in zip(FIELDS.items(), values) if bounds is None or int(v)}


def delete_action(mode, physical_id):
    """("nothing" | "delete" | "apply", policy) for a Delete event."""
    found, previous = decode(physical_id)
    if not found or mode == "retain":
        return "nothing", None
    if mode == "delete" or previous is None:
        return "delete", None
    return "apply", previous
