"""Sweeps: the vmapped program equals one run per configuration; grids, chunking and memory sizing."""

import dataclasses

import chex
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from test_learning import _cfg, _toy_task

import praxis_jax as px
from praxis_jax.config import TrainConfig
from praxis_jax.learning import fit, init_learner, sweep


def test_grid_is_the_product_times_seeds_and_rejects_unknown_fields():
    cfg = _cfg()
    hypers, seeds, rows = sweep.grid(cfg, 2, lr=[1e-3, 1e-2], decay=[0.5, 0.9, 0.95])
    assert len(rows) == 12 and hypers.lr.shape == (12,) and seeds.tolist() == [0, 1] * 6
    assert rows[3] == {"lr": 1e-3, "decay": 0.9, "seed": 1}
    np.testing.assert_allclose(hypers.decay[3], 0.9) and np.testing.assert_allclose(hypers.leak, cfg.network.leak)
    with pytest.raises(ValueError, match=r"unknown hyperparameters \['gain'\]"):
        sweep.grid(cfg, 1, gain=[1.0])


def test_an_int8_decay_sweep_needs_an_explicit_eligibility_bound():
    """The int8 eligibility bound 4/(1 − decay) is static: a sweep over decay would keep the base config's, so
    it is refused unless QuantConfig.elig_max is set (then every value shares that bound, as one run would)."""
    cfg = _cfg()
    int8 = dataclasses.replace(cfg, quant=px.QuantConfig(numerics="int8"))
    with pytest.raises(ValueError, match=r"sweep.grid.decay = 0.5: QuantConfig.elig_max must be set when decay"):
        sweep.grid(int8, 1, decay=[cfg.plasticity.decay, 0.5])
    bounded = dataclasses.replace(cfg, quant=px.QuantConfig(numerics="int8", elig_max=8.0))
    assert len(sweep.grid(bounded, 1, decay=[0.5, 0.9])[2]) == 2
    assert len(sweep.grid(cfg, 1, decay=[0.5, 0.9])[2]) == 2  # float32: no bound in use


def test_sweep_equals_one_run_per_configuration():
    chunk = 3  # 4 configurations in chunks of 3 and 1
    cfg = _cfg(noise=0.1, update_every=6)
    data = _toy_task(jax.random.PRNGKey(0), s=64, t=6)
    tc = TrainConfig(modulator="reward", batch_size=8, epochs=2)
    hypers, seeds, rows = sweep.grid(cfg, 2, lr=[1e-3, 3e-2])
    key = jax.random.PRNGKey(5)
    params, learners = sweep.sweep_init(cfg, hypers, seeds, 2, key)
    out, history = sweep.sweep_fit(params, tc, learners, data, chunk=chunk)
    assert len(history[-1]["test_acc"]) == 4
    for i, row in enumerate(rows):
        k_init, k_learn = jax.random.split(jax.random.fold_in(key, row["seed"]))
        p, st = px.init(cfg, k_init)
        p = eqx.tree_at(lambda q: q.hyper.lr, p, jnp.float32(row["lr"]))
        one, hist = fit(p, tc, init_learner(p, st.long, 2, k_learn), data)
        chex.assert_trees_all_close(jax.tree.map(lambda a: a[i], out), one, atol=2e-5, rtol=1e-5)
        assert abs(hist[-1]["test_acc"] - history[-1]["test_acc"][i]) <= 1 / 32
    tidy = sweep.tidy(rows, history)
    assert len(tidy) == 8 and set(sweep.summarize(tidy, "lr")) == {1e-3, 3e-2}


def test_batch_size_fits_the_memory_estimate(monkeypatch):
    cfg = _cfg()
    tc = TrainConfig(batch_size=8)
    per = sweep.bytes_per_config(cfg, tc, ticks=10)
    monkeypatch.setattr(sweep, "available_bytes", lambda: 10 * per)
    assert sweep.batch_size(cfg, tc, 10, total=64) == 5
    assert sweep.batch_size(cfg, tc, 10, total=3) == 3
    monkeypatch.setattr(sweep, "available_bytes", lambda: per // 10)
    assert sweep.batch_size(cfg, tc, 10, total=64) == 1
