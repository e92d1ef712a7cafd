"""Time-series prediction from reservoir states: a ridge readout fitted on some ticks, scored on others.

States ``A`` ``(T, N)`` (the organoid's activations driven by ``u``, or an ESN's) map to predictions
``ŷ(t) = A(t)·R + c`` by :func:`praxis_jax.learning.ridge_regression`, solved in float64 (the normal
equations of strongly correlated reservoir states lose digits in float32: in one scratch comparison, an
ESN on Mackey-Glass one step, the float32 solve's NRMSE was 0.0056 against 0.0044 in float64; not a
recorded benchmark). Scored by :func:`praxis_jax.tasks.timeseries.nrmse`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from praxis_jax.learning.readout import logits, ridge_regression
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
