import os
import sys

# make the brute-force references (tests/_reference.py) and the moto helpers importable
sys.path.insert(0, os.path.dirname(__file__))

# Session fixtures of the moto server and the fake SageMaker cluster, registered here once:
# importing them into several test modules would create one server and one patched cluster per
# module, and two installed clusters would both run every job.
from sagemaker_fixtures import (  # noqa: E402,F401
    aws_credentials,
    cluster,
    make_backend,
    moto_server,
    sm,
    test_clients,
)
from sagemaker_example import example  # noqa: E402,F401  (the SageMaker example as a module)
