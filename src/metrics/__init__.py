"""Pure computation on DataFrames: derive indicators from measures, roll up to the city, and
judge progress against targets (lights, forecasts, context).  No I/O; imports nothing of ours."""

from metrics.derive import DERIVED_COLUMNS, derive
from metrics.periods import needed_periods
from metrics.progress import STATUS_COLUMNS, compute_status, compute_status_periods, group_light
from metrics.targets import select_binding

__all__ = [
    "DERIVED_COLUMNS",
    "STATUS_COLUMNS",
    "compute_status",
    "compute_status_periods",
    "derive",
    "group_light",
    "needed_periods",
    "select_binding",
]
