"""The surrogate-gradient SNN baseline: exact LIF forward pass, the pseudo-derivative, and that it learns."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from praxis_jax.baselines.snn import (
    SLOPE,
    default_lif,
    fit_snn,
    init_snn,
    snn_logits,
    snn_spikes,
    spike,
)
from praxis_jax.spiking.neurons import LIFConfig, lif_init, lif_step
from praxis_jax.tasks import load_digits


def test_forward_pass_is_the_library_lif_and_recurrence():
    cfg = default_lif()
    theta = init_snn(jax.random.PRNGKey(0), 3, 20, 2, cfg)
    theta = theta._replace(W_in=theta.W_in * 4.0, b=jnp.full(20, 0.02))  # drive it to spike
    xs = jax.random.uniform(jax.random.PRNGKey(1), (30, 3))
    S = np.asarray(snn_spikes(theta, cfg, xs))
    st, s, ref = lif_init(cfg, 20), jnp.zeros(20), []
    for x in xs:  # the library's LIF tick, fed the same current
        st, s = lif_step(cfg, st, x @ theta.W_in + s.astype(jnp.float32) @ theta.W_rec + theta.b)
        ref.append(np.asarray(s))
    assert 0 < S.sum() < S.size
    np.testing.assert_array_equal(S, np.array(ref, np.float32))


def test_surrogate_derivative_is_the_fast_sigmoid():
    u = jnp.array([-0.5, -0.1, 0.0, 0.2])
    assert np.array_equal(np.asarray(spike(u)), [0.0, 0.0, 1.0, 1.0])
    g = jax.vmap(jax.grad(lambda x: spike(x)))(u)
    np.testing.assert_allclose(g, 1.0 / (1.0 + SLOPE * np.abs(np.asarray(u))) ** 2, rtol=1e-6)


def test_refuses_a_lif_it_cannot_differentiate():
    with pytest.raises(ValueError, match="t_ref = 0"):
        init_snn(jax.random.PRNGKey(0), 2, 4, 2, LIFConfig.biophysical())


def test_learns_digits():
    _, h = fit_snn(load_digits(), 64, 6, lr=1e-2)
    assert h[0]["test_acc"] < 0.5 < h[-1]["test_acc"]  # chance is 0.1; 6 epochs reach ~0.7
    assert h[-1]["loss"] < 0.8 * h[0]["loss"]


def test_membrane_readout_is_the_max_of_leaky_output_units():
    """logits_c = max_t u_c(t), u(t) = d·u(t−1) + (1 − d)·(s(t)·R + c) from u = 0: a numpy loop on the same
    spikes (and the spike readout: time-mean spikes · R + c)."""
    cfg = default_lif()
    theta = init_snn(jax.random.PRNGKey(0), 3, 20, 4, cfg)
    theta = theta._replace(W_in=theta.W_in * 4.0, b=jnp.full(20, 0.02),
                           readout=theta.readout._replace(R=jax.random.normal(jax.random.PRNGKey(2), (20, 4)),
                                                          c=jnp.array([0.1, -0.2, 0.0, 0.3])))
    x = jax.random.uniform(jax.random.PRNGKey(1), (2, 30, 3))
    z = np.asarray(snn_logits(theta, cfg, x, "membrane"))
    d = np.exp(-cfg.dt / cfg.tau)
    R, c = np.asarray(theta.readout.R, np.float64), np.asarray(theta.readout.c, np.float64)
    for b in range(2):
        S = np.asarray(snn_spikes(theta, cfg, x[b]), np.float64)
        assert 0 < S.sum() < S.size
        u, best = np.zeros(4), np.full(4, -np.inf)
        for s in S:
            u = d * u + (1 - d) * (s @ R + c)
            best = np.maximum(best, u)
        np.testing.assert_allclose(z[b], best, rtol=1e-5, atol=1e-6)
    spikes = np.asarray(snn_logits(theta, cfg, x, "spikes"))
    S = np.asarray(jax.vmap(lambda xs: snn_spikes(theta, cfg, xs))(x), np.float64)
    np.testing.assert_allclose(spikes, S.mean(1) @ R + c, rtol=1e-5, atol=1e-6)


def test_learns_digits_with_the_membrane_readout():
    _, h = fit_snn(load_digits(), 64, 6, lr=1e-2, readout="membrane")
    assert h[0]["test_acc"] < 0.5 < h[-1]["test_acc"] and h[-1]["loss"] < 0.8 * h[0]["loss"], h


@pytest.mark.parametrize("bad", ["max", "", None])
def test_refuses_an_unknown_readout_before_work(bad):
    with pytest.raises(ValueError, match=r"fit_snn readout must be one of \('spikes', 'membrane'\); got "):
        fit_snn(load_digits(), 64, 1, readout=bad)
