"""The surrogate-gradient SNN baseline: exact LIF forward pass, the pseudo-derivative, and that it learns."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from praxis_jax.baselines.snn import SLOPE, default_lif, fit_snn, init_snn, snn_spikes, spike
from praxis_jax.spiking import LIFConfig, lif_init, lif_step
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
