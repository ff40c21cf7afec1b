from iam_constructs import silence_node_banner

silence_node_banner()  # tests start jsii: no Node end-of-life banner in their output
