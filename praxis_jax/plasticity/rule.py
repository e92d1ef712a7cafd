"""The one interface of every plasticity rule: a pair of pure functions, in the shape of optax's
``GradientTransformation``.

    rule = pair_stdp(topology)                      # a factory: astdp_et.rule, pair_stdp, triplet_stdp,
                                                    # reward_stdp, sampled_hebbian
    state = rule.init(W, key)                       # the rule's own state (traces, eligibility, its key)
    W, state = rule.update(pre, post, modulator, state, W, hyper)

``pre`` ``(N_pre,)`` and ``post`` ``(N_post,)`` are one value a neuron, always: this tick's presynaptic and
postsynaptic activity (spikes, rates or factors, as each rule's docstring says). A rule on a topology
gathers ``pre`` to its edges itself (weights ``(D, N)``, ``pre[j, v] = pre[neighbors(v)[j]]``); a dense rule
broadcasts it (weights ``(N_pre, N_post)``). ``modulator`` is the third factor (None, a scalar or
``(N_post,)``; rules without one ignore it). ``hyper`` holds the rule's numbers as float32 arrays (a config's
``hyper()``), so ``jax.vmap`` sweeps them. ``key`` seeds the rule's randomness (stochastic rounding,
sampling); rules without randomness ignore it. Both functions are pure: jit, vmap and scan compatible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from jaxtyping import Array


class Rule(NamedTuple):
    """``init(W, key) -> state``; ``update(pre, post, modulator, state, W, hyper) -> (W, state)``."""

    init: Callable[[Array, Array | None], Any]
    update: Callable[[Array, Array, Array | None, Any, Array, Any], tuple[Array, Any]]
