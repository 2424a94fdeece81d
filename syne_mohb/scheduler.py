"""Kept for ``from syne_mohb.scheduler import MOASHA`` (docs, examples): MO-ASHA lives in
:mod:`syne_mohb.schedulers.moasha`."""
from syne_mohb.schedulers.moasha import *  # noqa: F401,F403
