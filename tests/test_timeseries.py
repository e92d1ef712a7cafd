"""Time-series tasks, the echo state network baseline and the ridge forecast readout."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import praxis_jax as px
from praxis_jax.baselines import esn_states, init_esn
from praxis_jax.learning import reservoir_states
from praxis_jax.learning.forecast import error_rule_pass, forecast_nrmse, seed_rule_pass
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
        A = reservoir_states(params, state.long, jnp.asarray(s.u))
        assert forecast_nrmse(A, s) < 0.2 * persistence, numerics
    with pytest.raises(ValueError, match="validation must be in"):
        forecast_nrmse(A, s, validation=s.n_train)


def _quiet_organoid(lr: float, numerics: str = "float32", **rule):
    net = px.NetworkConfig(topology=choose_topology("singer", 57, k=2), n_inputs=1)
    cfg = px.PraxisConfig(network=net, plasticity=px.PlasticityConfig(lr=lr, **rule),
                          homeostasis=px.HomeostasisConfig(enabled=False), quant=px.QuantConfig(numerics=numerics))
    return px.init(cfg, jax.random.PRNGKey(0))


def test_seed_rule_pass_matches_a_numpy_nlms_reference():
    """With lr = 0 (W cannot move) the surprise s and modulator m equal an independent numpy loop of the
    normalised-LMS predictor and the relative-surprise modulator over the reservoir's activations."""
    s = load_series("mackey_glass", n_timesteps=200)
    params, state = _quiet_organoid(0.0)
    state = state._replace(short=state.short._replace(a=jnp.zeros_like(state.short.a)))  # from rest, as a trial
    new, surprise, mod = jax.jit(seed_rule_pass)(params, state, jnp.asarray(s.u), jnp.asarray(s.y))
    np.testing.assert_array_equal(np.asarray(new.long.W), np.asarray(state.long.W))
    A = reservoir_states(params, state.long, jnp.asarray(s.u))
    A = np.concatenate([np.zeros((1, 57)), np.asarray(A, np.float64)])  # a(t−1) for t = 0..T−1
    P, p, ebar, ref_s, ref_m = np.zeros((57, 1)), np.zeros(1), 0.0, [0.0], [0.0]
    for t in range(1, len(s.u)):
        a = A[t]
        eps = a @ P + p - s.y[t - 1]
        st = float(np.mean(eps**2))
        ref_m.append((ebar - st) / (ebar + st + 1e-12) if t > 1 else 0.0)
        g = 0.5 / (a @ a + 1.0)
        P, p = P - g * np.outer(a, eps), p - g * eps
        ebar = st if t == 1 else 0.99 * ebar + 0.01 * st
        ref_s.append(st)
    np.testing.assert_allclose(np.asarray(surprise), ref_s, rtol=2e-3, atol=1e-7)
    np.testing.assert_allclose(np.asarray(mod), ref_m, rtol=2e-3, atol=2e-3)
    assert np.abs(np.asarray(mod)).max() <= 1.0
    assert np.asarray(surprise)[-50:].mean() < 0.1 * np.asarray(surprise)[1:51].mean()  # the predictor learns


def test_error_rule_pass_signal_is_the_prediction_error_through_the_predictor():
    """lr = 0: the online predictor's squared errors equal a numpy NLMS loop over the reservoir's states;
    lr > 0: W moves by A-STDP-ET with m_j(t) = −Σ_k P_jk ε_k(t) (checked on the first ticks by hand)."""
    s = load_series("mackey_glass", n_timesteps=200)
    params, state = _quiet_organoid(0.0, post="fprime", decay=0.0)
    state = state._replace(short=state.short._replace(a=jnp.zeros_like(state.short.a)))
    new, err = jax.jit(error_rule_pass)(params, state, jnp.asarray(s.u), jnp.asarray(s.y))
    np.testing.assert_array_equal(np.asarray(new.long.W), np.asarray(state.long.W))
    A = np.asarray(reservoir_states(params, state.long, jnp.asarray(s.u)), np.float64)
    P, p, ref = np.zeros((57, 1)), np.zeros(1), []
    for t in range(len(s.u)):
        eps = A[t] @ P + p - s.y[t]
        ref.append(float((eps**2).sum()))
        g = 0.5 / (A[t] @ A[t] + 1.0)
        P, p = P - g * np.outer(A[t], eps), p - g * eps
    np.testing.assert_allclose(np.asarray(err), ref, rtol=2e-3, atol=1e-7)
    assert np.mean(ref[-50:]) < 0.2 * np.mean(ref[:50])  # the predictor learns
    params, state = _quiet_organoid(1e-2, post="fprime", decay=0.0)
    state = state._replace(short=state.short._replace(a=jnp.zeros_like(state.short.a)))
    new, _ = jax.jit(error_rule_pass)(params, state, jnp.asarray(s.u[:3]), jnp.asarray(s.y[:3]))
    # P = 0 at tick 0, so the first update is m = 0; the second uses P after one NLMS step
    a0, a1 = A[0], A[1]
    eps0 = -s.y[0]
    P1, p1 = -0.5 / (a0 @ a0 + 1.0) * np.outer(a0, eps0), -0.5 / (a0 @ a0 + 1.0) * eps0
    m1 = -(P1 @ (a1 @ P1 + p1 - s.y[1]))
    topo = params.config.network.topology
    nbrs = (np.arange(topo.n)[:, None] + np.asarray(topo.offsets)[None, :]) % topo.n
    W2 = np.asarray(state.long.W) + 1e-2 * m1[None, :] * a0[nbrs.T] * (1 - (a1 / 2) ** 2)[None, :]
    bound = 3.0 * params.config.network.weight_std
    one, _ = error_rule_pass(params, state, jnp.asarray(s.u[:2]), jnp.asarray(s.y[:2]))
    np.testing.assert_allclose(np.asarray(one.long.W), np.clip(W2, -bound, bound), atol=1e-6)
    assert not np.array_equal(np.asarray(new.long.W), np.asarray(state.long.W))


@pytest.mark.parametrize("numerics", ["float32", "int8"])
def test_seed_rule_pass_moves_W_deterministically(numerics):
    s = load_series("mackey_glass", n_timesteps=200)
    params, state = _quiet_organoid(1e-2, numerics)
    f = jax.jit(seed_rule_pass)
    a, b = f(params, state, jnp.asarray(s.u), jnp.asarray(s.y)), f(params, state, jnp.asarray(s.u), jnp.asarray(s.y))
    np.testing.assert_array_equal(np.asarray(a[0].long.W), np.asarray(b[0].long.W))
    assert a[0].long.W.dtype == state.long.W.dtype
    assert not np.array_equal(np.asarray(a[0].long.W), np.asarray(state.long.W))


@pytest.mark.parametrize("kw, msg", [({"baseline_momentum": 1.0}, "baseline_momentum must be in \\[0, 1\\); got 1.0"),
                                     ({"lms_rate": 0.0}, "lms_rate must be > 0; got 0.0")])
def test_seed_rule_pass_rejects_bad_rates(kw, msg):
    params, state = _quiet_organoid(0.0)
    with pytest.raises(ValueError, match=msg):
        seed_rule_pass(params, state, jnp.zeros((5, 1)), jnp.zeros((5, 1)), **kw)


@pytest.mark.parametrize("u,y,msg", [
    (np.zeros((5, 2)), np.zeros((5, 1)), r"u must have shape \(T >= 1, K = NetworkConfig.n_inputs = 1\); got \(5, 2\)"),
    (np.zeros((5, 1)), np.zeros((4, 1)), r"y must have shape \(T = 5, M >= 1\); got \(4, 1\)"),
    (np.full((5, 1), np.nan), np.zeros((5, 1)), r"u must be finite"),
    (np.zeros((5, 1)), np.full((5, 1), np.inf), r"y must be finite"),
    (np.zeros((0, 1)), np.zeros((0, 1)), r"u must have shape"),
])
@pytest.mark.parametrize("which", ["error", "seed"])
def test_forecast_passes_refuse_series_the_organoid_cannot_take(u, y, msg, which):
    params, state = _quiet_organoid(0.0)
    f = {"error": error_rule_pass, "seed": seed_rule_pass}[which]
    with pytest.raises(ValueError, match=f"{which}_rule_pass: {msg}"):
        f(params, state, u, y)
