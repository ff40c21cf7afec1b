"""Cleanup before CloudFormation deletes an IAM user: the ``Custom::IamUserCleanup`` handler.

One resource per user, whose properties Ref the user, so CloudFormation deletes it before the user
(on stack delete, and in the cleanup phase of an update that removed or replaced the user)::

    UserName:             {Ref: <the user>}
    UserLogicalId:        <the user's logical id>
    StackAccessKeys:      [{Ref: <each AWS::IAM::AccessKey of the stack for this user>}]   (key ids)
    StackLoginProfile:    "true" | "false"   (the stack made the login profile)
    StackGroups:          [group names the stack put the user in]
    StackManagedPolicies: [policy ARNs the stack attached]

Its Delete, when CloudFormation itself deletes the resource and the user leaves with it (the stack
is being deleted, or the stack's current template no longer holds that user under that logical id
and name), deactivates every MFA device (and deletes the virtual ones, so their names can be
reused), deletes SSH public keys, signing certificates, service-specific credentials, inline
policies, the access keys not listed, the login profile unless the stack made it, detaches the
managed policies not listed and removes the user from the groups not listed: what the stack made is
left to CloudFormation. A user who stays (the cleanup switched off, so its resource left the
template; a failed update rolling back the cleanup resources it added) is left as it is. Create and
Update change nothing. The code is inline (``inline_source``, the modules as written): one
function per user stack, no asset bucket.
"""

from .handler.bundle import inline_source
from .handler.plan import PREFIX as PHYSICAL_ID_PREFIX
from .handler.plan import TYPE as RESOURCE_TYPE

# Every IAM action the handler calls, by the resource type IAM authorizes it on (IAM's Service
# Authorization Reference): scope "user" to the users of the function's stack (user/<path>*),
# "mfa" to arn:<partition>:iam::<account>:mfa/*, "group" to the groups a user may be in.
IAM_ACTIONS = {
    "user": (
        "iam:GetUser", "iam:DeleteLoginProfile",
        "iam:ListMFADevices", "iam:DeactivateMFADevice",
        "iam:ListSSHPublicKeys", "iam:DeleteSSHPublicKey",
        "iam:ListSigningCertificates", "iam:DeleteSigningCertificate",
        "iam:ListServiceSpecificCredentials", "iam:DeleteServiceSpecificCredential",
        "iam:ListAccessKeys", "iam:DeleteAccessKey",
        "iam:ListUserPolicies", "iam:DeleteUserPolicy",
        "iam:ListAttachedUserPolicies", "iam:DetachUserPolicy",
        "iam:ListGroupsForUser",
    ),
    "mfa": ("iam:DeleteVirtualMFADevice",),
    "group": ("iam:RemoveUserFromGroup",),
}
# Deciding a Delete, on the function's own stack: the resource's record (is CloudFormation deleting
# it?), then the stack's status and current template (is the user leaving?).
CLOUDFORMATION_ACTIONS = ("cloudformation:DescribeStackResource", "cloudformation:DescribeStacks",
                          "cloudformation:GetTemplate")

__all__ = ["CLOUDFORMATION_ACTIONS", "IAM_ACTIONS", "PHYSICAL_ID_PREFIX", "RESOURCE_TYPE", "inline_source"]
