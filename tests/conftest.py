import iam_constructs  # noqa: F401  (silences the jsii Node banner before aws_cdk is imported)
