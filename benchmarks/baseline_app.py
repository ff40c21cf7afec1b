"""The baseline: plain Python L2, per user one iam.User and one secretsmanager.Secret, 200 users per
stack, no rule packs."""

import sys

import iam_constructs

iam_constructs.silence_node_banner()  # before aws_cdk starts jsii, as app.py does

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as sm

n, outdir = int(sys.argv[1]), sys.argv[2]
app = cdk.App(outdir=outdir)
for start in range(0, n, 200):
    stack = cdk.Stack(app, f"Baseline{start // 200:03d}")
    for i in range(start, min(n, start + 200)):
        iam.User(stack, f"U{i}", user_name=f"user{i:05d}")
        sm.Secret(stack, f"S{i}")
app.synth()
