"""Time-series prediction from reservoir states: a ridge readout fitted on some ticks, scored on others.

States ``A`` ``(T, N)`` (the organoid's activations driven by ``u``, or an ESN's) map to predictions
``ŷ(t) = A(t)·R + c`` by :func:`praxis_jax.learning.ridge_regression`, solved in float64 (the normal
equations of strongly correlated reservoir states lose digits in float32: in one scratch comparison, an
ESN on Mackey-Glass one step, the float32 solve's NRMSE was 0.0056 against 0.0044 in float64; not a
recorded benchmark). Scored by :func:`praxis_jax.tasks.timeseries.nrmse`.

Before that fit, W can learn from the training part of the series: :func:`error_rule_pass` (the prediction
error sent back to each neuron through an online predictor's weights) or :func:`seed_rule_pass` (the
scalar-modulator ablation).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from praxis_jax.learning.readout import logits, ridge_regression
from praxis_jax.quant.codec import Codec
from praxis_jax.simulate import step
from praxis_jax.state import Params, State
from praxis_jax.tasks.timeseries import Series, nrmse

FORECAST_LAMBDA = 1e-6  # the ridge penalty of every forecasting row (reservoirpy's tutorial value)


def forecast_nrmse(A: Array, series: Series, validation: int = 0, lam: float = FORECAST_LAMBDA) -> float:
    """NRMSE of a ridge readout on states ``A`` ``(T, N)``.

    With ``validation = 0`` the readout fits ticks ``[washout, n_train)`` and is scored on the test ticks
    ``[n_train, T)``; with ``validation = V > 0`` it fits ``[washout, n_train − V)`` and is scored on
    ``[n_train − V, n_train)``, so hyperparameters can be chosen without seeing the test ticks.
    """
    stop = series.n_train - validation
    if validation < 0 or stop <= series.washout + 1:
        raise ValueError(f"forecast_nrmse validation must be in [0, {series.n_train - series.washout - 2}]; "
                         f"got {validation}")
    score = slice(stop, series.n_train) if validation else slice(series.n_train, None)
    with jax.enable_x64(True):
        A64 = jnp.asarray(np.asarray(A, np.float64))
        r = ridge_regression(A64[series.washout:stop], jnp.asarray(series.y[series.washout:stop], jnp.float64), lam)
        y_hat = np.asarray(logits(r, A64[score]))
    return nrmse(series.y[score], y_hat)


def check_series(params: Params, u, y, who: str) -> None:
    """Refuse, before compiling, inputs ``u`` ``(T, K)`` and targets ``y`` ``(T, M)`` the organoid cannot
    take: K = NetworkConfig.n_inputs, the same T >= 1, M >= 1, and (for concrete arrays) finite values."""
    k = params.config.network.n_inputs
    if np.ndim(u) != 2 or np.shape(u)[1] != k or np.shape(u)[0] < 1:
        raise ValueError(f"{who}: u must have shape (T >= 1, K = NetworkConfig.n_inputs = {k}); got {np.shape(u)}")
    if np.ndim(y) != 2 or np.shape(y)[0] != np.shape(u)[0] or np.shape(y)[1] < 1:
        raise ValueError(f"{who}: y must have shape (T = {np.shape(u)[0]}, M >= 1); got {np.shape(y)}")
    for name, a in (("u", u), ("y", y)):
        if not isinstance(a, jax.core.Tracer) and not np.isfinite(np.asarray(a)).all():
            raise ValueError(f"{who}: {name} must be finite; it holds NaN or Inf")


def error_rule_pass(params: Params, state: State, u: Array, y: Array, lms_rate: float = 0.5) -> tuple[State, Array]:
    """W learns online from a series by A-STDP-ET (``params``' plasticity: e.g. post f'(v), e-prop's
    presynaptic trace, decay 0, every tick) with the prediction error as the per-neuron learning signal.

    Per tick t, in the step with input u(t) (P = 0, p = 0 at the start): with this tick's activations a(t),
      ε(t) = a(t)·P + p − y(t) ``(M,)``,   m_j(t) = −Σ_k P_jk·ε_k(t)   (−∂(½‖ε‖²)/∂a_j: the error through
      the predictor's own weights, as the readout signal of classification);
    after the step, P −= lms_rate·a(t) ⊗ ε(t)/(‖a(t)‖² + 1) and p alike (normalised LMS).

    Args: ``u`` ``(T, K)`` inputs, ``y`` ``(T, M)`` targets.
    Returns: (state after T ticks, ‖ε(t)‖² ``(T,)`` of the online predictor before its step).
    """
    if not lms_rate > 0:
        raise ValueError(f"error_rule_pass lms_rate must be > 0; got {lms_rate}")
    check_series(params, u, y, "error_rule_pass")
    codec = Codec.from_config(params.config)
    n, m_out = params.config.network.n, y.shape[1]

    def tick(c, inp):
        st, P, p = c
        x, yt = inp
        st, _ = step(params, st, x, lambda post: -(P @ (post[:n] @ P + p - yt)))
        a = codec.a(st.short.a)
        eps = a @ P + p - yt
        g = lms_rate / (a @ a + 1.0)
        return (st, P - g * a[:, None] * eps[None, :], p - g * eps), jnp.sum(eps**2)

    c0 = (state, jnp.zeros((n, m_out), jnp.float32), jnp.zeros(m_out, jnp.float32))
    (state, _, _), err = jax.lax.scan(tick, c0, (jnp.asarray(u, jnp.float32), jnp.asarray(y, jnp.float32)))
    return state, err


def seed_rule_pass(params: Params, state: State, u: Array, y: Array, lms_rate: float = 0.5,
                   baseline_momentum: float = 0.99) -> tuple[State, Array, Array]:
    """The pure seed rule on a series: W learns by A-STDP-ET (``params``' plasticity) with one scalar
    modulator, the averaged prediction error of an online linear predictor.

    Per tick t, before the organoid's step with input u(t) (a(−1) the state's activations; P = 0, p = 0, ē = 0):
      ε = ŷ(t−1) − y(t−1) ``(M,)``, ŷ(t−1) = a(t−1)·P + p,  s = mean(ε²);
      m(t) = (ē − s) / (ē + s + 1e-12)   (0 at t <= 1: relative surprise, scale-free and bounded to [−1, 1]);
      P −= lms_rate·a(t−1) ⊗ ε / (‖a(t−1)‖² + 1),  p −= lms_rate·ε / (‖a(t−1)‖² + 1)      (normalised LMS);
      ē ← β·ē + (1 − β)·s (ē = s at t = 1),  then state, _ = step(params, state, u(t), m(t)).
    Labels reach W only through the scalar m: this is the "seed rule" ablation for forecasting.

    Args: ``u`` ``(T, K)`` inputs, ``y`` ``(T, M)`` targets; ``baseline_momentum`` β in [0, 1).
    Returns: (state after T ticks, s ``(T,)`` (s(0) = 0), m ``(T,)``).
    """
    if not 0.0 <= baseline_momentum < 1.0:
        raise ValueError(f"seed_rule_pass baseline_momentum must be in [0, 1); got {baseline_momentum}")
    if not lms_rate > 0:
        raise ValueError(f"seed_rule_pass lms_rate must be > 0; got {lms_rate}")
    check_series(params, u, y, "seed_rule_pass")
    codec = Codec.from_config(params.config)
    n, m_out = params.config.network.n, y.shape[1]
    y_prev = jnp.concatenate([jnp.zeros((1, m_out), jnp.float32), jnp.asarray(y, jnp.float32)[:-1]])
    beta = jnp.float32(baseline_momentum)

    def tick(c, inp):
        st, P, p, ebar = c
        x, yp, t = inp
        a = codec.a(st.short.a)
        eps = a @ P + p - yp
        s = jnp.where(t > 0, jnp.mean(eps**2), 0.0)
        mod = jnp.where(t > 1, (ebar - s) / (ebar + s + 1e-12), 0.0)
        g = jnp.where(t > 0, lms_rate / (a @ a + 1.0), 0.0)
        P, p = P - g * a[:, None] * eps[None, :], p - g * eps
        ebar = jnp.where(t == 1, s, jnp.where(t > 1, beta * ebar + (1 - beta) * s, ebar))
        st, _ = step(params, st, x, mod)
        return (st, P, p, ebar), (s, mod)

    c0 = (state, jnp.zeros((n, m_out), jnp.float32), jnp.zeros(m_out, jnp.float32), jnp.zeros((), jnp.float32))
    ts = jnp.arange(u.shape[0])
    (state, _, _, _), (s, mod) = jax.lax.scan(tick, c0, (jnp.asarray(u, jnp.float32), y_prev, ts))
    return state, s, mod
