# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Quickstart: build an organoid, run it, look at it
#
# A PRAXIS organoid is a pure function of a config and a PRNG key: `init` gives `(params, state)`,
# `simulate` advances the state with `jax.lax.scan`. Nothing is hidden in Python objects, so the state can
# be checkpointed, vmapped and sharded like any pytree.

# %%
import os

import jax
import jax.numpy as jnp
import numpy as np

import praxis_jax as px
from praxis_jax.app import plotting
from praxis_jax.diagnostics import summary
from praxis_jax.topology import choose_topology
from praxis_jax.topology.spectral import eigenvalues

SMALL = os.environ.get("PRAXIS_NOTEBOOK_SMALL") == "1"  # CI runs every notebook at small sizes

# %% [markdown]
# ## The graph: a Singer difference-set expander
# Neighbour `j` of neuron `v` is `(v + s_j) mod N`, computed inside the kernel; nothing is stored but the
# `(D, N)` int8 weights. Its spectrum sits well inside the Ramanujan bound `±2·sqrt(D−1)`.

# %%
topo = choose_topology("singer", 1000, 2.0)
print(topo.describe())
fig, (ax,) = plotting.figure(1)
plotting.spectrum(ax, eigenvalues(topo), topo.degree)

# %% [markdown]
# ## Run it: int8 weights, A-STDP-ET driven by a random modulator, homeostasis on
# `n_outputs=200` makes `simulate` return the activations of the last 200 neurons at every tick.

# %%
cfg = px.PraxisConfig(
    network=px.NetworkConfig(topology=topo, n_outputs=200),
    quant=px.QuantConfig(numerics="int8"),
)
params, state = px.init(cfg, jax.random.PRNGKey(0))
ticks = 300 if SMALL else 3000
run = jax.jit(px.simulate)
mods = 0.1 * jax.random.normal(jax.random.PRNGKey(1), (ticks,))
state, outs = run(params, state, jnp.zeros((ticks, 0)), mods)
print({k: round(v, 3) if isinstance(v, float) else v for k, v in summary(params, state).items()})

# %%
fig, (ax,) = plotting.figure(1)
plotting.activity_heatmap(ax, np.asarray(outs[:200]), title="first 200 ticks, last 200 neurons")

# %% [markdown]
# ## Weights stay Gaussian inside the ±3σ clip; the eligibility is μ-law coded

# %%
codec = px.Codec.from_config(cfg)
sigma, clip = cfg.network.weight_std, cfg.plasticity.clip_sigma * cfg.network.weight_std
e = np.asarray(codec.e(state.short.e))
fig, (ax1, ax2) = plotting.figure(2)
plotting.weight_histogram(ax1, codec.w(state.long.W), sigma, clip)
plotting.weight_histogram(ax2, e, e.std(), cfg.elig_max, name="eligibility")
W = np.asarray(codec.w(state.long.W))
assert np.abs(W).max() <= clip + 1e-6 and state.long.W.dtype == jnp.int8
