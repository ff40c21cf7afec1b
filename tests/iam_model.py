"""An IAM that refuses what the real IAM refuses: moto's in-process IAM behind a strict wrapper.

Real IAM refuses ``DeleteUser`` with ``DeleteConflict`` (HTTP 409) while the user still holds
anything. The IAM API reference, DeleteUser: "Unlike the AWS Management Console, when you delete a
user programmatically, you must delete the items attached to the user manually, or the deletion
fails. [...] Before attempting to delete a user, remove the following items: Password
(DeleteLoginProfile), Access keys (DeleteAccessKey), Signing certificate
(DeleteSigningCertificate), SSH public key (DeleteSSHPublicKey), Git credentials
(DeleteServiceSpecificCredential), Multi-factor authentication (MFA) device (DeactivateMFADevice,
DeleteVirtualMFADevice), Inline policies (DeleteUserPolicy), Attached managed policies
(DetachUserPolicy), Group memberships (RemoveUserFromGroup)". And DeleteVirtualMFADevice: "You
must deactivate a user's virtual MFA device before you can delete it", error ``DeleteConflict``
(409) for "a resource that has attached subordinate entities".

moto 5.2 enforces only two of the nine DeleteUser preconditions (inline and attached managed
policies) and none for DeleteVirtualMFADevice; LocalStack enforces none. This model enforces all of
them, in the order of the reference's list, with the message texts real IAM answers (as quoted in
public bug reports: aws-cdk 16511 for MFA, cloud-custodian 1663 for the login profile, aws-nuke 671
for certificates, aws-nuke 522 and 308 for SSH keys and service-specific credentials, which share
one text, s3-credentials 10 for inline policies, userplex 17 for groups). The text real IAM gives
for an assigned virtual MFA device was not found in any public record here; ``MFA_IN_USE`` is the
model's wording, and tests match the error code, not that text.

How: botocore event hooks. ``before-parameter-build.iam.<Op>`` keeps the call's parameters and
``before-call.iam.<Op>`` either answers the call itself (a 409 that botocore turns into the client's
own ``DeleteConflictException``, exactly as a real 409 would be) or lets it through to moto. The
hooks go into ``botocore.handlers.BUILTIN_HANDLERS`` (every botocore session made while the model is
installed has them) and the default boto3 session is reset, so every IAM client made inside the
model is strict, including the ``boto3.client("iam")`` that code under test makes for itself.
The state is read through the IAM API of the same moto backend (list_* calls).

What moto lacks and the model adds: service-specific credentials. moto 5.2 has none of
CreateServiceSpecificCredential, ListServiceSpecificCredentials and
DeleteServiceSpecificCredential; the model keeps them itself (Create, List with Marker/MaxItems
paging, Delete; Update and Reset are not modelled). moto's ListMFADevices, ListGroupsForUser and
the other per-user list calls ignore MaxItems (they never page); its ListVirtualMFADevices pages.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import secrets
import string
from typing import Any, Iterator

import boto3
import botocore.handlers
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

# DeleteUser preconditions in the IAM API reference's order: (what the user holds, IAM's answer).
DELETE_USER_PRECONDITIONS = (
    ("login profile", "Cannot delete entity, must delete login profile first."),
    ("access keys", "Cannot delete entity, must delete access keys first."),
    ("signing certificates", "Cannot delete entity, must delete certificates first."),
    ("SSH public keys", "Cannot delete entity, must remove referenced objects first."),
    ("service-specific credentials", "Cannot delete entity, must remove referenced objects first."),
    ("MFA devices", "Cannot delete entity, must delete MFA device first."),
    ("inline policies", "Cannot delete entity, must delete policies first."),
    ("attached managed policies", "Cannot delete entity, must detach all policies first."),
    ("group memberships", "Cannot delete entity, must remove users from group first."),
)
MFA_IN_USE = "MFA Device is still in use."
_PARAMS = "iam_model_params"


def _answer(status: int, parsed: dict[str, Any]):
    """What ``before-call`` returns to answer a call without sending it: (HTTP response, parsed)."""
    meta = {"HTTPStatusCode": status, "RequestId": secrets.token_hex(16), "HTTPHeaders": {}, "RetryAttempts": 0}
    return AWSResponse("https://iam.amazonaws.com/", status, {}, None), dict(parsed, ResponseMetadata=meta)


def _error(status: int, code: str, message: str):
    return _answer(status, {"Error": {"Type": "Sender", "Code": code, "Message": message}})


def _pages(call, key: str, **params) -> list:
    out, marker = [], {}
    while True:
        page = call(**params, **marker)
        out += page[key]
        if not page.get("IsTruncated"):
            return out
        marker = {"Marker": page["Marker"]}


class IamModel:
    """The strict IAM. ``client`` is a strict IAM client; any other made while installed is too."""

    def __init__(self) -> None:
        self.service_credentials: dict[str, list[dict[str, Any]]] = {}
        self._query = None
        self._ids = itertools.count(1)
        self.client = None

    # -- installation ---------------------------------------------------------------------------
    def _hooks(self) -> list[tuple[str, Any]]:
        answered = {
            "DeleteUser": self._delete_user,
            "DeleteVirtualMFADevice": self._delete_virtual_mfa_device,
            "CreateServiceSpecificCredential": self._create_credential,
            "ListServiceSpecificCredentials": self._list_credentials,
            "DeleteServiceSpecificCredential": self._delete_credential,
        }
        hooks: list[tuple[str, Any]] = []
        for op, answer in answered.items():
            hooks.append((f"before-parameter-build.iam.{op}", _keep_params))
            hooks.append((f"before-call.iam.{op}", _from_context(answer)))
        return hooks

    @contextlib.contextmanager
    def installed(self) -> Iterator["IamModel"]:
        """Inside ``moto.mock_aws()``: every IAM client made in this block is strict."""
        hooks = self._hooks()
        botocore.handlers.BUILTIN_HANDLERS.extend(hooks)
        boto3.DEFAULT_SESSION = None  # the next boto3.client() builds a session with the hooks
        try:
            self._query = boto3.session.Session().client("iam", region_name="us-east-1")
            self.client = boto3.client("iam", region_name="us-east-1")
            yield self
        finally:
            for hook in hooks:
                botocore.handlers.BUILTIN_HANDLERS.remove(hook)
            boto3.DEFAULT_SESSION = None

    # -- what a user holds ---------------------------------------------------------------------
    def _user_exists(self, user: str) -> bool:
        try:
            self._query.get_user(UserName=user)
            return True
        except ClientError as e:
            if e.response["Error"]["Code"] == "NoSuchEntity":
                return False
            raise

    def holdings(self, user: str) -> dict[str, list]:
        """Everything that blocks DeleteUser, by the precondition's name (empty lists: none)."""
        q, u = self._query, {"UserName": user}
        try:
            profile = [q.get_login_profile(**u)["LoginProfile"]["UserName"]]
        except ClientError as e:
            if e.response["Error"]["Code"] != "NoSuchEntity":
                raise
            profile = []
        return dict(zip((name for name, _ in DELETE_USER_PRECONDITIONS), (
            profile,
            [k["AccessKeyId"] for k in _pages(q.list_access_keys, "AccessKeyMetadata", **u)],
            [c["CertificateId"] for c in _pages(q.list_signing_certificates, "Certificates", **u)],
            [k["SSHPublicKeyId"] for k in _pages(q.list_ssh_public_keys, "SSHPublicKeys", **u)],
            [c["ServiceSpecificCredentialId"] for c in self.service_credentials.get(user, [])],
            [d["SerialNumber"] for d in _pages(q.list_mfa_devices, "MFADevices", **u)],
            _pages(q.list_user_policies, "PolicyNames", **u),
            [p["PolicyArn"] for p in _pages(q.list_attached_user_policies, "AttachedPolicies", **u)],
            [g["GroupName"] for g in _pages(q.list_groups_for_user, "Groups", **u)],
        )))

    def assigned_virtual_mfa_devices(self) -> list[str]:
        devices = _pages(self._query.list_virtual_mfa_devices, "VirtualMFADevices", AssignmentStatus="Assigned")
        return [d["SerialNumber"] for d in devices]

    # -- the refusals ------------------------------------------------------------------------------
    def _delete_user(self, params):
        user = params.get("UserName", "")
        if not self._user_exists(user):
            return None  # moto answers NoSuchEntity
        held = self.holdings(user)
        for name, message in DELETE_USER_PRECONDITIONS:
            if held[name]:
                return _error(409, "DeleteConflict", message)
        return None

    def _delete_virtual_mfa_device(self, params):
        if params.get("SerialNumber") in self.assigned_virtual_mfa_devices():
            return _error(409, "DeleteConflict", MFA_IN_USE)
        return None

    # -- service-specific credentials (absent from moto) ---------------------------------------------
    def _no_user(self, user: str):
        return _error(404, "NoSuchEntity", f"The user with name {user} cannot be found.")

    def _create_credential(self, params):
        user, service = params["UserName"], params["ServiceName"]
        if not self._user_exists(user):
            return self._no_user(user)
        credential = {
            "UserName": user, "Status": "Active", "ServiceName": service,
            "ServiceSpecificCredentialId": "ACCA" + "".join(
                secrets.choice(string.ascii_uppercase + string.digits) for _ in range(17)),
            "ServiceUserName": f"{user}-at-{next(self._ids):012d}",
            "CreateDate": datetime.datetime.now(datetime.timezone.utc),
        }
        self.service_credentials.setdefault(user, []).append(credential)
        return _answer(200, {"ServiceSpecificCredential": dict(credential, ServicePassword=secrets.token_urlsafe(30))})

    def _list_credentials(self, params):
        user = params.get("UserName", "")
        if not self._user_exists(user):
            return self._no_user(user)
        found = [c for c in self.service_credentials.get(user, [])
                 if params.get("ServiceName") in (None, c["ServiceName"])]
        start, size = int(params.get("Marker") or 0), int(params.get("MaxItems") or 100)
        page = {"ServiceSpecificCredentials": [dict(c) for c in found[start:start + size]],
                "IsTruncated": start + size < len(found)}
        if page["IsTruncated"]:
            page["Marker"] = str(start + size)
        return _answer(200, page)

    def _delete_credential(self, params):
        user, cid = params.get("UserName", ""), params.get("ServiceSpecificCredentialId")
        held = self.service_credentials.get(user, [])
        if not self._user_exists(user) or cid not in [c["ServiceSpecificCredentialId"] for c in held]:
            return _error(404, "NoSuchEntity", f"No such credential {cid} for user {user}.")
        held[:] = [c for c in held if c["ServiceSpecificCredentialId"] != cid]
        return _answer(200, {})


def _keep_params(params, context, **_):
    context[_PARAMS] = dict(params)


def _from_context(answer):
    def hook(context, **_):
        return answer(context.get(_PARAMS, {}))
    return hook


@contextlib.contextmanager
def strict_iam() -> Iterator[IamModel]:
    """Inside ``moto.mock_aws()``: an ``IamModel`` installed for the block."""
    with IamModel().installed() as model:
        yield model
