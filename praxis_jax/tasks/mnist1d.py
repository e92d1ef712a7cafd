"""MNIST-1D (Greydanus 2020): 10 classes of 40-sample 1-D signals, 4000 train / 1000 test.

Generated procedurally by the ``mnist1d`` package with its default arguments (``make_dataset``; never
``get_dataset``, which downloads). Presented one sample per tick: T = 40 ticks of K = 1 input.
Published test accuracies: :data:`praxis_jax.tasks.registry.TASKS` ``["mnist1d"].reference``.
"""

from __future__ import annotations

import numpy as np

from praxis_jax.tasks.base import Dataset


def load_mnist1d() -> Dataset:
    """The default MNIST-1D split as a :class:`Dataset` (x ``(S, 40, 1)`` float32, y int32)."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as err:  # a declared dependency; only a broken install gets here
        raise ImportError("MNIST-1D needs the mnist1d package: pip install mnist1d") from err
    d = make_dataset(get_dataset_args())
    f = lambda x: np.asarray(x, np.float32)[:, :, None]  # noqa: E731
    i = lambda y: np.asarray(y, np.int32)  # noqa: E731
    return Dataset(f(d["x"]), i(d["y"]), f(d["x_test"]), i(d["y_test"]), 10, "mnist1d")
