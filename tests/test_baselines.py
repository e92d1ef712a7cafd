"""Gradient and linear baselines: gradients that agree with finite differences, and learning that could fail."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from test_learning import _cfg, _toy_task

import praxis_jax as px
from praxis_jax.baselines import Theta, batch_loss, eprop_grad, fit_bptt, fit_eprop
from praxis_jax.learning import init_readout


def test_bptt_gradient_matches_finite_differences():
    """Directional derivative of the batch loss along a random direction: autodiff vs central differences."""
    cfg = _cfg(plastic=False)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    long = state.long
    data = _toy_task(jax.random.PRNGKey(1), s=8, t=6)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    R = jax.random.normal(jax.random.PRNGKey(2), (57, 2))
    theta = Theta(long.W, params.U, long.b, init_readout(57, 2)._replace(R=R))
    g = jax.grad(batch_loss)(theta, params, long, x, y)
    d = jax.tree.map(lambda a: jax.random.normal(jax.random.PRNGKey(3), a.shape), theta)
    eps = 1e-3
    plus = jax.tree.map(lambda a, v: a + eps * v, theta, d)
    minus = jax.tree.map(lambda a, v: a - eps * v, theta, d)
    fd = (batch_loss(plus, params, long, x, y) - batch_loss(minus, params, long, x, y)) / (2 * eps)
    ad = sum(jnp.vdot(a, v) for a, v in zip(jax.tree.leaves(g), jax.tree.leaves(d)))
    np.testing.assert_allclose(ad, fd, rtol=1e-2)
    assert abs(float(ad)) > 1e-2 and float(jnp.abs(g.W).max()) > 0 and float(jnp.abs(g.U).max()) > 0


def test_bptt_learns_toy_task():
    cfg = _cfg(plastic=False)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    st, history = fit_bptt(params, state.long, _toy_task(jax.random.PRNGKey(1)), epochs=2, batch_size=16, lr=1e-2)
    assert history[0]["loss"] > history[-1]["loss"] and history[-1]["test_acc"] >= 0.95
    assert not np.allclose(st.theta.W, state.long.W)


@pytest.mark.parametrize("fit", [fit_bptt, fit_eprop], ids=["bptt", "eprop"])
@pytest.mark.parametrize("cfg, msg", [
    (_cfg("int8", plastic=False), "needs QuantConfig.numerics = 'float32'.*got 'int8'"),
    (_cfg(), r"needs PlasticityConfig.enabled = False \(it trains W itself\); got True"),
    (_cfg(plastic=False, homeostasis=True), "needs HomeostasisConfig.enabled = False"),
    (_cfg(plastic=False, noise=0.1), r"needs NetworkConfig.noise_std = 0 \(its trials run without noise\); got 0.1"),
], ids=["int8", "plastic", "homeostasis", "noise"])
def test_gradient_baselines_refuse_what_they_cannot_honour_before_work(fit, cfg, msg):
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match=msg):
        fit(params, state.long, _toy_task(jax.random.PRNGKey(1)), epochs=1)


def _grads(W_scale):
    cfg = _cfg(plastic=False)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    long = state.long._replace(W=W_scale * state.long.W, b=0.1 * jnp.arange(57.0) / 57)
    data = _toy_task(jax.random.PRNGKey(1), s=8, t=7)
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    R = jax.random.normal(jax.random.PRNGKey(2), (57, 2))
    theta = Theta(long.W, params.U, long.b, init_readout(57, 2)._replace(R=R))
    loss_e, g_e = eprop_grad(theta, params, long, x, y)
    loss_a, g_a = jax.value_and_grad(batch_loss)(theta, params, long, x, y)
    np.testing.assert_allclose(loss_e, loss_a, rtol=1e-6)
    return g_e, g_a


def test_eprop_equals_autodiff_without_recurrent_paths():
    """W = 0: a_j depends on W_ij only through its own leak, so the factorisation is exact."""
    g_e, g_a = _grads(0.0)
    for name in ("W", "U", "b"):
        np.testing.assert_allclose(getattr(g_e, name), getattr(g_a, name), rtol=1e-4, atol=1e-6, err_msg=name)
    chex.assert_trees_all_close(g_e.readout, g_a.readout, rtol=1e-5, atol=1e-7)
    assert float(jnp.abs(g_a.W).max()) > 1e-4


def test_eprop_approximates_autodiff_with_recurrence():
    """W ≠ 0: e-prop drops paths through other neurons; it stays aligned with the gradient, not equal."""
    g_e, g_a = _grads(1.0)
    cos = float(jnp.vdot(g_e.W, g_a.W) / (jnp.linalg.norm(g_e.W) * jnp.linalg.norm(g_a.W)))
    assert 0.3 < cos < 0.9999, cos


def test_eprop_learns_toy_task():
    cfg = _cfg(plastic=False)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    _, history = fit_eprop(params, state.long, _toy_task(jax.random.PRNGKey(1)), epochs=2, batch_size=16, lr=1e-2)
    assert history[0]["loss"] > history[-1]["loss"] and history[-1]["test_acc"] >= 0.95


@pytest.mark.parametrize("fit", [fit_bptt, fit_eprop], ids=["bptt", "eprop"])
@pytest.mark.parametrize("train", [("W",), ("U", "b"), ("W", "U", "b")], ids=["W", "U+b", "all"])
def test_gradient_baselines_learn_only_the_parameters_named_in_train(fit, train):
    """The ablation "U and b learned or frozen": a parameter left out of ``train`` ends bit-equal to its
    initial value, one named in it moves, and the readout always learns."""
    cfg = _cfg(plastic=False)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    long = state.long._replace(b=0.1 * jnp.arange(57.0) / 57)
    st, history = fit(params, long, _toy_task(jax.random.PRNGKey(1), s=64, t=6), 2, batch_size=16, lr=1e-2,
                      train=train)
    start = {"W": long.W, "U": params.U, "b": long.b}
    for name, before in start.items():
        after = np.asarray(getattr(st.theta, name))
        if name in train:
            assert not np.array_equal(after, np.asarray(before)), name
        else:
            np.testing.assert_array_equal(after, np.asarray(before), err_msg=name)
    assert float(jnp.abs(st.theta.readout.R).max()) > 0 and history[-1]["loss"] < history[0]["loss"]


@pytest.mark.parametrize("fit", [fit_bptt, fit_eprop], ids=["bptt", "eprop"])
@pytest.mark.parametrize("bad", ["W", ("W", "W"), ("W", "readout"), ("w",), (1,)])
def test_gradient_baselines_refuse_a_bad_train_before_work(fit, bad):
    params, state = px.init(_cfg(plastic=False), jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match=r"train must be distinct names from \('W', 'U', 'b'\).*got "):
        fit(params, state.long, _toy_task(jax.random.PRNGKey(1)), epochs=1, train=bad)


@pytest.mark.parametrize("fit", [fit_bptt, fit_eprop], ids=["bptt", "eprop"])
def test_gradient_baseline_resumed_from_checkpoint_equals_uninterrupted(tmp_path, fit):
    """θ, the Adam state and the key go through an orbax checkpoint; the resumed run ends bit for bit."""
    from praxis_jax import checkpoint

    cfg = _cfg(plastic=False)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    data = _toy_task(jax.random.PRNGKey(1), s=64, t=6)
    kw = dict(batch_size=16, lr=1e-2)
    full, h_full = fit(params, state.long, data, 3, **kw)
    fit(params, state.long, data, 1, **kw,
        on_epoch=lambda r, st: checkpoint.save(str(tmp_path), r["epoch"], st, cfg, {"history": [r]}))
    fresh, _ = fit(params, state.long, data, 0, **kw)  # an untrained GradState: the structure to restore into
    step, st, meta = checkpoint.restore_latest(str(tmp_path), fresh, cfg)
    resumed, h = fit(params, state.long, data, 3, **kw, state=st, history=meta["history"])
    assert step == 1 and [r["epoch"] for r in h] == [1, 2, 3]
    chex.assert_trees_all_equal(resumed, full)
    assert [r["loss"] for r in h] == [r["loss"] for r in h_full]


@pytest.mark.parametrize("algorithm", ["eprop", "pp_prop"])
def test_braintrace_peer_learns_toy_task(algorithm):
    """The external online-learning peer (optional extra online-peers) trains its rate RNN on the toy task."""
    pytest.importorskip("braintrace")
    from praxis_jax.baselines.braintrace_rnn import fit_braintrace

    history = fit_braintrace(_toy_task(jax.random.PRNGKey(0), s=256, t=6), 16, 3, algorithm, lr=3e-2, batch_size=16)
    assert [r["epoch"] for r in history] == [1, 2, 3] and history[0]["compile_s"] > 0
    assert history[-1]["loss"] < history[0]["loss"] and history[-1]["test_acc"] >= 0.9, history
    with pytest.raises(ValueError, match="fit_braintrace.algorithm must be one of"):
        fit_braintrace(_toy_task(jax.random.PRNGKey(0), s=64, t=6), 16, 1, "bptt")
