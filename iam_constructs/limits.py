"""IAM and CloudFormation limits and name patterns, in one table.

Sources: the botocore IAM service model (patterns, lengths) and the IAM quotas page
("IAM and AWS STS quotas"); CloudFormation quotas ("AWS CloudFormation quotas").
"""

from __future__ import annotations

import re

# -- names and paths (botocore: userNameType, groupNameType, pathType) --------------------
# The patterns are Java's, where \w is ASCII only: [A-Za-z0-9_]. Use them with fullmatch (a
# pattern ending in $ accepts a trailing newline).
USER_NAME_MAX = 64
GROUP_NAME_MAX = 128
NAME_PATTERN = re.compile(r"[A-Za-z0-9_+=,.@-]+")
NAME_PUNCTUATION = "_+=,.@-"
PATH_MAX = 512
PATH_PATTERN = re.compile(r"/|/[\x21-\x7E]+/")

# -- tags (botocore: tagKeyType, tagValueType; TagUser maxItems) ---------------------------
TAGS_PER_USER_MAX = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
# tagKeyType [\p{L}\p{Z}\p{N}_.:/=+\-@]+ and tagValueType [\p{L}\p{Z}\p{N}_.:/=+\-@]*: Unicode
# letters, separators and numbers (general categories L*, Z*, N*) and this punctuation. Control
# characters (tab, newline: category Cc) are not among them.
TAG_CATEGORIES = ("L", "Z", "N")
TAG_PUNCTUATION = "_.:/=+-@"
# IAM reserves the "aws:" prefix for tag keys.
TAG_KEY_RESERVED_PREFIX = "aws:"

# -- account-wide quotas --------------------------------------------------------------------
USERS_PER_ACCOUNT_MAX = 5000  # hard
GROUPS_PER_ACCOUNT_DEFAULT = 300  # IamGroup warns past it
GROUPS_PER_ACCOUNT_MAX = 500  # with a quota increase; IamGroup refuses past it
GROUPS_PER_USER_MAX = 10  # hard
MANAGED_POLICIES_PER_GROUP_MAX = 10  # hard
MANAGED_POLICIES_PER_USER_DEFAULT = 10
MANAGED_POLICIES_PER_USER_MAX = 20  # with a quota increase
ACCESS_KEYS_PER_USER_MAX = 2

# -- policy documents (characters, whitespace not counted) ---------------------------------
MANAGED_POLICY_DOCUMENT_MAX = 6144
MANAGED_POLICY_NAME_MAX = 128
# (IAM's inline totals, 2,048 per user and 5,120 per group, are not here: IamUser and IamGroup refuse
# inline policies, and the library writes none to a user or group.)

# -- policy grammar (IAM JSON policy reference: Version, Sid, Action, Resource, Condition) ----
POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
SID_PATTERN = re.compile(r"[A-Za-z0-9]+")
# service:Action, wildcards * and ? in the action part only; or "*" alone.
ACTION_PATTERN = re.compile(r"\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+")
# ARN partitions (botocore data/partitions.json; aws-eusc: the AWS European Sovereign Cloud).
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
# Condition operators; each but Null takes an IfExists suffix and a ForAllValues: or
# ForAnyValue: prefix (for multivalued keys).
CONDITION_OPERATORS = (
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
    "StringNotLike",
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
    "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike")
CONDITION_OPERATOR_ALONE = ("Null",)
CONDITION_SET_PREFIXES = ("ForAllValues:", "ForAnyValue:")
CONDITION_IF_EXISTS = "IfExists"

# -- UpdateAccountPasswordPolicy ------------------------------------------------------------
PASSWORD_MIN_LENGTH_RANGE = (6, 128)
PASSWORD_REUSE_PREVENTION_RANGE = (1, 24)
PASSWORD_MAX_AGE_RANGE = (1, 1095)
PASSWORD_MAX = 128  # the longest password IAM takes (CreateLoginProfile)
ACCESS_KEY_SERIAL_MAX = 2**31 - 1  # AWS::IAM::AccessKey Serial is an Integer

# -- Secrets Manager --------------------------------------------------------------------------
# CreateSecret Name (botocore NameType: 1-512, no pattern in the model; its documentation):
# "ASCII letters, numbers, and the following characters: /_+=.@-". A name ending in a hyphen and
# six characters is confused with the random suffix of the secret's ARN.
SECRET_NAME_MAX = 512
SECRET_NAME_PATTERN = re.compile(r"[A-Za-z0-9/_+=.@-]+")
SECRET_NAME_PUNCTUATION = "/_+=.@-"

# -- CloudWatch Logs: the retention periods a log group accepts, by RetentionDays member -------
LOG_RETENTION_DAY_NAMES = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
    60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS", 150: "FIVE_MONTHS", 180: "SIX_MONTHS",
    365: "ONE_YEAR", 400: "THIRTEEN_MONTHS", 545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1096: "THREE_YEARS",
    1827: "FIVE_YEARS", 2192: "SIX_YEARS", 2557: "SEVEN_YEARS", 2922: "EIGHT_YEARS", 3288: "NINE_YEARS",
    3653: "TEN_YEARS"}
LOG_RETENTION_DAYS = tuple(LOG_RETENTION_DAY_NAMES)

# -- CloudFormation -------------------------------------------------------------------------
STACK_RESOURCES_MAX = 500
# What the roster plans into one user stack: room under STACK_RESOURCES_MAX for the stack's own
# resources (the cleanup function, its role and log group, a placeholder).
STACK_RESOURCES_BUDGET = 480
TEMPLATE_BODY_MAX_BYTES = 1_000_000  # via S3
TEMPLATE_INLINE_MAX_BYTES = 51_200
# The library adds no outputs; it adds a parameter per user with initial_password="parameter".
STACK_PARAMETERS_MAX = 200
# The handlers restate it (they run without this package); their tests hold every answer to it.
CUSTOM_RESOURCE_RESPONSE_MAX_BYTES = 4096
# Inline Lambda code (ZipFile): CloudFormation takes up to 4 MB zipped; it lifted its 4,096-character
# limit in 2022. The library's own budget per handler (_handler_source): small enough to read whole in
# review, and a small part of the template that carries it.
INLINE_HANDLER_BUDGET_CHARS = 8192
