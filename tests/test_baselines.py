"""Gradient and linear baselines: gradients that agree with finite differences, and learning that could fail."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax.baselines import Theta, batch_loss, fit_bptt
from praxis_jax.baselines.bptt import init_bptt
from praxis_jax.learning import init_readout
from praxis_jax.topology import singer
from test_learning import _cfg, _toy_task


def test_bptt_gradient_matches_finite_differences():
    """Directional derivative of the batch loss along a random direction: autodiff vs central differences."""
    cfg = _cfg(lr=0.0)
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
    cfg = _cfg(lr=0.0)
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    st, history = fit_bptt(params, state.long, _toy_task(jax.random.PRNGKey(1)), epochs=2, batch_size=16, lr=1e-2)
    assert history[0]["loss"] > history[-1]["loss"] and history[-1]["test_acc"] >= 0.95
    assert not np.allclose(st.theta.W, state.long.W)


def test_bptt_refuses_int8():
    cfg = px.PraxisConfig(network=px.NetworkConfig(topology=singer(7), n_inputs=2),
                          quant=px.QuantConfig(numerics="int8"))
    params, state = px.init(cfg, jax.random.PRNGKey(0))
    import optax

    with pytest.raises(ValueError, match="BPTT needs QuantConfig.numerics = 'float32'.*got 'int8'"):
        init_bptt(params, state.long, 2, optax.adam(1e-3), jax.random.PRNGKey(0))
