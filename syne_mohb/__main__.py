"""``python -m syne_mohb``: the ``syne-mohb`` command line (:mod:`syne_mohb.cli`)."""
if __name__ == "__main__":
    from syne_mohb.cli import main

    raise SystemExit(main())
