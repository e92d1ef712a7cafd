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
# # 03 · Sweeps and checkpoints
#
# **Sweeps**: a grid of hyperparameters × seeds becomes one vmapped, compiled program (split into
# chunks that fit in memory). **Checkpoints**: a run folder keeps its resolved config and an orbax
# checkpoint after every epoch; resuming continues bit for bit, and a damaged checkpoint is skipped with
# a warning naming it. The same things from the shell: `praxis sweep`, `praxis run`, `praxis resume`.

# %%
import json
import os
import shutil
import tempfile
from pathlib import Path

import jax

import praxis_jax as px
from praxis_jax import checkpoint
from praxis_jax.app import configfile, plotting
from praxis_jax.learning import sweep
from praxis_jax.config import TrainConfig
from praxis_jax.app.job import load_task, run_job, settings
from praxis_jax.learning import init_learner

SMALL = os.environ.get("PRAXIS_NOTEBOOK_SMALL") == "1"
work = Path(tempfile.mkdtemp(prefix="praxis-nb03-"))

# %% [markdown]
# ## A sweep of the A-STDP-ET learning rate × trace decay, 2 seeds each

# %%
spec = configfile.loads(f"""
[run]
n_train = {256 if SMALL else 1000}
[topology]
n = {60 if SMALL else 300}
[train]
modulator = "readout"
epochs = {1 if SMALL else 2}
""")
data = load_task(spec.run)
hypers, seed_ids, rows = sweep.grid(spec.praxis, 2, lr=[0.3, 1.0, 3.0], decay=[0.9, 1.0])
chunk = sweep.batch_size(spec.praxis, spec.train, data.ticks, len(rows))
print(f"{len(rows)} configurations, {chunk} per program")
params, learners = sweep.sweep_init(spec.praxis, hypers, seed_ids, data.n_classes, jax.random.PRNGKey(0))
_, history = sweep.sweep_fit(params, spec.train, learners, data, chunk=chunk)
table = sweep.tidy(rows, history)

# %%
fig, (ax1, ax2) = plotting.figure(2)
plotting.sweep_curve(ax1, sweep.summarize(table, "lr"), "lr")
plotting.sweep_heatmap(ax2, table, "lr", "decay")

# %% [markdown]
# ## A run that stops after one epoch, then resumes

# %%
short = spec._replace(train=TrainConfig(modulator="readout", epochs=1))
long = spec._replace(train=TrainConfig(modulator="readout", epochs=2))
run_job(short, work / "run", quiet=True)
print("saved epochs:", checkpoint.steps(str(work / "run" / "checkpoints")))
resumed = run_job(long, work / "run", resume=True, quiet=True)
straight = run_job(long, work / "straight", quiet=True)
same = [r["test_acc"] for r in resumed["history"]] == [r["test_acc"] for r in straight["history"]]
print("resumed run equals the uninterrupted one:", same)
assert same

# %% [markdown]
# ## A damaged newest checkpoint is detected and skipped

# %%
newest = max(checkpoint.steps(str(work / "run" / "checkpoints")))
for f in (work / "run" / "checkpoints" / str(newest)).rglob("*"):
    if f.is_file() and f.stat().st_size > 1000:
        f.write_bytes(b"\0" * f.stat().st_size)  # zero a data file
params0, state0 = px.init(long.praxis, jax.random.PRNGKey(0))
like = init_learner(params0, state0.long, data.n_classes, jax.random.PRNGKey(0))  # the structure to restore into
step, _, meta = checkpoint.restore_latest(str(work / "run" / "checkpoints"), like, settings(long))
print(f"newest good checkpoint: epoch {step} (epoch {newest} was damaged)")
assert step < newest
print(json.dumps(meta["history"][-1], indent=1))
shutil.rmtree(work)
