"""``python -m hatch_startifact``: the ``startifact`` command."""

from hatch_startifact.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
