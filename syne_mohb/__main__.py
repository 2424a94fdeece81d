"""``python -m syne_mohb``: the ``syne-mohb`` command line (:mod:`syne_mohb.cli`)."""
from syne_mohb.cli import main

raise SystemExit(main())
