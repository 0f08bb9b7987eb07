"""`python -m magen` is the `magen` command."""

from magen.cli import main

raise SystemExit(main())
