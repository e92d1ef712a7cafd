"""The rule protocol: a factory closes over static choices and returns a pair of pure functions."""

from __future__ import annotations

from typing import Callable, NamedTuple


class Rule(NamedTuple):
    """``init(W) -> e``; ``update(pre, post, m, e, W, hyper, tick, seed) -> (W, e)`` (see each rule)."""

    init: Callable
    update: Callable
