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
# # 02 · Learning rules side by side: A-STDP-ET, e-prop, BPTT
#
# One organoid architecture, three ways to learn MNIST-1D (one signal sample per tick, 40 ticks):
# - **A-STDP-ET** (local, three-factor): recurrent weights follow `W += lr·m·e`, the modulator `m` the
#   readout error sent back through fixed random feedback weights; the readout learns by the delta rule.
# - **e-prop** (Bellec et al. 2020): online eligibility traces × learning signal, Adam.
# - **BPTT**: `jax.grad` through the `lax.scan` of the trial, Adam — the gradient reference.
#
# The README's results table has the full-size numbers (`experiments/classify.py`); this is a
# small version that runs in a minute or two.

# %%
import os

import jax

from praxis_jax import plotting
from praxis_jax import init as px_init
from praxis_jax.baselines import fit_bptt, fit_eprop
from praxis_jax.config import TrainConfig
from praxis_jax.learning import fit, init_learner
from praxis_jax.learning.presets import task_organoid
from praxis_jax.tasks import load_mnist1d

SMALL = os.environ.get("PRAXIS_NOTEBOOK_SMALL") == "1"
N, EPOCHS, N_TRAIN = (100, 1, 256) if SMALL else (300, 4, 4000)

data = load_mnist1d()
data = data._replace(x_train=data.x_train[:N_TRAIN], y_train=data.y_train[:N_TRAIN])
print(f"{len(data.y_train)} train / {len(data.y_test)} test signals of {data.ticks} ticks")

# %%
curves = {}
cfg = task_organoid(N, data.n_inputs, "feedback")
params, state = px_init(cfg, jax.random.PRNGKey(0))
learner = init_learner(params, state.long, data.n_classes, jax.random.PRNGKey(1))
_, curves["A-STDP-ET (feedback modulator)"] = fit(params, TrainConfig(modulator="feedback", epochs=EPOCHS),
                                                   learner, data)

# %%
cfg0 = task_organoid(N, data.n_inputs, "none")  # the gradient baselines train the same architecture
params0, state0 = px_init(cfg0, jax.random.PRNGKey(0))
_, curves["e-prop"] = fit_eprop(params0, state0.long, data, EPOCHS)
_, curves["BPTT"] = fit_bptt(params0, state0.long, data, EPOCHS)

# %%
fig, axes = plotting.figure(len(curves))
for ax, (name, history) in zip(axes, curves.items()):
    plotting.learning_curve(ax, history, title=f"{name}, N={cfg.network.n}")
for name, history in curves.items():
    print(f"{name:>32}: test accuracy {100 * history[-1]['test_acc']:.1f}% after {EPOCHS} epoch(s)")
