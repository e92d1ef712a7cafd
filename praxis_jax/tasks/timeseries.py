"""Time-series prediction from ``reservoirpy.datasets`` (generated, or shipped with the package): offline.

Each task is one long sequence: inputs ``u`` float32 ``(T, K)``, targets ``y`` float32 ``(T, M)``; the first
``n_train`` ticks train a readout (after a ``washout`` that is never scored), the rest test it. Scored
by the range-normalised root-mean-square error

    NRMSE = sqrt(mean((y − ŷ)²)) / (max(y) − min(y)),

the normalisation of ``reservoirpy.observables.nrmse`` (its default, ``"minmax"``).

- Mackey-Glass, tau = 17 (``mackey_glass``): predict x(t + horizon) from x(t), rescaled to [−1, 1].
- NARMA-10 (``narma`` with the order-10 coefficients of Atiya & Parlos 2000, in reservoirpy's indexing
  ``y(t+1) = 0.3·y(t) + 0.05·y(t)·Σ_{i=1..10} y(t−i) + 1.5·u(t−10)·u(t) + 0.1``, u ~ U[0, 0.5]):
  predict y(t+1) from u(t) (the system's memory has to come from the reservoir).
- Santa Fe laser (``santafe_laser``, 10,093 real intensity samples): predict x(t + horizon) from x(t),
  x / 255.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

NARMA10 = dict(order=10, a1=0.3, a2=0.05, b=1.5, c=0.1)
SERIES = ("mackey_glass", "narma10", "santafe")
PEERS_HINT = "the time-series tasks need reservoirpy: pip install -e '.[peers]'"


class Series(NamedTuple):
    """A prediction task: ``u`` ``(T, K)``, ``y`` ``(T, M)`` float32; ticks ``[washout, n_train)`` train,
    ``[n_train, T)`` test."""

    u: np.ndarray
    y: np.ndarray
    n_train: int
    washout: int
    name: str


def _datasets():
    try:
        import reservoirpy.datasets as rpy_datasets
    except ImportError as err:
        raise ImportError(PEERS_HINT) from err
    return rpy_datasets


def _check(name: str, value, lo: int) -> None:
    if not isinstance(value, int) or value < lo:
        raise ValueError(f"load_series {name} must be an int >= {lo}; got {value!r}")


def _forecast(x: np.ndarray, horizon: int, train_frac: float, washout: int, name: str) -> Series:
    u, y = x[:-horizon], x[horizon:]
    return Series(u.astype(np.float32), y.astype(np.float32), int(train_frac * len(u)), washout, name)


def load_series(name: str, n_timesteps: int = 2000, horizon: int = 1, train_frac: float = 0.8,
                washout: int = 100, seed: int = 0) -> Series:
    """One of SERIES as a :class:`Series`.

    Args:
      name: ``"mackey_glass"``, ``"narma10"`` or ``"santafe"``.
      n_timesteps: length generated (Mackey-Glass, NARMA-10); the Santa Fe series has its own 10,093.
      horizon: predict ``horizon`` ticks ahead (one-step = 1; NARMA-10 is defined one step ahead only).
      train_frac: fraction of the ticks that train; washout: the first ticks, never scored.
      seed: the generator's seed (Mackey-Glass history, NARMA input).
    """
    if name not in SERIES:
        raise ValueError(f"load_series name must be one of {SERIES}; got {name!r}")
    _check("n_timesteps", n_timesteps, 200)
    _check("horizon", horizon, 1)
    _check("washout", washout, 0)
    if name == "narma10" and horizon != 1:
        raise ValueError(f"load_series horizon must be 1 for narma10 (defined one step ahead); got {horizon}")
    if not 0.0 < train_frac < 1.0:
        raise ValueError(f"load_series train_frac must be in (0, 1); got {train_frac!r}")
    ds = _datasets()
    if name == "mackey_glass":
        x = ds.mackey_glass(n_timesteps + horizon, tau=17, seed=seed)
        x = 2.0 * (x - x.min()) / (x.max() - x.min()) - 1.0
        return _forecast(x, horizon, train_frac, washout, f"mackey_glass-h{horizon}")
    if name == "santafe":
        x = ds.santafe_laser().astype(np.float64) / 255.0
        return _forecast(x, horizon, train_frac, washout, f"santafe-h{horizon}")
    u, y = ds.narma(n_timesteps, seed=seed, **NARMA10)  # u (T+10, 1), y (T, 1): y[s] = y(t+1) at t = s+9
    order = NARMA10["order"]
    return Series(u[order - 1:order - 1 + n_timesteps].astype(np.float32), y.astype(np.float32),
                  int(train_frac * n_timesteps), washout, "narma10")


def nrmse(y: np.ndarray, y_hat: np.ndarray) -> float:
    """``sqrt(mean((y − ŷ)²)) / (max(y) − min(y))`` over all ticks and outputs."""
    y, y_hat = np.asarray(y, np.float64), np.asarray(y_hat, np.float64)
    return float(np.sqrt(np.mean((y - y_hat) ** 2)) / (y.max() - y.min()))
