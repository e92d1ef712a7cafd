"""Build-time checks of config values: each failure names the owner, the field, the value and what is allowed.

``fail(owner, field, value, allowed)`` raises ``ValueError("Owner.field must be <allowed>; got <value>")``;
the checks call it. Imports nothing from praxis_jax, so every module can use it.
"""

from __future__ import annotations

import math


def fail(owner: str, field: str, value, allowed: str):
    """Raise the one error message every config check uses."""
    raise ValueError(f"{owner}.{field} must be {allowed}; got {value!r}")


def check_number(owner, field, value, lo, hi, *, lo_open=False, hi_open=True):
    """``value`` is a finite real (not bool) in the interval lo..hi, each end open or closed."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > lo if lo_open else value >= lo) and (value < hi if hi_open else value <= hi)
    if not ok:
        lb, rb = "(" if lo_open else "[", ")" if hi_open else "]"
        fail(owner, field, value, f"a finite number in {lb}{lo}, {hi}{rb}")


def check_integer(owner, field, value, lo, hi=None):
    """``value`` is an int (not bool) in [lo, hi] (hi None: no upper bound)."""
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= lo and (hi is None or value <= hi)):
        fail(owner, field, value, f"an int in [{lo}, {'inf' if hi is None else hi}]")
