"""The one family of errors a user can act on.

``UserError``: a request the user can correct (a bad period, an unknown region, a refused
permission, a busy database, a catalog file with mistakes); ``str()`` is a Chinese message saying
what is wrong and what to do.  Every such class in the code base derives from it, so the two
boundaries -- the CLI (``jxtrack.cli.run``) and the pages (``jxtrack.ui.common.guard``) -- catch one
family and show the message; anything else is a bug, logged and reported as one.

No imports: the CLI's error boundary is loaded before anything heavy.
"""

from __future__ import annotations


class UserError(Exception):
    """A request the user can correct; ``str()`` is a Chinese message."""

    def lines(self) -> list[str]:
        """The message as the lines to show: one, unless the error lists several problems (each
        line is still made safe by the boundary that prints it)."""
        return [str(self)]
