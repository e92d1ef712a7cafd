# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Learning rules side by side: W fixed, A-STDP-ET in W, e-prop, BPTT
#
# One organoid, the same local readout (the delta rule on the time-mean activity), four ways to treat its
# recurrent weights W on MNIST-1D (one signal sample per tick, 40 ticks):
# - **W fixed**: a reservoir; only the readout learns.
# - **A-STDP-ET** (local, three-factor): `e = decay·e + pre·post`, `W += lr·m·e`, with the post factor
#   `f'(v) = 1 − (a/2)²`, the trace summed over the trial (decay 1) and the learning signal `m_j` the
#   readout's own output error sent back to neuron j through the readout's weights; W is updated once per
#   batch. The same with fixed random feedback weights instead of the readout's is the ablation.
# - **e-prop** (Bellec et al. 2020): eligibility traces × learning signal, Adam on W, U, b and the readout.
# - **BPTT**: `jax.grad` through the `lax.scan` of the trial, Adam — the gradient reference.
#
# The recurrent-learning study (`experiments/recurrent_learning/`) has the full-size numbers; this is a
# small version that runs in a few minutes.

# %%
import os

import jax

from praxis_jax.app import plotting
from praxis_jax import init as px_init
from praxis_jax.baselines import fit_bptt, fit_eprop
from praxis_jax.config import TrainConfig
from praxis_jax.learning import fit, init_learner
from praxis_jax.app.presets import task_organoid
from praxis_jax.tasks import load_mnist1d

SMALL = os.environ.get("PRAXIS_NOTEBOOK_SMALL") == "1"
N, EPOCHS, N_TRAIN = (100, 1, 256) if SMALL else (300, 4, 4000)

data = load_mnist1d()
data = data._replace(x_train=data.x_train[:N_TRAIN], y_train=data.y_train[:N_TRAIN])
print(f"{len(data.y_train)} train / {len(data.y_test)} test signals of {data.ticks} ticks")

# %%
curves = {}
for name, modulator in [("W fixed", "none"), ("A-STDP-ET, readout error", "readout"),
                        ("A-STDP-ET, random feedback", "feedback")]:
    post = {"post": "fprime", "decay": 1.0} if modulator == "feedback" else {}
    cfg = task_organoid(N, data.n_inputs, modulator, ticks=data.ticks, **post)  # the same initial organoid
    params, state = px_init(cfg, jax.random.PRNGKey(0))
    learner = init_learner(params, state.long, data.n_classes, jax.random.PRNGKey(1))
    tc = TrainConfig(modulator=modulator, epochs=EPOCHS, readout_lr=0.1, lr_decay=True)
    _, curves[name] = fit(params, tc, learner, data)

# %%
cfg0 = task_organoid(N, data.n_inputs, "none", ticks=data.ticks)  # the gradient learners train the same organoid
params0, state0 = px_init(cfg0, jax.random.PRNGKey(0))
_, curves["e-prop"] = fit_eprop(params0, state0.long, data, EPOCHS)
_, curves["BPTT"] = fit_bptt(params0, state0.long, data, EPOCHS)

# %%
fig, (ax,) = plotting.figure(1)
plotting.compare_curves(ax, curves, title=f"MNIST-1D, N={cfg0.network.n}")
for name, history in curves.items():
    print(f"{name:>28}: test accuracy {100 * history[-1]['test_acc']:.1f}% after {EPOCHS} epoch(s)")
