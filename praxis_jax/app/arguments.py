"""Command-line argument types shared by the ``praxis`` subcommands."""

from __future__ import annotations

import argparse
import math


def bounded(kind: type, lo, hi=None):
    """An argparse ``type``: a ``kind`` (int or float) in [lo, hi] (hi None: no upper bound), finite."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {'an int' if kind is int else 'a number'}; got {text!r}")
        if not (math.isfinite(value) and value >= lo and (hi is None or value <= hi)):
            raise argparse.ArgumentTypeError(f"must be in [{lo}, {'inf' if hi is None else hi}]; got {text}")
        return value

    return parse
