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


# The longest test files first. `make test` runs `-n 2 --dist loadfile`: xdist hands whole
# files to the two workers in collection order, so a long file collected late (alphabetical
# order puts test_ray_backend.py after most others) leaves the other worker idle at the end.
# Longest first, the rest in their usual order, lets both workers finish together. Only the
# order changes; a file missing from this list runs after these.
_LONGEST_FIRST = ("test_ray_backend.py", "test_durable.py", "test_html_report.py",
                  "test_late_units.py", "test_sagemaker_moto.py", "test_report_groups.py",
                  "test_durable_sagemaker.py",
                  "test_user_benchmark.py", "test_cli_errors.py", "test_durable_everyday.py")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: k for k, name in enumerate(_LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable within a file
