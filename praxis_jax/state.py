"""Params and State pytrees, and ``init(config, key) -> (params, state)``.

State is sorted by lifetime: ``long`` (W, b, homeostasis statistics) survives trials, ``short``
(a, e) is reset between trials. Plastic weights are carried state, not params; ``Params`` holds what
a scan never changes: the config (static), input weights U, the stored index table of gather graphs,
and ``hyper``, the sweepable numbers as float32 arrays (vmap over them to batch hyperparameters).
Everything a resumed run needs is in ``(params, state)``: the tick and the PRNG key live in ``state``.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from praxis_jax.config import PraxisConfig
from praxis_jax.memory import check_fits
from praxis_jax.quant.codec import Codec


class Hyper(NamedTuple):
    """Sweepable scalars (float32 arrays; give them a leading axis and vmap to batch them); each is the
    field of the same name in the PraxisConfig section HYPER_SECTION names."""

    leak: Array
    noise_std: Array
    lr: Array
    decay: Array
    weight_decay: Array
    var_threshold: Array
    bias_rate: Array
    target_rate: Array

    @staticmethod
    def from_config(config: PraxisConfig) -> "Hyper":
        return Hyper(**{f: jnp.asarray(getattr(getattr(config, HYPER_SECTION[f]), f), jnp.float32)
                        for f in Hyper._fields})


HYPER_SECTION = {"leak": "network", "noise_std": "network", "lr": "plasticity", "decay": "plasticity",
                 "weight_decay": "plasticity", "var_threshold": "homeostasis", "bias_rate": "homeostasis",
                 "target_rate": "homeostasis"}


def with_hyper(config: PraxisConfig, field: str, value) -> PraxisConfig:
    """``config`` with the Hyper ``field`` set to ``value``, through that config's own checks (a bad value
    raises their ValueError)."""
    section = HYPER_SECTION[field]
    return dataclasses.replace(config, **{section: dataclasses.replace(getattr(config, section), **{field: value})})


class Params(eqx.Module):
    """What a run never changes.

    Fields:
      config: the PraxisConfig (static).
      U: float32 ``(K, input_neurons)`` input weights.
      table: int32 ``(D, N)`` neighbour table for stored-index graphs, else None.
      hyper: :class:`Hyper`.
    """

    config: PraxisConfig = eqx.field(static=True)
    U: Array
    table: Array | None
    hyper: Hyper


class Short(NamedTuple):
    """Reset between trials. ``a``: ``(N,)`` float32 or int8; ``e``: ``(D, N)`` float32 or μ-law int8 (``(0, N)``
    in a trial that traces nothing, see :func:`rest`); ``eps``: e-prop's eligibility vector ε ``(D, N)``, coded
    as e, when ``PlasticityConfig.pre = "eprop"``, else None."""

    a: Array
    e: Array
    eps: Array | None


class Long(NamedTuple):
    """Survives trials. ``W``: ``(D, N)`` float32 or int8; ``b``, ``rate``, ``var``: ``(N,)`` float32."""

    W: Array
    b: Array
    rate: Array
    var: Array


class State(NamedTuple):
    """Full carried state: ``long``, ``short``, ``tick`` (int32 scalar), ``key`` (uint32 ``(2,)``)."""

    long: Long
    short: Short
    tick: Array
    key: Array


def init(config: PraxisConfig, key: Array) -> tuple[Params, State]:
    """Fresh params and state.

    W ~ N(0, σ_w²) clipped to ±clip_sigma·σ_w (σ_w = gain/sqrt(D)), U ~ N(0, input_gain²/K), b = 0,
    a = 2·tanh(z/2) with z ~ N(0, 1), e = 0, rate = 0, var = 1, tick = 0.
    """
    if not isinstance(config, PraxisConfig):
        raise ValueError(f"init.config must be a PraxisConfig; got {type(config).__name__}")
    check_fits(config, "init")
    net, pl = config.network, config.plasticity
    codec = Codec.from_config(config)
    n, d, k = net.n, net.degree, net.n_inputs
    key, k_w, k_u, k_a = jax.random.split(key, 4)
    bound = pl.clip_sigma * net.weight_std

    def row(k):  # one edge row at a time, so the float32 draw never holds all D·N weights at once
        return codec.store_w(jnp.clip(net.weight_std * jax.random.normal(k, (n,), jnp.float32), -bound, bound), None)

    W = jax.lax.map(row, jax.random.split(k_w, d))
    U = net.input_gain / np.sqrt(max(k, 1)) * jax.random.normal(k_u, (k, net.n_in), jnp.float32)
    a = 2.0 * jnp.tanh(jax.random.normal(k_a, (n,), jnp.float32) / 2.0)
    table = net.topology.make_table()
    params = Params(
        config=config, U=U, table=None if table is None else jnp.asarray(table), hyper=Hyper.from_config(config)
    )
    state = State(
        long=Long(
            W=W,
            b=jnp.zeros(n, jnp.float32),
            rate=jnp.zeros(n, jnp.float32),
            var=jnp.ones(n, jnp.float32),
        ),
        short=rest(config)._replace(a=codec.store_a(a)),
        tick=jnp.zeros((), jnp.int32),
        key=key,
    )
    return params, state


def inference(params: Params) -> Params:
    """``params`` for ticks that only read the organoid: plasticity and homeostasis disabled, noise off
    (evaluation trials, features for a fitted readout)."""
    cfg = params.config
    cfg = dataclasses.replace(cfg, plasticity=dataclasses.replace(cfg.plasticity, enabled=False),
                              homeostasis=dataclasses.replace(cfg.homeostasis, enabled=False))
    return Params(config=cfg, U=params.U, table=params.table,
                  hyper=params.hyper._replace(noise_std=jnp.zeros_like(params.hyper.noise_std)))


def rest(config: PraxisConfig, learn: bool = True) -> Short:
    """The short state at rest (a trial's start): a = 0, e = 0 ``(D, N)``, ε = 0.

    With ``learn`` False the eligibility is ``(0, N)``: a trial whose ticks do not learn (plasticity
    disabled) never reads it, so an evaluation over many trials does not hold D·N values per trial.
    """
    net = config.network
    codec = Codec.from_config(config)
    e_dtype = jnp.int8 if codec.int8 else jnp.float32
    traced = net.degree if learn else 0
    return Short(a=jnp.zeros(net.n, codec.a_dtype), e=jnp.zeros((traced, net.n), e_dtype),
                 eps=jnp.zeros((traced, net.n), e_dtype) if config.plasticity.pre == "eprop" else None)


def dense_weights(params: Params, state: State) -> np.ndarray:
    """The (N, N) float matrix M with ``M[i, j]`` = total weight of edges i -> j (small N only).

    With it, ``v = leak·a + a @ M + x @ U' + b`` can be checked by hand.
    """
    topo = params.config.network.topology
    W = np.asarray(Codec.from_config(params.config).w(state.long.W))  # (D, N)
    nbrs = np.asarray(topo.neighbors(jnp.arange(topo.n), params.table))  # (N, D)
    M = np.zeros((topo.n, topo.n), np.float32)
    np.add.at(M, (nbrs.T, np.broadcast_to(np.arange(topo.n), W.shape)), W)
    return M
