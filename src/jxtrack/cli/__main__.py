"""``python -m jxtrack.cli``: the same program as the ``jxtrack`` command."""

from jxtrack.cli.run import main

raise SystemExit(main())
