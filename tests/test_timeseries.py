"""Time-series tasks, the echo state network baseline and the ridge forecast readout."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax.baselines import esn_states, init_esn
from praxis_jax.learning import run_trial
from praxis_jax.learning.forecast import forecast_nrmse
from praxis_jax.tasks.timeseries import NARMA10, SERIES, load_series, nrmse
from praxis_jax.topology import choose_topology


@pytest.mark.parametrize("name", SERIES)
def test_series_shapes_determinism_and_alignment(name):
    s, again = load_series(name, n_timesteps=500), load_series(name, n_timesteps=500)
    assert s.u.dtype == np.float32 and s.y.dtype == np.float32 and s.u.shape == s.y.shape
    np.testing.assert_array_equal(s.u, again.u)
    np.testing.assert_array_equal(s.y, again.y)
    if name != "narma10":  # a forecast: the target is the input shifted by the horizon
        h = load_series(name, n_timesteps=500, horizon=3)
        np.testing.assert_array_equal(h.y[:-3], h.u[3:])
        np.testing.assert_array_equal(s.y[:-1], s.u[1:])


def test_narma10_follows_its_recurrence():
    s = load_series("narma10", n_timesteps=300)
    u, y = s.u[:, 0].astype(np.float64), s.y[:, 0].astype(np.float64)
    t = np.arange(20, 300)  # y[t] = y(t'+1) for input u[t] = u(t')
    ref = (NARMA10["a1"] * y[t - 1] + NARMA10["a2"] * y[t - 1] * np.array([y[i - 11:i - 1].sum() for i in t])
           + NARMA10["b"] * u[t - 10] * u[t] + NARMA10["c"])
    np.testing.assert_allclose(ref, y[t], rtol=1e-5, atol=1e-6)


def test_bad_series_arguments_are_named():
    with pytest.raises(ValueError, match="name must be one of"):
        load_series("lorenz")
    with pytest.raises(ValueError, match="horizon must be 1 for narma10"):
        load_series("narma10", horizon=2)
    with pytest.raises(ValueError, match="train_frac must be in"):
        load_series("mackey_glass", train_frac=1.5)


def test_nrmse_is_range_normalised():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    assert nrmse(y, y) == 0.0
    assert nrmse(y, y + 0.3) == pytest.approx(0.1)


def test_esn_matches_a_numpy_loop_and_forecasts_mackey_glass():
    s = load_series("mackey_glass", n_timesteps=1000)
    esn = init_esn(jax.random.PRNGKey(0), 50, 1)
    assert np.max(np.abs(np.linalg.eigvals(np.asarray(esn.W, np.float64)))) == pytest.approx(1.25, rel=1e-4)
    X = np.asarray(esn_states(esn, jnp.asarray(s.u)))
    W, W_in, x, ref = (np.asarray(esn.W, np.float64), np.asarray(esn.W_in, np.float64), np.zeros(50), [])
    for u_t in s.u.astype(np.float64):
        x = 0.7 * x + 0.3 * np.tanh(W_in @ u_t + W @ x)
        ref.append(x)
    np.testing.assert_allclose(X, np.array(ref), atol=1e-4)
    err = forecast_nrmse(X, s)
    assert err < 0.05 and err < 0.2 * forecast_nrmse(np.zeros_like(X) + s.u, s)  # far better than persistence


def test_organoid_forecast_beats_persistence_in_both_numerics():
    s = load_series("mackey_glass", n_timesteps=1000)
    persistence = nrmse(s.y[s.n_train:], s.u[s.n_train:])
    for numerics in ("float32", "int8"):
        net = px.NetworkConfig(topology=choose_topology("singer", 57, k=2), n_inputs=1, leak=0.2, gain=0.8,
                               input_gain=0.5)
        params, state = px.init(px.PraxisConfig(network=net, quant=px.QuantConfig(numerics=numerics)),
                                jax.random.PRNGKey(0))
        A, _ = run_trial(params, state.long, jnp.asarray(s.u), jax.random.PRNGKey(1), False)
        assert forecast_nrmse(A, s) < 0.2 * persistence, numerics
    with pytest.raises(ValueError, match="validation must be in"):
        forecast_nrmse(A, s, validation=s.n_train)
