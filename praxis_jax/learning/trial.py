"""Trials: T ticks from rest through the engine's :func:`praxis_jax.simulate.step`, B of them in lockstep.

A trial starts from rest (a = 0, e = 0, p = 0: :func:`praxis_jax.state.rest`) and runs T ticks of
``step`` with its own inputs ``x(t)`` and PRNG key. A batch of B trials runs in lockstep against one
shared long state (``jax.vmap`` with the axis name :data:`TRIALS`): within the batch W changes only on the
ticks where the plasticity's schedule updates it, with the batch mean ``⟨m·e⟩``, and homeostasis uses
batch-mean statistics (see :mod:`praxis_jax.simulate`). Every field of the organoid's config acts here as
in ``simulate``; one trial run through :func:`run_trials` equals ``simulate`` from rest tick for tick.

The learning signal m of a tick comes from a :class:`Signal`, a pair of pure functions over a per-trial
carry (a trainer's readout error, a reward at the trial's end, ...).
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array

from praxis_jax.quant.codec import Codec
from praxis_jax.simulate import pad_lanes, step, unpad_lanes
from praxis_jax.state import Long, Params, State, inference, rest

TRIALS = "trials"  # the vmap axis of a lockstep batch


class Signal(NamedTuple):
    """A learning signal computed inside a trial from its own activity.

    ``init(data) -> carry`` from the trial's ``data`` (its label, ...); at tick t (0-based) with input
    ``x`` ``(K,)``, the next input ``x_next`` (zeros at the last tick) and this tick's float32 activations
    ``post`` ``(N,)``: ``m(carry, t, post)`` gives the signal ``()`` or ``(N,)`` and
    ``update(carry, t, x_next, post)`` the next carry. Both may use collectives over :data:`TRIALS`.
    """

    init: Callable[[Any], Any]
    m: Callable[[Any, Array, Array], Array]
    update: Callable[[Any, Array, Array, Array], Any]


ZERO_SIGNAL = Signal(lambda data: (), lambda c, t, post: jnp.zeros((), jnp.float32), lambda c, t, x_next, post: c)


def run_trials(params: Params, long: Long, tick: Array, xs: Array, keys: Array, signal: Signal = ZERO_SIGNAL,
               data: Any = None) -> tuple[Long, Array]:
    """Run B trials from rest in lockstep.

    Args:
      params: :class:`Params`.  long: the shared long state at the batch's start.
      tick: int32 ``()``, the organoid's tick at the batch's start (the plasticity and homeostasis
        schedules count from it).
      xs: ``(B, T, K)`` inputs.  keys: ``(B, 2)`` PRNG keys (noise and stochastic rounding of each trial).
      signal: the learning signal (:class:`Signal`; not used when plasticity is disabled).
      data: per-trial pytree with a leading ``B`` axis for ``signal.init`` (or None).
    Returns:
      ``(long, A)``: the long state after the batch and the activations ``(B, T, N)`` float32.
    """
    cfg = params.config
    n = cfg.network.n
    codec = Codec.from_config(cfg)
    learn = cfg.plasticity.enabled
    zeros = jnp.zeros((1,) + xs.shape[2:], xs.dtype)

    def trial(x, key, d):
        state = pad_lanes(State(long=long, short=rest(cfg, learn), tick=tick, key=key))
        x_next = jnp.concatenate([x[1:], zeros])

        def body(carry, inp):
            st, c = carry
            t, x_t, xn = inp
            st, _ = step(params, st, x_t, lambda post: signal.m(c, t, post[:n]), TRIALS)
            post = codec.a(st.short.a)[:n]
            return (st, signal.update(c, t, xn, post)), post

        steps = (jnp.arange(x.shape[0]), x, x_next)
        (state, _), A = jax.lax.scan(body, (state, signal.init(d)), steps)
        return unpad_lanes(state, n).long, A

    return jax.vmap(trial, in_axes=(0, 0, 0), out_axes=(None, 0), axis_name=TRIALS)(xs, keys, data)


def reservoir_states(params: Params, long: Long, xs: Array) -> Array:
    """The activations ``(T, N)`` float32 of one trial from rest on inputs ``xs`` ``(T, K)`` with the organoid
    only read (:func:`praxis_jax.state.inference`): the states a fitted readout (ridge, forecasting) reads."""
    return run_trials(inference(params), long, jnp.zeros((), jnp.int32), xs[None], jax.random.PRNGKey(0)[None])[1][0]
